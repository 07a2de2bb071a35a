/** What the lanes call when a timer expires. */
export interface LaneTimerTarget {
  /** The timer `seq` of the lane of `ms` expired (it was neither cancelled nor fired before). */
  laneTimerFired(ms: number, seq: number): void;
}

/** One FIFO per duration; entry `i` of the arrays has sequence number `seq0 + i`. */
interface Lane {
  at: number[];
  who: (LaneTimerTarget | undefined)[];
  seq0: number;
  head: number;
}

/**
 * Cancellable timers of many transactions behind one Node timer: the retransmission and timeout timers
 * of client transactions (RFC 3261 Timers E and F) and the UAS deadline of a request. Every timer of one
 * duration goes into that duration's lane in expiry order, so a lane is a FIFO and no heap is needed.
 * A timer is an array slot, not a `Timeout` object and a closure: `schedule` returns its sequence number,
 * `cancel` empties the slot at once (the target is not referenced any longer).
 *
 * There are few distinct durations (T1, 2*T1, ... T2, 64*T1), so there are few lanes; lanes are kept
 * once made. Entries fire up to 1/256 of their duration early (at most 20 ms) so that a busy lane wakes
 * the process once per slack rather than once per millisecond. Expiry uses `Date.now()`: tests that mock
 * timers must mock `Date` as well.
 */
export class TimerLanes {
  private readonly lanes = new Map<number, Lane>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  /** Starts a timer of `ms` (> 0) milliseconds for `target`; returns its sequence number (> 0). */
  schedule(ms: number, target: LaneTimerTarget): number {
    let lane = this.lanes.get(ms);
    if (lane === undefined) {
      lane = { at: [], who: [], seq0: 1, head: 0 };
      this.lanes.set(ms, lane);
    }
    const at = Date.now() + ms;
    const seq = lane.seq0 + lane.at.length;
    lane.at.push(at);
    lane.who.push(target);
    if (at < this.timerAt) this.arm(at);
    return seq;
  }

  /** Cancels the timer `seq` of the lane of `ms` (no effect when it already fired or was cancelled). */
  cancel(ms: number, seq: number): void {
    const lane = this.lanes.get(ms);
    if (lane === undefined) return;
    const i = seq - lane.seq0;
    if (i >= lane.head && i < lane.who.length) lane.who[i] = undefined;
  }

  /** Drops every timer. */
  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    for (const lane of this.lanes.values()) {
      lane.seq0 += lane.at.length;
      lane.at = [];
      lane.who = [];
      lane.head = 0;
    }
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
      const horizon = now + Math.min(20, Math.floor(ms / 256));
      // A target may schedule into this lane while it runs (Timer E re-armed with the same interval): the
      // new entry lies beyond the horizon, so the loop ends before it.
      while (lane.head < lane.at.length && (lane.at[lane.head] as number) <= horizon) {
        const h = lane.head;
        const target = lane.who[h];
        lane.who[h] = undefined;
        lane.head = h + 1;
        if (target !== undefined) target.laneTimerFired(ms, lane.seq0 + h);
      }
      this.compact(lane);
      // Skip cancelled entries at the head so that the timer is armed for a live one.
      while (lane.head < lane.at.length && lane.who[lane.head] === undefined) lane.head++;
      this.compact(lane);
      if (lane.head < lane.at.length && (lane.at[lane.head] as number) < next)
        next = lane.at[lane.head] as number;
    }
    if (next < this.timerAt) this.arm(next);
  };

  private compact(lane: Lane): void {
    const h = lane.head;
    if (h === 0) return;
    if (h >= lane.at.length) {
      lane.seq0 += lane.at.length;
      lane.at = [];
      lane.who = [];
      lane.head = 0;
    } else if (h > 1024 && h * 2 > lane.at.length) {
      lane.at.splice(0, h);
      lane.who.splice(0, h);
      lane.seq0 += h;
      lane.head = 0;
    }
  }
}
