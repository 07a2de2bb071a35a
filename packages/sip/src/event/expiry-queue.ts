/**
 * Deadlines of many keys behind one timer: a binary min-heap ordered by deadline, with lazy deletion
 * (a heap entry is live only while `deadlines.get(key)` still equals its deadline). Rescheduling a key
 * pushes a new entry; stale entries are skipped when they surface and the heap is rebuilt when they
 * outnumber the live ones. One `setTimeout` is armed for the earliest deadline, so 100,000 subscriptions
 * cost one timer, not 100,000.
 */
export interface ExpiryQueueInit {
  /** Fires are batched: a deadline is due when it is at most this many ms in the future (default 20). */
  slackMs?: number;
  /** Clock (ms); default `Date.now`. */
  now?: () => number;
}

export class ExpiryQueue<K> {
  private readonly deadlines = new Map<K, number>();
  private heapAt: number[] = [];
  private heapKey: K[] = [];
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Infinity;
  private readonly slackMs: number;
  private readonly now: () => number;
  private disposed = false;

  constructor(
    private readonly onExpire: (key: K) => void,
    init: ExpiryQueueInit = {},
  ) {
    this.slackMs = init.slackMs ?? 20;
    this.now = init.now ?? Date.now;
  }

  get size(): number {
    return this.deadlines.size;
  }

  deadline(key: K): number | undefined {
    return this.deadlines.get(key);
  }

  /** Sets (or moves) the deadline of `key` to `at` (epoch ms). */
  schedule(key: K, at: number): void {
    if (this.disposed) return;
    this.deadlines.set(key, at);
    this.push(at, key);
    if (this.heapAt.length > 64 && this.heapAt.length > 2 * this.deadlines.size) this.rebuild();
    if (at < this.armedAt) this.arm();
  }

  cancel(key: K): void {
    this.deadlines.delete(key);
    if (this.deadlines.size === 0) this.clearTimer();
  }

  /** Clears every deadline and the timer. */
  dispose(): void {
    this.disposed = true;
    this.deadlines.clear();
    this.heapAt = [];
    this.heapKey = [];
    this.clearTimer();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = Infinity;
    if (this.deadlines.size === 0) {
      this.heapAt = [];
      this.heapKey = [];
    }
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = Infinity;
    const next = this.peekLive();
    if (next === undefined) return;
    this.armedAt = next;
    // setTimeout takes at most 2^31-1 ms; a longer wait re-arms on wake-up.
    const delay = Math.min(Math.max(0, next - this.now()), 0x7fffffff);
    this.timer = setTimeout(this.fire, delay);
    this.timer.unref();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedAt = Infinity;
    const limit = this.now() + this.slackMs;
    const due: K[] = [];
    while (this.heapAt.length > 0) {
      const at = this.heapAt[0] as number;
      if (at > limit) break;
      const key = this.heapKey[0] as K;
      this.pop();
      if (this.deadlines.get(key) !== at) continue;
      this.deadlines.delete(key);
      due.push(key);
    }
    this.arm();
    for (const k of due) this.onExpire(k);
  };

  private peekLive(): number | undefined {
    while (this.heapAt.length > 0) {
      const at = this.heapAt[0] as number;
      if (this.deadlines.get(this.heapKey[0] as K) === at) return at;
      this.pop();
    }
    return undefined;
  }

  private rebuild(): void {
    this.heapAt = [];
    this.heapKey = [];
    for (const [k, at] of this.deadlines) this.push(at, k);
  }

  private push(at: number, key: K): void {
    const a = this.heapAt;
    const k = this.heapKey;
    let i = a.length;
    a.push(at);
    k.push(key);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((a[p] as number) <= at) break;
      a[i] = a[p] as number;
      k[i] = k[p] as K;
      i = p;
    }
    a[i] = at;
    k[i] = key;
  }

  private pop(): void {
    const a = this.heapAt;
    const k = this.heapKey;
    const lastAt = a.pop() as number;
    const lastKey = k.pop() as K;
    const n = a.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && (a[r] as number) < (a[l] as number) ? r : l;
      if ((a[c] as number) >= lastAt) break;
      a[i] = a[c] as number;
      k[i] = k[c] as K;
      i = c;
    }
    a[i] = lastAt;
    k[i] = lastKey;
  }
}
