/**
 * The bindings of one AOR by contact key. An AOR has a handful of bindings at most (the per-AOR limit,
 * 10 by default) and usually one, so a flat array [key0, value0, key1, value1, ...] searched linearly
 * does the job of a Map at a fraction of its size: with one binding 64 bytes and 2 heap objects against
 * about 350 bytes and 2 objects (a Map's smallest hash table alone is ~300 bytes). With hundreds of
 * thousands of AORs that is a third of the heap per binding, and of what every major garbage collection
 * has to visit.
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
