import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-128 in CFB-128 mode for the USM privacy service (RFC 3826).
 *
 * RFC 3826 §3.1.2.1: "The IV is the concatenation of: the generating SNMP engine's 32-bit
 * snmpEngineBoots, the generating SNMP engine's 32-bit snmpEngineTime, and a local 64-bit integer.
 * The 64-bit integer is initialized to a pseudo-random value at boot time." ... "The 64-bit integer
 * must be placed in the msgPrivacyParameters field".
 *
 * RFC 3826 §1.2: "the 128-bit AES key is the first 128 bits of the localized key" (localized with the
 * user's authentication hash; for SHA-2 hashes the same rule is applied, as Net-SNMP does).
 */

export const AES_KEY_LENGTH = 16;
export const AES_SALT_LENGTH = 8;

/** The per-engine 64-bit salt counter: random at start, +1 per encrypted message, wraps at 2^64. */
export class AesSalt {
  private value: bigint;

  constructor(seed?: bigint) {
    this.value = seed ?? randomBytes(8).readBigUInt64BE(0);
  }

  /** The next 8-byte salt (msgPrivacyParameters). */
  next(): Buffer {
    this.value = (this.value + 1n) & 0xffff_ffff_ffff_ffffn;
    const b = Buffer.allocUnsafe(AES_SALT_LENGTH);
    b.writeBigUInt64BE(this.value, 0);
    return b;
  }
}

function iv(engineBoots: number, engineTime: number, salt: Buffer): Buffer {
  const v = Buffer.allocUnsafe(16);
  v.writeUInt32BE(engineBoots >>> 0, 0);
  v.writeUInt32BE(engineTime >>> 0, 4);
  salt.copy(v, 8, 0, 8);
  return v;
}

/** RFC 3826 §3.1.3: encrypt the serialized scopedPDU (no padding in CFB). */
export function aesEncrypt(
  privKey: Buffer,
  engineBoots: number,
  engineTime: number,
  salt: Buffer,
  plaintext: Buffer,
): Buffer {
  const c = createCipheriv(
    'aes-128-cfb',
    privKey.subarray(0, AES_KEY_LENGTH),
    iv(engineBoots, engineTime, salt),
  );
  return Buffer.concat([c.update(plaintext), c.final()]);
}

/**
 * RFC 3826 §3.1.4: "If the privParameters field is not an 8-octet OCTET STRING, then an error
 * indication (decryptionError) is returned". Returns undefined on that error.
 */
export function aesDecrypt(
  privKey: Buffer,
  engineBoots: number,
  engineTime: number,
  salt: Buffer,
  ciphertext: Buffer,
): Buffer | undefined {
  if (salt.length !== AES_SALT_LENGTH || privKey.length < AES_KEY_LENGTH) return undefined;
  const d = createDecipheriv(
    'aes-128-cfb',
    privKey.subarray(0, AES_KEY_LENGTH),
    iv(engineBoots, engineTime, salt),
  );
  return Buffer.concat([d.update(ciphertext), d.final()]);
}
