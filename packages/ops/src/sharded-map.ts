/**
 * A Map split over a fixed number of smaller Maps by a hash of the key, with the Map API a hot path
 * needs. Why: a JavaScript Map doubles its hash table when it fills, rehashing every entry at once; at a
 * few hundred thousand entries that is tens of milliseconds during which the event loop answers
 * nothing (measured here: ~40 ms for three Maps crossing 262,144 entries together). Shards hold a
 * fraction of the entries each and, keys being hashed pseudo-randomly, fill at slightly different moments,
 * so a growth step costs a fraction of a millisecond and the steps are spread out.
 *
 * Iteration order is per shard (not insertion order overall).
 */
export class ShardedMap<K extends string | number, V> {
  private readonly shards: Map<K, V>[];
  private readonly mask: number;
  private count = 0;
  /** The last key looked up and its shard. */
  private lastKey: K | undefined;
  private lastShard: Map<K, V> | undefined;

  /** `shardBits`: 2^shardBits shards (default 6: 64). */
  constructor(shardBits = 6) {
    const n = 1 << Math.max(0, Math.min(12, Math.floor(shardBits)));
    this.mask = n - 1;
    this.shards = Array.from({ length: n }, () => new Map<K, V>());
  }

  get size(): number {
    return this.count;
  }

  get(key: K): V | undefined {
    return this.shard(key).get(key);
  }

  has(key: K): boolean {
    return this.shard(key).has(key);
  }

  set(key: K, value: V): this {
    const s = this.shard(key);
    const before = s.size;
    s.set(key, value);
    this.count += s.size - before;
    return this;
  }

  delete(key: K): boolean {
    const deleted = this.shard(key).delete(key);
    if (deleted) this.count--;
    return deleted;
  }

  clear(): void {
    for (const s of this.shards) s.clear();
    this.count = 0;
  }

  *values(): IterableIterator<V> {
    for (const s of this.shards) yield* s.values();
  }

  *keys(): IterableIterator<K> {
    for (const s of this.shards) yield* s.keys();
  }

  *entries(): IterableIterator<[K, V]> {
    for (const s of this.shards) yield* s.entries();
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  private shard(key: K): Map<K, V> {
    // Callers often use one key several times in a row (get, then set, of one AOR): its shard is kept, and
    // the key is hashed once (a JavaScript hash of a 24-character string costs more than the Map lookup).
    if (key === this.lastKey) return this.lastShard as Map<K, V>;
    const s = this.shards[hashKey(key) & this.mask] as Map<K, V>;
    this.lastKey = key;
    this.lastShard = s;
    return s;
  }
}

/** FNV-1a over the string's code units, or a murmur3-style mix of a number: pseudo-random low bits. */
function hashKey(key: string | number): number {
  let h: number;
  if (typeof key === 'number') {
    h = Math.imul((key | 0) ^ ((key / 0x100000000) | 0), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  }
  h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  // Final avalanche so that the low bits depend on every character.
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 12)) >>> 0;
}
