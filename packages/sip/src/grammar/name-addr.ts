import { isLws, isTokenChar } from './char-classes.js';
import type { Parsed } from './grammar-result.js';
import { fail, ok } from './parsed-helpers.js';
import {
  formatHeaderParams,
  hasMoreThanLws,
  NO_PARAMS,
  parseHeaderParams,
  type Params,
} from './header-params.js';
import { quote, scanQuoted, unquote } from './quoted-string.js';
import { formatUri, parseUri, type Uri } from './uri.js';

/**
 * name-addr / addr-spec with header parameters, as used by From, To, Contact, Route, Record-Route,
 * Reply-To, Refer-To, P-Asserted-Identity... `displayName` is unquoted (quoted-pairs resolved).
 * `params` are header parameters (tag, expires, q, ...), values stored as on the wire.
 */
export interface NameAddr {
  displayName?: string;
  uri: Uri;
  params: Params;
}

// RFC 3261 §25.1:
//   name-addr    = [ display-name ] LAQUOT addr-spec RAQUOT
//   display-name = *(token LWS)/ quoted-string
// §20.10: "Even if the "display-name" is empty, the "name-addr" form MUST be used if the "addr-spec"
// contains a comma, semicolon, or question mark."

/** Parses one name-addr or addr-spec with trailing header parameters (the whole of `s`). */
export function parseNameAddr(s: string): Parsed<NameAddr> {
  const n = s.length;
  let i = 0;
  while (i < n && isLws(s.charCodeAt(i))) i++;
  let displayName: string | undefined;
  let angle = false;
  if (s.charCodeAt(i) === 0x22) {
    const end = scanQuoted(s, i);
    if (end < 0) return fail('unterminated quoted display name');
    displayName = unquote(s.slice(i, end));
    i = end;
    while (i < n && isLws(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) !== 0x3c) return fail("expected '<' after display name");
    angle = true;
  } else {
    let j = i;
    while (j < n && (isTokenChar(s.charCodeAt(j)) || isLws(s.charCodeAt(j)))) j++;
    if (j < n && s.charCodeAt(j) === 0x3c) {
      let e = j;
      while (e > i && isLws(s.charCodeAt(e - 1))) e--;
      if (e > i) displayName = s.slice(i, e);
      i = j;
      angle = true;
    }
  }
  let uriText: string;
  let rest: number;
  if (angle) {
    const gt = s.indexOf('>', i + 1);
    if (gt < 0) return fail("missing '>'");
    uriText = s.slice(i + 1, gt);
    rest = gt + 1;
  } else {
    let j = i;
    while (j < n) {
      const c = s.charCodeAt(j);
      if (c === 0x3b || isLws(c)) break;
      if (c === 0x3f || c === 0x2c || c === 0x3c || c === 0x3e || c === 0x22) {
        return fail("addr-spec with ',', '?' or '<' must be enclosed in '<>'");
      }
      j++;
    }
    uriText = s.slice(i, j);
    rest = j;
  }
  const uri = parseUri(uriText);
  if (!uri.ok) return uri;
  let params: Params = NO_PARAMS;
  if (hasMoreThanLws(s, rest)) {
    params = new Map();
    const perr = parseHeaderParams(s, rest, params);
    if (perr !== undefined) return fail(perr);
  }
  const na: NameAddr = { uri: uri.value, params };
  if (displayName !== undefined) na.displayName = displayName;
  return ok(na);
}

/** `"Display" <uri>;params` — always the name-addr form. */
export function formatNameAddr(na: NameAddr): string {
  const dn = na.displayName !== undefined && na.displayName !== '' ? quote(na.displayName) + ' ' : '';
  return dn + '<' + formatUri(na.uri) + '>' + formatHeaderParams(na.params);
}
