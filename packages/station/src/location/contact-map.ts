/**
 * The bindings of one AOR by contact key. An AOR has a handful of bindings at most (the per-AOR limit,
 * 10 by default) and usually one, so this is no hash table: the first entry lives in two fields of the
 * object itself and any others in a flat array [key1, value1, key2, value2, ...] searched linearly.
 * A single-binding AOR thus costs one small heap object here instead of a Map's table, or an object and
 * an array (bench/binding-heap-census.ts measures the cost per binding), and every major garbage
 * collection visits fewer objects.
 */
export class ContactMap<V> {
  private k0: string | undefined;
  private v0: V | undefined;
  /** Entries after the first; undefined while there is at most one (never empty). */
  private more: (string | V)[] | undefined;

  constructor(key: string, value: V) {
    this.k0 = key;
    this.v0 = value;
    this.more = undefined;
  }

  get size(): number {
    if (this.k0 === undefined) return 0;
    return this.more === undefined ? 1 : 1 + (this.more.length >> 1);
  }

  /** The value when there is exactly one entry. */
  only(): V | undefined {
    return this.more === undefined ? this.v0 : undefined;
  }

  get(key: string): V | undefined {
    if (this.k0 === key) return this.v0;
    const s = this.more;
    if (s !== undefined) for (let i = 0; i < s.length; i += 2) if (s[i] === key) return s[i + 1] as V;
    return undefined;
  }

  set(key: string, value: V): void {
    if (this.k0 === undefined || this.k0 === key) {
      this.k0 = key;
      this.v0 = value;
      return;
    }
    const s = this.more;
    if (s === undefined) {
      this.more = [key, value];
      return;
    }
    for (let i = 0; i < s.length; i += 2)
      if (s[i] === key) {
        s[i + 1] = value;
        return;
      }
    // A new array of the exact size: a push would grow the backing store by 16 slots at once.
    this.more = [...s, key, value];
  }

  delete(key: string): boolean {
    const s = this.more;
    if (this.k0 === key) {
      // The next entry (if any) moves up, so iteration keeps insertion order.
      this.k0 = s === undefined ? undefined : (s[0] as string);
      this.v0 = s === undefined ? undefined : (s[1] as V);
      this.more = s === undefined || s.length === 2 ? undefined : s.slice(2);
      return true;
    }
    if (s === undefined) return false;
    for (let i = 0; i < s.length; i += 2)
      if (s[i] === key) {
        this.more = s.length === 2 ? undefined : [...s.slice(0, i), ...s.slice(i + 2)];
        return true;
      }
    return false;
  }

  *values(): IterableIterator<V> {
    if (this.k0 === undefined) return;
    yield this.v0 as V;
    const s = this.more;
    if (s !== undefined) for (let i = 1; i < s.length; i += 2) yield s[i] as V;
  }

  *[Symbol.iterator](): IterableIterator<[string, V]> {
    if (this.k0 === undefined) return;
    yield [this.k0, this.v0 as V];
    const s = this.more;
    if (s !== undefined) for (let i = 0; i < s.length; i += 2) yield [s[i] as string, s[i + 1] as V];
  }
}
