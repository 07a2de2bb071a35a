import { normalizeUrn } from './normalize-instrument.js';

/**
 * Seed 002 §8 (second method): the instrument identifier is the MAC address on which the instrument
 * bases its SIP instance id. A version-1 (time-based) UUID carries the MAC in its node field
 * (RFC 4122 §4.1.6: "the node field consists of an IEEE 802 MAC address"), the last 12 hex digits, so
 * `<urn:uuid:f81d4fae-7dec-11d0-a765-0000deadbeef>` identifies instrument `0000deadbeef`, and every line
 * whose instance id differs only in the time fields maps to the same instrument.
 *
 * Any other instance value (another UUID version, a non-RFC-4122 variant, another URN) is kept whole as
 * the identifier, normalised by {@link normalizeUrn}. The value may be given as it appears in the
 * Contact parameter (`"<urn:uuid:...>"`), or already unquoted (`<urn:...>` or `urn:...`).
 * Returns undefined for an empty value. Never throws.
 */
export function instrumentFromSipInstance(value: string): string | undefined {
  let v = value.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
  if (v.length >= 2 && v.startsWith('<') && v.endsWith('>')) v = v.slice(1, -1);
  v = v.trim();
  if (v.length === 0) return undefined;
  const node = macFromUuidUrn(v);
  if (node !== undefined) return node;
  return normalizeUrn(v) ?? v;
}

/** The node field of a `urn:uuid:` version-1, RFC 4122-variant UUID, lowercase; else undefined. */
export function macFromUuidUrn(urn: string): string | undefined {
  if (urn.length !== 45 || urn.slice(0, 9).toLowerCase() !== 'urn:uuid:') return undefined;
  const u = urn.slice(9);
  // 8-4-4-4-12: dashes at 8, 13, 18, 23.
  for (let i = 0; i < 36; i++) {
    const c = u.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 0x2d) return undefined;
    } else if (!isHex(c)) return undefined;
  }
  // RFC 4122 §4.1.3: version is the high nibble of time_hi_and_version (first digit of group 3).
  if (u[14] !== '1') return undefined;
  // RFC 4122 §4.1.1: variant 10x -> first digit of group 4 is 8, 9, a or b.
  const variant = u.charCodeAt(19) | 0x20;
  if (!(variant === 0x38 || variant === 0x39 || variant === 0x61 || variant === 0x62)) return undefined;
  return u.slice(24).toLowerCase();
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}
