import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AuthProtocol } from './auth-protocol.js';

/**
 * HMAC authentication of a whole SNMPv3 message (RFC 3414 §6.3, §7.3; RFC 7860 §4.2.1).
 *
 * RFC 3414 §6.3.1: "The msgAuthenticationParameters field is set to the serialization, according to
 * the rules in [RFC3417], of an OCTET STRING containing 12 zero octets." ... "the first 12 octets
 * of [the HMAC] are taken as the MAC and put into msgAuthenticationParameters."
 * RFC 7860 uses the same construction with 16/24/32/48 octets.
 *
 * `whole` is the serialized message; `[macOffset, macOffset + macLength)` is the content of
 * msgAuthenticationParameters inside it.
 */

/** Fills the MAC slot with zeros, computes the HMAC over the message and writes the MAC in place. */
export function signMessage(protocol: AuthProtocol, key: Buffer, whole: Buffer, macOffset: number): void {
  const n = protocol.macLength;
  whole.fill(0, macOffset, macOffset + n);
  const mac = createHmac(protocol.hash, key).update(whole).digest();
  mac.copy(whole, macOffset, 0, n);
}

/**
 * RFC 3414 §6.3.2: "the MAC received in the msgAuthenticationParameters field is saved" then replaced
 * by zeros, the MAC computed, and "compared to the MAC saved". Comparison is constant-time.
 * The message buffer is restored before returning.
 */
export function verifyMessage(
  protocol: AuthProtocol,
  key: Buffer,
  whole: Buffer,
  macOffset: number,
  macLength: number,
): boolean {
  const n = protocol.macLength;
  if (macLength !== n || macOffset < 0 || macOffset + n > whole.length) return false;
  const received = Buffer.from(whole.subarray(macOffset, macOffset + n));
  whole.fill(0, macOffset, macOffset + n);
  const computed = createHmac(protocol.hash, key).update(whole).digest().subarray(0, n);
  received.copy(whole, macOffset);
  return timingSafeEqual(received, computed);
}
