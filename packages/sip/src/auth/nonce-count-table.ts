/**
 * Nonce-count state of the nonces in use (RFC 7616 §3.4: the server detects a replay "by maintaining its
 * own copy of this count"), keyed by a nonce's 32 decoded bytes, held in typed arrays: no heap object
 * per nonce. A registrar under load sees a new nonce with nearly every registration, and a table of
 * `Map` entries (key string, state object) put three short-lived objects per registration into the old
 * generation, where every major collection had to mark them.
 *
 * Slots are used in insertion order, as a ring: when the table is full, a new nonce takes the slot of the
 * oldest one, which is forgotten (`onEvict` reports its issue time). The index is an open-addressing
 * hash table with linear probing over the slots, deleted from by backward shifting (no tombstones). The
 * table starts small and doubles up to its capacity.
 */
export class NonceCountTable {
  private readonly capacity: number;
  /** Slots filled at least once (they are filled in order, 0 first). */
  private size = 0;
  private live = 0;
  /** Once every slot was filled: the slot of the oldest nonce, the next to be reused. */
  private head = 0;
  /** Per slot: the nonce's 32 bytes as eight 32-bit words. */
  private keys: Int32Array;
  private issued: Float64Array;
  private maxNcs: Float64Array;
  private windows: Uint32Array;
  /** 1 while the slot holds a nonce. */
  private used: Uint8Array;
  /** Slot + 1 per bucket, 0 for an empty bucket; twice as many buckets as slots (a power of two). */
  private index: Int32Array;
  private mask: number;

  constructor(capacity: number) {
    this.capacity = Math.max(1, Math.floor(capacity));
    const first = Math.min(this.capacity, 1024);
    this.keys = new Int32Array(first * 8);
    this.issued = new Float64Array(first);
    this.maxNcs = new Float64Array(first);
    this.windows = new Uint32Array(first);
    this.used = new Uint8Array(first);
    this.index = new Int32Array(bucketsFor(first));
    this.mask = this.index.length - 1;
  }

  /** Nonces held. */
  get count(): number {
    return this.live;
  }

  /** The slot of the nonce whose 32 bytes are the eight words of `k`, or -1. */
  find(k: Int32Array): number {
    let b = (k[4] as number) & this.mask;
    for (;;) {
      const s = (this.index[b] as number) - 1;
      if (s < 0 || this.sameKey(s, k)) return s;
      b = (b + 1) & this.mask;
    }
  }

  issuedAt(slot: number): number {
    return this.issued[slot] as number;
  }

  maxNc(slot: number): number {
    return this.maxNcs[slot] as number;
  }

  window(slot: number): number {
    return this.windows[slot] as number;
  }

  update(slot: number, maxNc: number, window: number): void {
    this.maxNcs[slot] = maxNc;
    this.windows[slot] = window >>> 0;
  }

  /**
   * Adds a nonce not in the table (call `find` first); when the table is full, the oldest nonce makes
   * room and `onEvict` gets its issue time.
   */
  add(k: Int32Array, issuedAt: number, maxNc: number, onEvict: (issuedAt: number) => void): void {
    let slot: number;
    if (this.size < this.used.length) slot = this.size++;
    else if (this.used.length < this.capacity) {
      this.grow(Math.min(this.capacity, this.used.length * 2));
      slot = this.size++;
    } else {
      slot = this.head;
      this.head = slot + 1 === this.capacity ? 0 : slot + 1;
      if (this.used[slot] === 1) {
        onEvict(this.issued[slot] as number);
        this.remove(slot);
      }
    }
    const keys = this.keys;
    for (let w = 0; w < 8; w++) keys[slot * 8 + w] = k[w] as number;
    this.issued[slot] = issuedAt;
    this.maxNcs[slot] = maxNc;
    this.windows[slot] = 0;
    this.used[slot] = 1;
    this.live++;
    let b = this.bucketOfSlot(slot);
    while (this.index[b] !== 0) b = (b + 1) & this.mask;
    this.index[b] = slot + 1;
  }

  /** Removes every nonce for which `expired(issuedAt)` holds; `onEvict` gets each one's issue time. */
  removeWhere(expired: (issuedAt: number) => boolean, onEvict: (issuedAt: number) => void): void {
    for (let s = 0; s < this.size; s++) {
      if (this.used[s] === 1 && expired(this.issued[s] as number)) {
        onEvict(this.issued[s] as number);
        this.remove(s);
      }
    }
  }

  private remove(slot: number): void {
    const mask = this.mask;
    const index = this.index;
    let b = this.bucketOfSlot(slot);
    while (index[b] !== slot + 1) b = (b + 1) & mask;
    // Backward-shift deletion: pull later entries of the probe run into the hole while their home
    // bucket does not lie (cyclically) after the hole.
    let hole = b;
    let j = b;
    for (;;) {
      j = (j + 1) & mask;
      const e = (index[j] as number) - 1;
      if (e < 0) break;
      const home = this.bucketOfSlot(e);
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (between) continue;
      index[hole] = e + 1;
      hole = j;
    }
    index[hole] = 0;
    this.used[slot] = 0;
    this.live--;
  }

  private grow(slots: number): void {
    this.keys = grown(this.keys, new Int32Array(slots * 8));
    this.issued = grown(this.issued, new Float64Array(slots));
    this.maxNcs = grown(this.maxNcs, new Float64Array(slots));
    this.windows = grown(this.windows, new Uint32Array(slots));
    this.used = grown(this.used, new Uint8Array(slots));
    this.index = new Int32Array(bucketsFor(slots));
    this.mask = this.index.length - 1;
    for (let s = 0; s < this.size; s++) {
      if (this.used[s] !== 1) continue;
      let b = this.bucketOfSlot(s);
      while (this.index[b] !== 0) b = (b + 1) & this.mask;
      this.index[b] = s + 1;
    }
  }

  /** Home bucket of a slot's key: its word 4, bytes 16-19, the first of the MAC (uniformly distributed). */
  private bucketOfSlot(slot: number): number {
    return (this.keys[slot * 8 + 4] as number) & this.mask;
  }

  private sameKey(slot: number, k: Int32Array): boolean {
    const keys = this.keys;
    const base = slot * 8;
    for (let w = 0; w < 8; w++) if (keys[base + w] !== k[w]) return false;
    return true;
  }
}

/** `to` (larger) holding `from` at its start. */
function grown<A extends Int32Array | Float64Array | Uint32Array | Uint8Array>(from: A, to: A): A {
  to.set(from);
  return to;
}

function bucketsFor(slots: number): number {
  let n = 2;
  while (n < slots * 2) n *= 2;
  return n;
}
