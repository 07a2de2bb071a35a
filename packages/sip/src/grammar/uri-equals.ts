import { isSipUri, isTelUri, type SipUri, type TelUri, type Uri } from './uri.js';

function eqi(a: string, b: string): boolean {
  return a === b || a.toLowerCase() === b.toLowerCase();
}

// RFC 3261 §19.1.4: "A URI omitting the user component will not match a URI that includes one."
// "uri-parameter components are compared as follows: Any uri-parameter appearing in both URIs must
//  match. A user, ttl, or method uri-parameter appearing in only one URI never matches, even if it
//  contains the default value. A URI that includes an maddr parameter will not match a URI that
//  contains no maddr parameter. All other uri-parameters appearing in only one URI are ignored when
//  comparing the URIs."
// "URI header components are never ignored. Any present header component MUST be present in both
//  URIs and match for the URIs to match."
const MUST_BOTH = ['user', 'ttl', 'method', 'maddr', 'transport'];

function sipEquals(a: SipUri, b: SipUri): boolean {
  // "A SIP and SIPS URI are never equivalent."
  if (a.scheme !== b.scheme) return false;
  // "Comparison of the userinfo of SIP and SIPS URIs is case-sensitive."
  if (a.user !== b.user || a.password !== b.password) return false;
  // "Comparison of all other components of the URI is case-insensitive unless explicitly defined otherwise."
  if (!eqi(a.host, b.host)) return false;
  // "A URI omitting any component with a default value will not match a URI explicitly containing
  //  that component with its default value."
  if (a.port !== b.port) return false;
  for (const [k, v] of a.params) {
    if (b.params.has(k)) {
      const w = b.params.get(k);
      if (v === null || w === null || w === undefined ? v !== w : !eqi(v, w)) return false;
    } else if (MUST_BOTH.includes(k)) {
      return false;
    }
  }
  for (const k of b.params.keys()) if (!a.params.has(k) && MUST_BOTH.includes(k)) return false;
  if (a.headers.size !== b.headers.size) return false;
  for (const [k, v] of a.headers) {
    let found = false;
    for (const [k2, v2] of b.headers) {
      if (eqi(k, k2)) {
        found = v === v2;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

/** Strips RFC 3966 visual separators so that `+1-201-555` equals `+1.201.555`. */
function telDigits(n: string): string {
  let out = '';
  for (let i = 0; i < n.length; i++) {
    const ch = n[i] as string;
    if (ch !== '-' && ch !== '.' && ch !== '(' && ch !== ')') out += ch.toLowerCase();
  }
  return out;
}

// RFC 3966 §4: the numbers compare equal ignoring visual separators; parameters must be the same
// set (names and values compared case-insensitively).
function telEquals(a: TelUri, b: TelUri): boolean {
  if (telDigits(a.number) !== telDigits(b.number)) return false;
  if (a.params.size !== b.params.size) return false;
  for (const [k, v] of a.params) {
    if (!b.params.has(k)) return false;
    const w = b.params.get(k);
    if (v === null || w === null || w === undefined ? v !== w : !eqi(v, w)) return false;
  }
  return true;
}

/**
 * URI equality per RFC 3261 §19.1.4 for SIP/SIPS URIs (escapes already resolved by the parser),
 * RFC 3966 §4 for tel URIs, exact comparison (scheme case-insensitive) for other URIs.
 */
export function uriEquals(a: Uri, b: Uri): boolean {
  if (isSipUri(a)) return isSipUri(b) && sipEquals(a, b);
  if (isTelUri(a)) return isTelUri(b) && telEquals(a, b);
  if (isSipUri(b) || isTelUri(b)) return false;
  return (
    a.scheme === b.scheme &&
    'raw' in a &&
    'raw' in b &&
    a.raw.slice(a.scheme.length) === b.raw.slice(b.scheme.length)
  );
}
