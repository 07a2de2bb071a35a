/**
 * Hands out one shared copy of each of a few recurring strings, such as the User-Agent values of a
 * fleet of phones: thousands of stored bindings then point at a handful of strings instead of holding
 * a copy each. Bounded: once `maxEntries` distinct values are kept, further new values are returned
 * as private copies and not remembered (a value that varies per request never fills memory).
 *
 * A returned string is always a flat copy, never a slice of its argument, so storing it does not keep
 * the text it was cut from (a whole received message) alive.
 */
export class StringInterner {
  private readonly kept = new Map<string, string>();

  constructor(private readonly maxEntries = 256) {}

  get size(): number {
    return this.kept.size;
  }

  intern(s: string): string {
    const hit = this.kept.get(s);
    if (hit !== undefined) return hit;
    const copy = flatCopy(s);
    if (this.kept.size < this.maxEntries) this.kept.set(copy, copy);
    return copy;
  }
}

/**
 * `s` as one flat string that shares no storage with a larger one. V8 makes strings shorter than 13
 * characters as copies, never as slices or concatenations, so those are returned as they are. A longer
 * one may be a slice (which keeps its parent, e.g. a whole message, alive) or a concatenation tree;
 * `(' ' + s).slice(1)` would still be two heap objects, a slice and its parent, so JSON round-tripping
 * makes the one flat copy.
 */
export function flatCopy(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}
