/** What the queue calls when a wait timer expires. */
export interface WaitTimerTarget {
  /** Called once the wait is over (the target checks whether it still waits). */
  waitExpired(): void;
}

/** One FIFO per duration: entries of equal duration expire in insertion order. */
interface Lane {
  at: number[];
  who: WaitTimerTarget[];
  head: number;
}

/**
 * One shared timer for the "wait" timers of many transactions (RFC 3261 Timers D, I, J, K: the time a
 * completed transaction lingers to absorb retransmissions; 32 s for Timer J over UDP).
 *
 * A server answering 5,000 non-INVITE requests per second holds 160,000 transactions in Timer J. One
 * `setTimeout` each means 160,000 timer objects and closures kept alive for 32 s; here an entry is a number
 * and a reference in two arrays. Entries of the same duration are appended in expiry order, so every lane
 * is a FIFO and the queue needs no heap: one Node timer is armed for the earliest head of all lanes.
 *
 * Cancellation is lazy: a target that no longer waits (terminated, disposed) ignores `waitExpired`.
 * Entries fire up to 1/256 of their duration early (at most 100 ms): see `slackOf`.
 * Expiry uses `Date.now()`; tests that mock timers must mock `Date` as well.
 */
export class WaitTimerQueue {
  private readonly lanes = new Map<number, Lane>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private count = 0;

  /** Number of entries still queued (including lazily cancelled ones). */
  get size(): number {
    return this.count;
  }

  /** Queues `target` to be told in `ms` milliseconds (ms > 0). */
  schedule(ms: number, target: WaitTimerTarget): void {
    let lane = this.lanes.get(ms);
    if (lane === undefined) {
      lane = { at: [], who: [], head: 0 };
      this.lanes.set(ms, lane);
    }
    const at = Date.now() + ms;
    lane.at.push(at);
    lane.who.push(target);
    this.count++;
    if (at < this.timerAt) this.arm(at);
  }

  /** Drops every entry and the timer. */
  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    this.lanes.clear();
    this.count = 0;
  }

  private arm(at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.run, Math.max(0, at - Date.now()));
    this.timer.unref();
  }

  private readonly run = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const [ms, lane] of this.lanes) {
      const { at, who } = lane;
      // Entries due within the lane's slack fire now, so that a busy lane wakes the process at most once
      // per slack instead of once per millisecond (each wake-up is a syscall round trip).
      const horizon = now + slackOf(ms);
      let h = lane.head;
      while (h < at.length && (at[h] as number) <= horizon) {
        const target = who[h] as WaitTimerTarget;
        who[h] = DONE;
        h++;
        this.count--;
        target.waitExpired();
      }
      if (h >= at.length) {
        this.lanes.delete(ms);
        continue;
      }
      if (h > 1024 && h * 2 > at.length) {
        at.splice(0, h);
        who.splice(0, h);
        h = 0;
      }
      lane.head = h;
      if ((at[h] as number) < next) next = at[h] as number;
    }
    if (next < this.timerAt) this.arm(next);
  };
}

/**
 * How early an entry of a lane of `ms` may fire: 1/256 of the duration, at most 100 ms (Timer J over UDP,
 * 32 s: 100 ms; Timer K/I, 5 s: 19 ms). The client's own timer (Timer F, 64*T1 from its first send)
 * started before our wait timer did, so its retransmissions stop before the wait ends.
 */
function slackOf(ms: number): number {
  return Math.min(100, Math.floor(ms / 256));
}

const DONE: WaitTimerTarget = { waitExpired: () => undefined };
