import { createHash } from 'node:crypto';
import type { AuthProtocol } from './auth-protocol.js';

/** RFC 3414 §A.2.1: "until we've done 1 Megabyte". */
const EXPANSION_BYTES = 1_048_576;

/**
 * RFC 3414 §A.2 password to key: the password is repeated to form a 1 MB string which is hashed to
 * give Ku (the non-localized master key). RFC 7860 §4.2.2 applies the same algorithm with SHA-2.
 *
 * "forming a string of length 1,048,576 octets by repeating the value of the password as often
 *  as necessary, truncating accordingly, and using the resulting string as the input to the
 *  [hash] algorithm" (RFC 3414 §A.2.1 / §2.6).
 *
 * Expensive (about 1 MB of hashing): callers cache the result (see `LocalizedKeyCache`).
 * Returns an empty buffer for an empty password (RFC forbids it; configuration validation rejects it).
 */
export function passwordToKey(protocol: AuthProtocol, password: string | Buffer): Buffer {
  const pw = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
  if (pw.length === 0 || protocol.hash === '') return Buffer.alloc(0);
  // Build one 64 KiB chunk of the repeated password; 1 MiB is a whole number of such chunks only if
  // the chunk length is a multiple of the password length, so chunk length is the largest such multiple
  // not above 64 KiB, and the tail is handled with an exact slice.
  const reps = Math.max(1, Math.floor(65_536 / pw.length));
  const chunk = Buffer.alloc(reps * pw.length);
  for (let i = 0; i < reps; i++) pw.copy(chunk, i * pw.length);
  const h = createHash(protocol.hash);
  let remaining = EXPANSION_BYTES;
  while (remaining >= chunk.length) {
    h.update(chunk);
    remaining -= chunk.length;
  }
  if (remaining > 0) h.update(chunk.subarray(0, remaining));
  return h.digest();
}

/**
 * RFC 3414 §2.6 key localization: "Kul = H(Ku || snmpEngineID || Ku)"
 * ("hashing the concatenation of Ku, the snmpEngineID value, and Ku").
 */
export function localizeKey(protocol: AuthProtocol, ku: Buffer, engineId: Buffer): Buffer {
  if (protocol.hash === '' || ku.length === 0) return Buffer.alloc(0);
  return createHash(protocol.hash).update(ku).update(engineId).update(ku).digest();
}

/** passwordToKey followed by localizeKey. */
export function localizedKeyFromPassword(
  protocol: AuthProtocol,
  password: string | Buffer,
  engineId: Buffer,
): Buffer {
  return localizeKey(protocol, passwordToKey(protocol, password), engineId);
}
