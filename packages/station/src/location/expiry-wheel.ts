export interface ExpiryWheelInit<T> {
  /** Resolution: items fire at most this late (default 1000 ms). */
  readonly tickMs?: number;
  /** Clock (default Date.now); tests inject their own. */
  readonly now?: () => number;
  /**
   * When the item is due (epoch ms). It must not change while the item is scheduled: an item that
   * should fire at another time is cancelled and a new one scheduled (the location service's records
   * are immutable, a refresh makes a new record).
   */
  readonly dueAt: (item: T) => number;
}

/**
 * Hashed timing wheel with one timer for any number of items: bucket `ceil(dueAt / tick)` -> set of
 * items. Scheduling and cancelling are O(1); each tick visits only the buckets that came due. An item
 * never fires early (bucket * tick >= dueAt) and at most one tick late. Items are compared by identity.
 *
 * The wheel keeps no item -> bucket index: an item's bucket follows from its due time and from the
 * last tick processed when it was scheduled (an item already due goes to the next tick's bucket), so
 * `cancel` recomputes it. With hundreds of thousands of bindings that saves a hash-table entry per
 * binding, which each registration would write and each garbage collection visit.
 */
export class ExpiryWheel<T> {
  private readonly buckets = new Map<number, Set<T>>();
  private readonly dueAt: (item: T) => number;
  private readonly tickMs: number;
  private readonly now: () => number;
  private lastProcessed: number;
  private count = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    init: ExpiryWheelInit<T>,
    private readonly onExpire: (items: T[], now: number) => void,
  ) {
    this.tickMs = Math.max(1, init.tickMs ?? 1000);
    this.dueAt = init.dueAt;
    this.now = init.now ?? Date.now;
    this.lastProcessed = Math.floor(this.now() / this.tickMs);
  }

  /** Items scheduled and not yet fired or cancelled. */
  get size(): number {
    return this.count;
  }

  /** Schedules `item` (a no-op if it is scheduled already). Items already due fire on the next tick. */
  schedule(item: T): void {
    const b = this.bucketOf(item);
    let set = this.buckets.get(b);
    if (!set) {
      set = new Set();
      this.buckets.set(b, set);
    }
    const before = set.size;
    set.add(item);
    this.count += set.size - before;
  }

  /** Unschedules `item` (a no-op if it is not scheduled, e.g. fired already). */
  cancel(item: T): void {
    // Scheduled while its bucket lay ahead: it is still there, or it fired. Scheduled when already due:
    // it went to the bucket after the last processed tick, which is still that bucket, or it fired.
    const b = this.bucketOf(item);
    const set = this.buckets.get(b);
    if (!set || !set.delete(item)) return;
    this.count--;
    if (set.size === 0) this.buckets.delete(b);
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

  private bucketOf(item: T): number {
    const b = Math.ceil(this.dueAt(item) / this.tickMs);
    return b > this.lastProcessed ? b : this.lastProcessed + 1;
  }

  private take(b: number, out: T[]): void {
    const set = this.buckets.get(b);
    if (!set) return;
    this.buckets.delete(b);
    this.count -= set.size;
    for (const item of set) out.push(item);
  }
}
