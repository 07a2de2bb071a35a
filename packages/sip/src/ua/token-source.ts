import { randomFillSync } from 'node:crypto';

/**
 * Random tokens for tags, branches and Call-IDs, drawn from a pool refilled with one `randomFillSync` per
 * `poolSize` bytes: a syscall per token was a quarter of the UAS hot path. Tokens stay cryptographically
 * random (RFC 3261 §19.3: tags "MUST be globally unique and cryptographically random with at least 32
 * bits of randomness").
 */
export class TokenSource {
  private readonly pool: Buffer;
  private offset: number;

  constructor(poolSize = 4096) {
    this.pool = Buffer.allocUnsafe(Math.max(64, poolSize));
    this.offset = this.pool.length;
  }

  /** `bytes` random bytes as lowercase hex. */
  hex(bytes: number): string {
    return this.take(bytes).toString('hex');
  }

  /** `bytes` random bytes as base64url (token characters only). */
  base64url(bytes: number): string {
    return this.take(bytes).toString('base64url');
  }

  private take(bytes: number): Buffer {
    if (this.offset + bytes > this.pool.length) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const out = this.pool.subarray(this.offset, this.offset + bytes);
    this.offset += bytes;
    return out;
  }
}
