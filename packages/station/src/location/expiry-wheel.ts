import { ShardedMap } from '@beckon/ops';

export interface ExpiryWheelInit<T = unknown> {
  /** Resolution: items fire at most this late (default 1000 ms). */
  readonly tickMs?: number;
  /** Clock (default Date.now); tests inject their own. */
  readonly now?: () => number;
  /**
   * A number unique to each scheduled item (a new object standing for the same item is cancelled-then-
   * scheduled, never scheduled over the old one): lets the wheel keep its item index in a ShardedMap.
   * Without it, items are keyed by identity in one Map.
   */
  readonly idOf?: (item: T) => number;
}

/**
 * Hashed timing wheel with one timer for any number of items: item -> bucket `ceil(at / tick)`,
 * bucket -> set of items. Scheduling, rescheduling and cancelling are O(1); each tick visits only the
 * buckets that came due. An item never fires early (bucket * tick >= at) and at most one tick late.
 * Items are compared by identity.
 */
export class ExpiryWheel<T> {
  private readonly buckets = new Map<number, Set<T>>();
  /** Bucket of each scheduled item, by `idOf(item)` (sharded: see ShardedMap) or by the item itself. */
  private readonly itemBucket: {
    get(k: unknown): number | undefined;
    set(k: unknown, b: number): unknown;
    delete(k: unknown): boolean;
    readonly size: number;
  };
  private readonly key: (item: T) => unknown;
  private readonly tickMs: number;
  private readonly now: () => number;
  private lastProcessed: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    init: ExpiryWheelInit<T>,
    private readonly onExpire: (items: T[], now: number) => void,
  ) {
    this.tickMs = Math.max(1, init.tickMs ?? 1000);
    const idOf = init.idOf;
    if (idOf) {
      this.itemBucket = new ShardedMap<number, number>() as unknown as typeof this.itemBucket;
      this.key = idOf;
    } else {
      this.itemBucket = new Map<unknown, number>();
      this.key = (item) => item;
    }
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
    const k = this.key(item);
    const old = this.itemBucket.get(k);
    if (old === b) return;
    if (old !== undefined) this.removeFromBucket(item, old);
    this.itemBucket.set(k, b);
    let set = this.buckets.get(b);
    if (!set) {
      set = new Set();
      this.buckets.set(b, set);
    }
    set.add(item);
  }

  cancel(item: T): void {
    const k = this.key(item);
    const b = this.itemBucket.get(k);
    if (b === undefined) return;
    this.itemBucket.delete(k);
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
      this.itemBucket.delete(this.key(item));
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
