/**
 * One instrument, one identifier (seed 002 §3: "we omit the colons from the string representation, and
 * require each identifier to have a consistent case").
 *
 * Beckon's canonical forms:
 * - A MAC address (EUI-48) is 12 lowercase hex digits without separators: `0000deadbeef`. Accepted
 *   spellings: `0000DEADBEEF`, `00:00:de:ad:be:ef`, `00-00-DE-AD-BE-EF`, `0000.dead.beef` (one separator
 *   kind, used consistently). Lowercase follows RFC 4122's output rule for the hex in UUIDs, from which
 *   method 2 takes the MAC; the seed's examples print upper case, which is the same instrument here
 *   because every entry point (digest token, +sip.instance, `~~in~` URI) goes through this function.
 * - A URN (an instance id that is not a version-1 UUID) has its `urn:` and namespace id lowercased
 *   (RFC 8141: case-insensitive); for `urn:uuid:` the whole value is lowercased (RFC 4122 §3: hex digits
 *   are case-insensitive on input).
 * - Any other token is kept exactly as given, case included: such tokens are opaque strings chosen by a
 *   provisioning system, they travel in SIP user parts, which RFC 3261 §19.1.4 compares
 *   case-sensitively, and folding them could merge two distinct instruments.
 */

const HEX = /^[0-9a-fA-F]+$/;

/** The canonical 12-digit lowercase form of a MAC address, or undefined if `s` is not one. */
export function normalizeMac(s: string): string | undefined {
  const n = s.length;
  let hex: string;
  if (n === 12) hex = s;
  else if (n === 17) {
    const sep = s[2];
    if (sep !== ':' && sep !== '-') return undefined;
    hex = '';
    for (let i = 0; i < 17; i += 3) {
      if (i + 2 < 17 && s[i + 2] !== sep) return undefined;
      hex += s.slice(i, i + 2);
    }
  } else if (n === 14) {
    if (s[4] !== '.' || s[9] !== '.') return undefined;
    hex = s.slice(0, 4) + s.slice(5, 9) + s.slice(10, 14);
  } else return undefined;
  return hex.length === 12 && HEX.test(hex) ? hex.toLowerCase() : undefined;
}

/** Canonical form of a URN (see the module comment), or undefined if `s` is not `urn:<nid>:<nss>`. */
export function normalizeUrn(s: string): string | undefined {
  if (s.length < 6 || s.slice(0, 4).toLowerCase() !== 'urn:') return undefined;
  const colon = s.indexOf(':', 4);
  if (colon <= 4 || colon === s.length - 1) return undefined;
  const nid = s.slice(4, colon).toLowerCase();
  const nss = s.slice(colon + 1);
  return nid === 'uuid' ? `urn:uuid:${nss.toLowerCase()}` : `urn:${nid}:${nss}`;
}

/**
 * The canonical identifier for an instrument token from any source; undefined for an empty token.
 * MAC -> 12 lowercase hex; URN -> normalised URN; anything else unchanged.
 */
export function normalizeInstrumentId(token: string): string | undefined {
  if (token.length === 0) return undefined;
  return normalizeMac(token) ?? normalizeUrn(token) ?? token;
}
