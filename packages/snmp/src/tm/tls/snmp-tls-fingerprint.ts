import { createHash } from 'node:crypto';

/**
 * SnmpTLSFingerprint (SNMP-TLS-TM-MIB, RFC 6353 §10): "a 1-octet hashing algorithm identifier followed
 * by the fingerprint value. The octet value encoded is taken from the IANA TLS HashAlgorithm Registry
 * (RFC 5246)": md5(1), sha1(2), sha224(3), sha256(4), sha384(5), sha512(6).
 */
export type FingerprintAlgorithm = 'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

const ALG_ID: Readonly<Record<FingerprintAlgorithm, number>> = {
  md5: 1,
  sha1: 2,
  sha224: 3,
  sha256: 4,
  sha384: 5,
  sha512: 6,
};
const ALG_BY_ID: readonly (FingerprintAlgorithm | undefined)[] = [
  undefined,
  'md5',
  'sha1',
  'sha224',
  'sha256',
  'sha384',
  'sha512',
];
const HASH_LEN: Readonly<Record<FingerprintAlgorithm, number>> = {
  md5: 16,
  sha1: 20,
  sha224: 28,
  sha256: 32,
  sha384: 48,
  sha512: 64,
};

/** The SnmpTLSFingerprint octets of a DER certificate (default SHA-256: 0x04 + 32 octets). */
export function tlsFingerprint(der: Buffer, algorithm: FingerprintAlgorithm = 'sha256'): Buffer {
  const h = createHash(algorithm).update(der).digest();
  const out = Buffer.allocUnsafe(1 + h.length);
  out[0] = ALG_ID[algorithm];
  h.copy(out, 1);
  return out;
}

export function fingerprintAlgorithm(fp: Buffer): FingerprintAlgorithm | undefined {
  const alg = ALG_BY_ID[fp[0] ?? 0];
  return alg && fp.length === 1 + HASH_LEN[alg] ? alg : undefined;
}

/**
 * Parses a configured fingerprint: `sha256:AB:CD:...` (algorithm name, then hex with optional
 * colons), or bare hex whose length names the algorithm (20 octets = SHA-1, 32 = SHA-256, as
 * Net-SNMP writes them), or the MIB form `04:AB:...` (algorithm octet first). Undefined when invalid.
 */
export function parseTlsFingerprint(text: string): Buffer | undefined {
  const t = text.trim();
  const colon = t.indexOf(':');
  const head = colon > 0 ? t.slice(0, colon).toLowerCase() : '';
  if (head in ALG_ID) {
    const alg = head as FingerprintAlgorithm;
    const h = hex(t.slice(colon + 1));
    if (!h || h.length !== HASH_LEN[alg]) return undefined;
    return Buffer.concat([Buffer.from([ALG_ID[alg]]), h]);
  }
  const h = hex(t);
  if (!h) return undefined;
  for (const alg of Object.keys(HASH_LEN) as FingerprintAlgorithm[]) {
    if (h.length === HASH_LEN[alg] && alg !== 'md5') return Buffer.concat([Buffer.from([ALG_ID[alg]]), h]);
  }
  return fingerprintAlgorithm(h) ? h : undefined;
}

/** `sha256:AB:CD:...` */
export function formatTlsFingerprint(fp: Buffer): string {
  const alg = fingerprintAlgorithm(fp) ?? `alg${fp[0] ?? 0}`;
  const parts: string[] = [];
  for (let i = 1; i < fp.length; i++) parts.push(fp[i]!.toString(16).padStart(2, '0').toUpperCase());
  return `${alg}:${parts.join(':')}`;
}

function hex(s: string): Buffer | undefined {
  const c = s.replace(/:/g, '');
  if (c.length === 0 || c.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(c)) return undefined;
  return Buffer.from(c, 'hex');
}
