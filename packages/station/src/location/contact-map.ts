/**
 * The bindings of one AOR by contact key. An AOR has a handful of bindings at most (the per-AOR limit,
 * 10 by default) and usually one, so a flat array [key0, value0, key1, value1, ...] searched linearly
 * does the job of a Map in less memory: about 90 bytes less per single-binding AOR
 * (bench/binding-heap-census.ts: 1,424 -> 1,337 bytes per binding), which every major garbage collection
 * no longer has to visit.
 */
export class ContactMap<V> {
  private slots: (string | V)[];

  constructor(key: string, value: V) {
    this.slots = [key, value];
  }

  get size(): number {
    return this.slots.length >> 1;
  }

  get(key: string): V | undefined {
    const s = this.slots;
    for (let i = 0; i < s.length; i += 2) if (s[i] === key) return s[i + 1] as V;
    return undefined;
  }

  set(key: string, value: V): void {
    const s = this.slots;
    for (let i = 0; i < s.length; i += 2)
      if (s[i] === key) {
        s[i + 1] = value;
        return;
      }
    // A new array of the exact size: a push would grow the backing store by 16 slots at once.
    this.slots = [...s, key, value];
  }

  delete(key: string): boolean {
    const s = this.slots;
    for (let i = 0; i < s.length; i += 2)
      if (s[i] === key) {
        this.slots = [...s.slice(0, i), ...s.slice(i + 2)];
        return true;
      }
    return false;
  }

  *values(): IterableIterator<V> {
    const s = this.slots;
    for (let i = 1; i < s.length; i += 2) yield s[i] as V;
  }

  *[Symbol.iterator](): IterableIterator<[string, V]> {
    const s = this.slots;
    for (let i = 0; i < s.length; i += 2) yield [s[i] as string, s[i + 1] as V];
  }
}
