import * as nodeCrypto from 'node:crypto';

const { createHash } = nodeCrypto;

/**
 * Digest algorithms (RFC 7616 §3.2, §6.1 registry; RFC 8760 §2.2 for SIP).
 * `-sess` variants: HA1 = H(H(user:realm:password):nonce:cnonce) (RFC 7616 §3.4.2).
 */
export type DigestAlgorithmName =
  'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess' | 'SHA-512-256' | 'SHA-512-256-sess';

export type HashName = 'md5' | 'sha256' | 'sha512-256';

export interface DigestAlgorithm {
  name: DigestAlgorithmName;
  hash: HashName;
  sess: boolean;
  /** Higher is stronger. */
  strength: number;
}

const TABLE: Record<string, DigestAlgorithm> = {
  md5: { name: 'MD5', hash: 'md5', sess: false, strength: 1 },
  'md5-sess': { name: 'MD5-sess', hash: 'md5', sess: true, strength: 1 },
  'sha-256': { name: 'SHA-256', hash: 'sha256', sess: false, strength: 2 },
  'sha-256-sess': { name: 'SHA-256-sess', hash: 'sha256', sess: true, strength: 2 },
  'sha-512-256': { name: 'SHA-512-256', hash: 'sha512-256', sess: false, strength: 3 },
  'sha-512-256-sess': { name: 'SHA-512-256-sess', hash: 'sha512-256', sess: true, strength: 3 },
};

/** Looks an algorithm up by name, case-insensitively; undefined when unknown. */
export function digestAlgorithm(name: string): DigestAlgorithm | undefined {
  return TABLE[name.toLowerCase()];
}

/** One-shot hashing (Node >= 20.12) skips the Hash object; older 20.x falls back to createHash. */
const oneShotHash: ((algorithm: string, data: string, enc: 'hex') => string) | undefined =
  typeof nodeCrypto.hash === 'function' ? nodeCrypto.hash : undefined;

/** Lower-case hex digest of a UTF-8 string. */
export function hashHex(hash: HashName, data: string): string {
  if (oneShotHash) return oneShotHash(hash, data, 'hex');
  return createHash(hash).update(data, 'utf8').digest('hex');
}

/** H(username:realm:password) */
export function computeHa1(hash: HashName, username: string, realm: string, password: string): string {
  return hashHex(hash, `${username}:${realm}:${password}`);
}

export interface DigestResponseInput {
  algorithm: DigestAlgorithm;
  /** H(username:realm:password), before any -sess step. */
  ha1: string;
  nonce: string;
  method: string;
  uri: string;
  /** 'auth', 'auth-int' or undefined (RFC 2069 compatibility). */
  qop?: string;
  nc?: string;
  cnonce?: string;
  /** Needed for qop=auth-int only. */
  body?: Buffer | string;
  /** H(A2) when the caller has it already (qop auth or none: H(method ":" uri)); computed when absent. */
  ha2?: string;
}

/**
 * RFC 7616 §3.4.1:
 *   response = <"> < KD ( H(A1), unq(nonce) ":" nc ":" unq(cnonce) ":" unq(qop) ":" H(A2) ) <">
 * RFC 7616 §3.4.3: A2 = Method ":" request-uri (qop auth), or ... ":" H(entity-body) (auth-int).
 */
export function computeDigestResponse(i: DigestResponseInput): string {
  const h = i.algorithm.hash;
  let ha1 = i.ha1;
  if (i.algorithm.sess) ha1 = hashHex(h, `${ha1}:${i.nonce}:${i.cnonce ?? ''}`);
  let ha2 = i.ha2;
  if (ha2 === undefined) {
    let a2 = `${i.method}:${i.uri}`;
    if (i.qop === 'auth-int') {
      const body = i.body ?? '';
      a2 += ':' + createHash(h).update(body).digest('hex');
    }
    ha2 = hashHex(h, a2);
  }
  if (i.qop === undefined) return hashHex(h, `${ha1}:${i.nonce}:${ha2}`);
  return hashHex(h, `${ha1}:${i.nonce}:${i.nc ?? ''}:${i.cnonce ?? ''}:${i.qop}:${ha2}`);
}
