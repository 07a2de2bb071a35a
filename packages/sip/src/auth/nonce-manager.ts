import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

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
 */
export type NonceCheck =
  { ok: true; issuedAt: number; expired: boolean } | { ok: false; reason: 'bad-nonce' };

export type NcCheck = 'ok' | 'replay' | 'bad-nc' | 'forgotten';

interface NonceState {
  issuedAt: number;
  /** Highest nc seen. */
  maxNc: number;
  /** Bit i set: nc = maxNc - 1 - i was seen. */
  window: number;
}

export interface NonceManagerInit {
  realm: string;
  secret: Buffer;
  lifetimeMs: number;
  /** Nonces whose nc state is remembered (default 100000). */
  maxTracked?: number;
}

const WINDOW = 32;

export class NonceManager {
  private readonly tracked = new Map<string, NonceState>();
  private readonly maxTracked: number;
  /** Nonces issued at or before this time and no longer tracked are treated as stale. */
  private forgottenBefore = -1;

  constructor(private readonly init: NonceManagerInit) {
    this.maxTracked = init.maxTracked ?? 100_000;
  }

  issue(now = Date.now()): string {
    const b = Buffer.allocUnsafe(32);
    b.writeBigUInt64BE(BigInt(now), 0);
    randomBytes(8).copy(b, 8);
    this.mac(b.subarray(0, 16)).copy(b, 16, 0, 16);
    return b.toString('base64url');
  }

  /** Checks origin and age of a nonce; cheap for nonces already in use (no HMAC). */
  check(nonce: string, now = Date.now()): NonceCheck {
    const known = this.tracked.get(nonce);
    if (known)
      return { ok: true, issuedAt: known.issuedAt, expired: now - known.issuedAt > this.init.lifetimeMs };
    if (nonce.length !== 43) return { ok: false, reason: 'bad-nonce' };
    const b = Buffer.from(nonce, 'base64url');
    if (b.length !== 32) return { ok: false, reason: 'bad-nonce' };
    const expected = this.mac(b.subarray(0, 16)).subarray(0, 16);
    if (!timingSafeEqual(expected, b.subarray(16, 32))) return { ok: false, reason: 'bad-nonce' };
    const issuedAt = Number(b.readBigUInt64BE(0));
    // A nonce from the future (clock step, or another server with a skewed clock) is not accepted.
    if (issuedAt > now + 60_000) return { ok: false, reason: 'bad-nonce' };
    return { ok: true, issuedAt, expired: now - issuedAt > this.init.lifetimeMs };
  }

  /**
   * Records a nonce-count for a nonce whose response was verified. A count seen before is a replay; the
   * counts may arrive out of order within a window of 32 (parallel requests on one nonce).
   */
  useNc(nonce: string, issuedAt: number, ncHex: string): NcCheck {
    const nc = parseNc(ncHex);
    if (nc <= 0) return 'bad-nc';
    let s = this.tracked.get(nonce);
    if (!s) {
      // A valid nonce that we stopped tracking could be replayed with old counts: refuse it as stale.
      if (issuedAt <= this.forgottenBefore) return 'forgotten';
      if (this.tracked.size >= this.maxTracked) this.evictOldest();
      s = { issuedAt, maxNc: nc, window: 0 };
      this.tracked.set(nonce, s);
      return 'ok';
    }
    if (nc > s.maxNc) {
      const shift = nc - s.maxNc;
      let w = shift >= WINDOW ? 0 : (s.window << shift) >>> 0;
      if (shift - 1 < WINDOW) w = (w | (1 << (shift - 1))) >>> 0;
      s.window = w;
      s.maxNc = nc;
      return 'ok';
    }
    if (nc === s.maxNc) return 'replay';
    const d = s.maxNc - nc - 1;
    if (d >= WINDOW) return 'replay';
    const bit = (1 << d) >>> 0;
    if ((s.window & bit) !== 0) return 'replay';
    s.window = (s.window | bit) >>> 0;
    return 'ok';
  }

  get trackedCount(): number {
    return this.tracked.size;
  }

  /** Drops state of nonces past their lifetime (call from time to time; also bounded by maxTracked). */
  prune(now = Date.now()): void {
    for (const [n, s] of this.tracked) {
      if (now - s.issuedAt > this.init.lifetimeMs * 2) {
        this.tracked.delete(n);
        if (s.issuedAt > this.forgottenBefore) this.forgottenBefore = s.issuedAt;
      }
    }
  }

  private evictOldest(): void {
    const first = this.tracked.entries().next().value;
    if (!first) return;
    this.tracked.delete(first[0]);
    if (first[1].issuedAt > this.forgottenBefore) this.forgottenBefore = first[1].issuedAt;
  }

  private mac(head: Buffer): Buffer {
    return createHmac('sha256', this.init.secret).update(head).update(this.init.realm, 'utf8').digest();
  }
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
