import * as nodeCrypto from 'node:crypto';
import { NonceCountTable } from './nonce-count-table.js';

const { createHmac, randomFillSync } = nodeCrypto;

/**
 * One-shot hashing (Node >= 20.12); older 20.x fall back to createHmac. The digest comes back as a
 * latin1 string (one character per byte): asking for a Buffer costs four times as much (about 1.1 µs
 * instead of 0.3 µs for SHA-256 of 91 bytes on Node 20), the price of allocating its memory.
 */
const oneShotHash: ((algorithm: string, data: Buffer, enc: 'latin1') => string) | undefined =
  typeof nodeCrypto.hash === 'function'
    ? (nodeCrypto.hash as unknown as (algorithm: string, data: Buffer, enc: 'latin1') => string)
    : undefined;

/**
 * Stateless server nonces and nonce-count replay detection.
 *
 * RFC 7616 §3.3 (nonce, shortened): "A server-specified string which should be uniquely generated each
 * time a 401 response is made." A time-stamp plus a keyed hash of it lets the server check a nonce
 * without keeping it.
 * RFC 7616 §3.4 (nc): "The nc value is the hexadecimal count of the number of requests (including the
 * current request) that the client has sent with the nonce value in this request. ... The purpose of
 * this parameter is to allow the server to detect request replays by maintaining its own copy of this
 * count -- if the same nc value is seen twice, then the request is a replay."
 *
 * Layout (32 bytes, base64url, 43 characters): issuedAt ms (8, big-endian) | random (8) |
 * HMAC-SHA256(secret, issuedAt | random | realm) truncated to 16 bytes.
 * RFC 7616 §5.4: "the nonce ... should be generated so that it is not predictable" — the random part
 * comes from a pooled CSPRNG buffer (one randomFillSync per 512 nonces instead of one per nonce), and
 * the HMAC binds it to the realm and the time, so a nonce cannot be forged.
 */
export type NonceCheck =
  { ok: true; issuedAt: number; expired: boolean } | { ok: false; reason: 'bad-nonce' };

export type NcCheck = 'ok' | 'replay' | 'bad-nc' | 'forgotten';

const BAD_NONCE: NonceCheck = Object.freeze({ ok: false, reason: 'bad-nonce' });

export interface NonceManagerInit {
  realm: string;
  secret: Buffer;
  lifetimeMs: number;
  /** Nonces whose nc state is remembered (default 100000). */
  maxTracked?: number;
  /**
   * Called when a nonce's state is dropped to make room before the nonce expired: a client that uses it
   * again gets a stale challenge (one more round trip). Frequent calls mean `maxTracked` is too small.
   */
  onEvicted?: () => void;
}

const WINDOW = 32;
/** Random bytes drawn from the CSPRNG at once (8 per nonce). */
const POOL_BYTES = 4096;

export class NonceManager {
  /**
   * Per nonce in use: issue time, highest nc seen, and a window whose bit i is set when nc = max - 1 - i
   * was seen.
   */
  private readonly tracked: NonceCountTable;
  /** Nonces issued at or before this time and no longer tracked are treated as stale. */
  private forgottenBefore = -1;
  private readonly forget = (issuedAt: number): void => {
    if (issuedAt > this.forgottenBefore) this.forgottenBefore = issuedAt;
  };
  private readonly evict = (issuedAt: number): void => {
    this.forget(issuedAt);
    this.init.onEvicted?.();
  };
  /** Pooled random bytes; `poolPos` is the next unused one. */
  private readonly pool = Buffer.alloc(POOL_BYTES);
  private poolPos = POOL_BYTES;
  /** issuedAt | random | realm: the MAC input, reused (the realm part is written once). */
  private readonly macInput: Buffer;
  /** The nonce being built, reused. */
  private readonly out = Buffer.alloc(32);
  /** A received nonce, decoded (reused; its own memory, so the word view below is aligned). */
  private readonly received = Buffer.alloc(48);
  /** The first 32 bytes of `received` as eight words: the nonce's key in `tracked`. */
  private readonly receivedKey = new Int32Array(this.received.buffer, this.received.byteOffset, 8);
  /**
   * RFC 2104 HMAC computed with two one-shot SHA-256 calls (no Hmac object, no key import per nonce):
   * `inner` = (K xor ipad) | issuedAt | random | realm, `outer` = (K xor opad) | H(inner).
   */
  private readonly inner: Buffer;
  private readonly outer: Buffer;

  constructor(private readonly init: NonceManagerInit) {
    this.tracked = new NonceCountTable(init.maxTracked ?? 100_000);
    const realm = Buffer.from(init.realm, 'utf8');
    this.macInput = Buffer.alloc(16 + realm.length);
    realm.copy(this.macInput, 16);
    // RFC 2104 §2: keys longer than the block (64 bytes for SHA-256) are hashed first.
    const key =
      init.secret.length > 64 ? nodeCrypto.createHash('sha256').update(init.secret).digest() : init.secret;
    this.inner = Buffer.alloc(64 + this.macInput.length);
    this.outer = Buffer.alloc(64 + 32);
    for (let i = 0; i < 64; i++) {
      const k = i < key.length ? (key[i] as number) : 0;
      this.inner[i] = k ^ 0x36;
      this.outer[i] = k ^ 0x5c;
    }
    realm.copy(this.inner, 64 + 16);
  }

  issue(now = Date.now()): string {
    if (this.poolPos + 8 > POOL_BYTES) {
      randomFillSync(this.pool);
      this.poolPos = 0;
    }
    const b = this.out;
    writeUint64(b, now);
    this.pool.copy(b, 8, this.poolPos, this.poolPos + 8);
    // Used random bytes are wiped so that they never serve twice.
    this.pool.fill(0, this.poolPos, this.poolPos + 8);
    this.poolPos += 8;
    b.write(this.mac(b, 0), 16, 16, 'latin1');
    return b.toString('base64url');
  }

  /**
   * The age of a nonce whose origin was already checked with this manager's key (by another thread
   * sharing it, see `DigestServer.acceptVerified`): decoded, not authenticated again.
   */
  checkKnownOrigin(nonce: string, now = Date.now()): NonceCheck {
    return this.decode(nonce) ? this.issued(now) : BAD_NONCE;
  }

  /** Checks origin and age of a nonce; cheap for nonces already in use (no HMAC). */
  check(nonce: string, now = Date.now()): NonceCheck {
    if (!this.decode(nonce)) return BAD_NONCE;
    // A nonce in use: its 32 bytes (MAC included) were checked when it was first used.
    const known = this.tracked.find(this.receivedKey);
    if (known >= 0) return this.aged(this.tracked.issuedAt(known), now);
    const b = this.received;
    const expected = this.mac(b, 0);
    // Constant-time comparison of the 16 MAC bytes.
    let diff = 0;
    for (let i = 0; i < 16; i++) diff |= expected.charCodeAt(i) ^ (b[16 + i] as number);
    if (diff !== 0) return BAD_NONCE;
    return this.issued(now);
  }

  /** Decodes a nonce's 32 bytes into `received`; false when it is not one of ours by its form. */
  private decode(nonce: string): boolean {
    return nonce.length === 43 && this.received.write(nonce, 'base64url') === 32;
  }

  /** The issue time in the decoded nonce, checked and aged. */
  private issued(now: number): NonceCheck {
    const b = this.received;
    const issuedAt = b.readUInt32BE(0) * 0x1_0000_0000 + b.readUInt32BE(4);
    // A nonce from the future (clock step, or another server with a skewed clock) is not accepted.
    if (issuedAt > now + 60_000) return BAD_NONCE;
    return this.aged(issuedAt, now);
  }

  private aged(issuedAt: number, now: number): NonceCheck {
    return { ok: true, issuedAt, expired: now - issuedAt > this.init.lifetimeMs };
  }

  /**
   * Records a nonce-count for a nonce whose response was verified. A count seen before is a replay; the
   * counts may arrive out of order within a window of 32 (parallel requests on one nonce).
   */
  useNc(nonce: string, issuedAt: number, ncHex: string): NcCheck {
    const nc = parseNc(ncHex);
    if (nc <= 0) return 'bad-nc';
    const t = this.tracked;
    // Only nonces that `check` accepted come here; anything else is treated as one we no longer know.
    if (!this.decode(nonce)) return 'forgotten';
    const s = t.find(this.receivedKey);
    if (s < 0) {
      // A valid nonce that we stopped tracking could be replayed with old counts: refuse it as stale.
      if (issuedAt <= this.forgottenBefore) return 'forgotten';
      t.add(this.receivedKey, issuedAt, nc, this.evict);
      return 'ok';
    }
    const maxNc = t.maxNc(s);
    const window = t.window(s);
    if (nc > maxNc) {
      const shift = nc - maxNc;
      let w = shift >= WINDOW ? 0 : (window << shift) >>> 0;
      if (shift - 1 < WINDOW) w = (w | (1 << (shift - 1))) >>> 0;
      t.update(s, nc, w);
      return 'ok';
    }
    if (nc === maxNc) return 'replay';
    const d = maxNc - nc - 1;
    if (d >= WINDOW) return 'replay';
    const bit = (1 << d) >>> 0;
    if ((window & bit) !== 0) return 'replay';
    t.update(s, maxNc, (window | bit) >>> 0);
    return 'ok';
  }

  get trackedCount(): number {
    return this.tracked.count;
  }

  /** Drops state of nonces past their lifetime (call from time to time; also bounded by maxTracked). */
  prune(now = Date.now()): void {
    const limit = this.init.lifetimeMs * 2;
    this.tracked.removeWhere((issuedAt) => now - issuedAt > limit, this.forget);
  }

  /** HMAC-SHA256(secret, src[at..at+16] | realm), as a latin1 string of its 32 bytes. */
  private mac(src: Buffer, at: number): string {
    const hash = oneShotHash;
    if (hash === undefined) {
      src.copy(this.macInput, 0, at, at + 16);
      return createHmac('sha256', this.init.secret).update(this.macInput).digest('binary');
    }
    src.copy(this.inner, 64, at, at + 16);
    this.outer.write(hash('sha256', this.inner, 'latin1'), 64, 32, 'latin1');
    return hash('sha256', this.outer, 'latin1');
  }
}

/** Big-endian 64-bit write of a non-negative integer below 2^53 (no BigInt on the hot path). */
function writeUint64(b: Buffer, v: number): void {
  const hi = Math.floor(v / 0x1_0000_0000);
  b.writeUInt32BE(hi >>> 0, 0);
  b.writeUInt32BE(v - hi * 0x1_0000_0000, 4);
}

/** nc = 8LHEX; returns -1 when malformed. */
export function parseNc(s: string): number {
  if (s.length !== 8) return -1;
  let v = 0;
  for (let i = 0; i < 8; i++) {
    const c = s.charCodeAt(i);
    let d: number;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
    else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
    else return -1;
    v = v * 16 + d;
  }
  return v;
}
