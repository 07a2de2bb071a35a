export interface ExpiryWheelInit {
  /** Resolution: items fire at most this late (default 1000 ms). */
  readonly tickMs?: number;
  /** Clock (default Date.now); tests inject their own. */
  readonly now?: () => number;
}

/**
 * Hashed timing wheel with one timer for any number of items: item -> bucket `ceil(at / tick)`,
 * bucket -> set of items. Scheduling, rescheduling and cancelling are O(1); each tick visits only the
 * buckets that came due. An item never fires early (bucket * tick >= at) and at most one tick late.
 * Items are compared by identity.
 */
export class ExpiryWheel<T> {
  private readonly buckets = new Map<number, Set<T>>();
  private readonly itemBucket = new Map<T, number>();
  private readonly tickMs: number;
  private readonly now: () => number;
  private lastProcessed: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    init: ExpiryWheelInit,
    private readonly onExpire: (items: T[], now: number) => void,
  ) {
    this.tickMs = Math.max(1, init.tickMs ?? 1000);
    this.now = init.now ?? Date.now;
    this.lastProcessed = Math.floor(this.now() / this.tickMs);
  }

  get size(): number {
    return this.itemBucket.size;
  }

  /** (Re)schedules `item` to expire at `at` (epoch ms). Already-due items fire on the next tick. */
  schedule(item: T, at: number): void {
    let b = Math.ceil(at / this.tickMs);
    if (b <= this.lastProcessed) b = this.lastProcessed + 1;
    const old = this.itemBucket.get(item);
    if (old === b) return;
    if (old !== undefined) this.removeFromBucket(item, old);
    this.itemBucket.set(item, b);
    let set = this.buckets.get(b);
    if (!set) {
      set = new Set();
      this.buckets.set(b, set);
    }
    set.add(item);
  }

  cancel(item: T): void {
    const b = this.itemBucket.get(item);
    if (b === undefined) return;
    this.itemBucket.delete(item);
    this.removeFromBucket(item, b);
  }

  /** Starts the single interval timer (unref'd: it never keeps the process alive by itself). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.advance(this.now()), this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Fires every item whose bucket is due at `now`; called by the timer, callable by tests. */
  advance(now: number): void {
    const current = Math.floor(now / this.tickMs);
    if (current <= this.lastProcessed) return;
    const due: T[] = [];
    if (current - this.lastProcessed <= this.buckets.size) {
      for (let b = this.lastProcessed + 1; b <= current; b++) this.take(b, due);
    } else {
      // Long gap (clock jump, idle wheel): visit existing buckets instead of every tick in between.
      for (const b of [...this.buckets.keys()]) if (b <= current) this.take(b, due);
    }
    this.lastProcessed = current;
    if (due.length > 0) this.onExpire(due, now);
  }

  private take(b: number, out: T[]): void {
    const set = this.buckets.get(b);
    if (!set) return;
    this.buckets.delete(b);
    for (const item of set) {
      this.itemBucket.delete(item);
      out.push(item);
    }
  }

  private removeFromBucket(item: T, b: number): void {
    const set = this.buckets.get(b);
    if (!set) return;
    set.delete(item);
    if (set.size === 0) this.buckets.delete(b);
  }
}
