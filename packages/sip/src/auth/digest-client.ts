import { randomBytes } from 'node:crypto';
import {
  computeDigestResponse,
  computeHa1,
  digestAlgorithm,
  type DigestAlgorithm,
} from './digest-algorithm.js';
import { formatDigestCredentials, parseDigestChallenge, type DigestChallenge } from './digest-header.js';

export interface DigestClientInit {
  /** Client nonce generator (default: 12 random bytes, base64url). */
  cnonce?: () => string;
  /** Nonces whose nonce-count is remembered (default 64). */
  maxNonces?: number;
}

export interface DigestAuthorizeInput {
  /** WWW-Authenticate or Proxy-Authenticate values from the 401/407. */
  challenges: string | readonly string[];
  username: string;
  password: string;
  method: string;
  /** Request-URI of the request being authorized. */
  uri: string;
  /** Body, for qop=auth-int only. */
  body?: Buffer | string;
  /** Only answer challenges of this realm. */
  realm?: string;
}

export type DigestAuthorizeResult =
  | { ok: true; value: string; realm: string; algorithm: string; nonce: string; nc: number; stale: boolean }
  | { ok: false; error: 'no-usable-challenge' | 'malformed' };

/**
 * Client side of digest authentication (RFC 3261 §22.2-§22.3, RFC 7616 §3.4, RFC 8760 §2.4): answers a
 * challenge with an Authorization / Proxy-Authorization value. Keeps nonce-counts per nonce so a
 * challenge can be reused for later requests.
 */
export class DigestClient {
  private readonly ncByNonce = new Map<string, number>();
  private readonly maxNonces: number;
  private readonly makeCnonce: () => string;

  constructor(_components: object = {}, init: DigestClientInit = {}) {
    this.maxNonces = init.maxNonces ?? 64;
    this.makeCnonce = init.cnonce ?? (() => randomBytes(12).toString('base64url'));
  }

  authorize(input: DigestAuthorizeInput): DigestAuthorizeResult {
    const values = typeof input.challenges === 'string' ? [input.challenges] : input.challenges;
    let best: { c: DigestChallenge; alg: DigestAlgorithm; qop: 'auth' | 'auth-int' | undefined } | undefined;
    let sawMalformed = false;
    for (const v of values) {
      const r = parseDigestChallenge(v);
      if (!r.ok) {
        if (r.error !== 'not-digest') sawMalformed = true;
        continue;
      }
      const c = r.value;
      if (input.realm !== undefined && c.realm !== input.realm) continue;
      const alg = digestAlgorithm(c.algorithm);
      if (!alg) continue;
      let qop: 'auth' | 'auth-int' | undefined;
      if (c.qop.length === 0) qop = undefined;
      else if (c.qop.includes('auth')) qop = 'auth';
      else if (c.qop.includes('auth-int')) qop = 'auth-int';
      else continue;
      // Strongest algorithm wins; on a tie the earlier header (the server's preference) is kept.
      if (!best || alg.strength > best.alg.strength) best = { c, alg, qop };
    }
    if (!best) return { ok: false, error: sawMalformed ? 'malformed' : 'no-usable-challenge' };
    const { c, alg, qop } = best;
    let nc = 0;
    let cnonce: string | undefined;
    let ncHex: string | undefined;
    if (qop !== undefined) {
      nc = (this.ncByNonce.get(c.nonce) ?? 0) + 1;
      this.remember(c.nonce, nc);
      ncHex = nc.toString(16).padStart(8, '0');
      cnonce = this.makeCnonce();
    }
    const ha1 = computeHa1(alg.hash, input.username, c.realm, input.password);
    const response = computeDigestResponse({
      algorithm: alg,
      ha1,
      nonce: c.nonce,
      method: input.method,
      uri: input.uri,
      qop,
      nc: ncHex,
      cnonce,
      body: input.body,
    });
    const value = formatDigestCredentials({
      username: input.username,
      realm: c.realm,
      nonce: c.nonce,
      uri: input.uri,
      response,
      algorithm: alg.name,
      cnonce,
      opaque: c.opaque,
      qop,
      nc: ncHex,
    });
    return { ok: true, value, realm: c.realm, algorithm: alg.name, nonce: c.nonce, nc, stale: c.stale };
  }

  /** Forgets the nonce-counts (for example after a 401 without stale). */
  reset(): void {
    this.ncByNonce.clear();
  }

  private remember(nonce: string, nc: number): void {
    if (!this.ncByNonce.has(nonce) && this.ncByNonce.size >= this.maxNonces) {
      const oldest = this.ncByNonce.keys().next().value;
      if (oldest !== undefined) this.ncByNonce.delete(oldest);
    }
    this.ncByNonce.set(nonce, nc);
  }
}
