import {
  isDigit,
  isHnvChar,
  isHostChar,
  isIpv6Char,
  isParamChar,
  isPasswordChar,
  isUserChar,
} from './char-classes.js';
import type { Parsed } from './grammar-result.js';
import { fail, ok } from './parsed-helpers.js';
import { NO_PARAMS } from './header-params.js';
import { percentDecode, percentEncode } from './percent-escape.js';

/**
 * SIP or SIPS URI (RFC 3261 §19.1). Components are stored %-decoded; `formatUri` re-escapes them.
 * `host` is kept as written, an IPv6 reference with its brackets (`[::1]`). Parameter names are
 * lowercase; a parameter without a value maps to null. The first occurrence of a repeated parameter wins.
 */
export interface SipUri {
  scheme: 'sip' | 'sips';
  user?: string;
  password?: string;
  host: string;
  port?: number;
  params: Map<string, string | null>;
  headers: Map<string, string>;
}

/** tel URI (RFC 3966), kept simple: the number as written (with visual separators) and its parameters. */
export interface TelUri {
  scheme: 'tel';
  number: string;
  params: Map<string, string | null>;
}

/** Any other absoluteURI (RFC 3261 §25.1), kept raw. `scheme` is lowercase. */
export interface AbsoluteUri {
  scheme: string;
  raw: string;
}

export type Uri = SipUri | TelUri | AbsoluteUri;

export function isSipUri(u: Uri): u is SipUri {
  return (u.scheme === 'sip' || u.scheme === 'sips') && 'host' in u;
}

export function isTelUri(u: Uri): u is TelUri {
  return u.scheme === 'tel' && 'number' in u;
}

/** Convenience constructor for a SIP URI. */
export function sipUri(init: {
  scheme?: 'sip' | 'sips';
  user?: string;
  password?: string;
  host: string;
  port?: number;
  params?: Iterable<readonly [string, string | null]>;
  headers?: Iterable<readonly [string, string]>;
}): SipUri {
  const u: SipUri = {
    scheme: init.scheme ?? 'sip',
    host: init.host,
    params: new Map(),
    headers: new Map(init.headers ?? []),
  };
  for (const [k, v] of init.params ?? []) u.params.set(k.toLowerCase(), v);
  if (init.user !== undefined) u.user = init.user;
  if (init.password !== undefined) u.password = init.password;
  if (init.port !== undefined) u.port = init.port;
  return u;
}

/** Host without IPv6 brackets (`[::1]` -> `::1`), e.g. for socket calls. */
export function stripIpv6Brackets(host: string): string {
  return host.charCodeAt(0) === 0x5b && host.charCodeAt(host.length - 1) === 0x5d ? host.slice(1, -1) : host;
}

function isSchemeChar(c: number, first: boolean): boolean {
  const alpha = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  if (first) return alpha;
  return alpha || isDigit(c) || c === 0x2b || c === 0x2d || c === 0x2e;
}

/**
 * Parses host [":" port] at `i`; returns the index after it or a reason.
 * RFC 3261 §25.1: hostport = host [ ":" port ]; host = hostname / IPv4address / IPv6reference
 */
export function scanHostPort(
  s: string,
  i: number,
  end: number,
): { host: string; port: number | undefined; next: number } | string {
  const hs = i;
  if (s.charCodeAt(i) === 0x5b) {
    i++;
    while (i < end && isIpv6Char(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) !== 0x5d || i === hs + 1) return 'bad IPv6 reference';
    i++;
  } else {
    while (i < end && isHostChar(s.charCodeAt(i))) i++;
    if (i === hs) return 'empty host';
  }
  const host = s.slice(hs, i);
  let port: number | undefined;
  if (i < end && s.charCodeAt(i) === 0x3a) {
    i++;
    const ps = i;
    let p = 0;
    while (i < end && isDigit(s.charCodeAt(i))) {
      p = p * 10 + s.charCodeAt(i) - 0x30;
      i++;
    }
    if (i === ps || i - ps > 5 || p > 65535) return 'bad port';
    port = p;
  }
  return { host, port, next: i };
}

function parseSip(s: string, scheme: 'sip' | 'sips', i: number): Parsed<SipUri> {
  const n = s.length;
  const uri: SipUri = { scheme, host: '', params: NO_PARAMS, headers: NO_PARAMS };
  // RFC 3261 §19.1.1: userinfo = ( user / telephone-subscriber ) [ ":" password ] "@"
  const at = s.indexOf('@', i);
  if (at >= 0) {
    const colon = s.indexOf(':', i);
    const userEnd = colon >= 0 && colon < at ? colon : at;
    if (userEnd === i) return fail('empty user part');
    const user = percentDecode(s.slice(i, userEnd), isUserChar);
    if (user === undefined) return fail('bad character in user part');
    uri.user = user;
    if (userEnd < at) {
      const pw = percentDecode(s.slice(userEnd + 1, at), isPasswordChar);
      if (pw === undefined) return fail('bad character in password');
      uri.password = pw;
    }
    i = at + 1;
  }
  const hp = scanHostPort(s, i, n);
  if (typeof hp === 'string') return fail(hp);
  uri.host = hp.host;
  if (hp.port !== undefined) uri.port = hp.port;
  i = hp.next;
  // uri-parameters = *( ";" uri-parameter ); uri-parameter = pname [ "=" pvalue ]
  while (i < n && s.charCodeAt(i) === 0x3b) {
    i++;
    let j = i;
    while (j < n && (isParamChar(s.charCodeAt(j)) || s.charCodeAt(j) === 0x25)) j++;
    if (j === i) return fail('empty URI parameter name');
    const name = percentDecode(s.slice(i, j), isParamChar);
    if (name === undefined) return fail('bad URI parameter name');
    let value: string | null = null;
    if (j < n && s.charCodeAt(j) === 0x3d) {
      const vs = j + 1;
      j = vs;
      while (j < n && (isParamChar(s.charCodeAt(j)) || s.charCodeAt(j) === 0x25)) j++;
      if (j === vs) return fail(`empty value of URI parameter ${name}`);
      const v = percentDecode(s.slice(vs, j), isParamChar);
      if (v === undefined) return fail(`bad value of URI parameter ${name}`);
      value = v;
    }
    const key = name.toLowerCase();
    if (uri.params === NO_PARAMS) uri.params = new Map();
    if (!uri.params.has(key)) uri.params.set(key, value);
    i = j;
  }
  // headers = "?" header *( "&" header ); header = hname "=" hvalue
  if (i < n && s.charCodeAt(i) === 0x3f) {
    do {
      i++;
      let j = i;
      while (j < n && (isHnvChar(s.charCodeAt(j)) || s.charCodeAt(j) === 0x25)) j++;
      if (j === i || s.charCodeAt(j) !== 0x3d) return fail('bad URI header');
      const name = percentDecode(s.slice(i, j), isHnvChar);
      const vs = j + 1;
      j = vs;
      while (j < n && (isHnvChar(s.charCodeAt(j)) || s.charCodeAt(j) === 0x25)) j++;
      const value = percentDecode(s.slice(vs, j), isHnvChar);
      if (name === undefined || value === undefined) return fail('bad URI header');
      if (uri.headers === NO_PARAMS) uri.headers = new Map();
      if (!uri.headers.has(name)) uri.headers.set(name, value);
      i = j;
    } while (i < n && s.charCodeAt(i) === 0x26);
  }
  if (i !== n) return fail(`unexpected character '${s[i]}' in URI`);
  return ok(uri);
}

// RFC 3966 §3: telephone-subscriber = global-number / local-number (digits, visual separators
// "-" "." "(" ")", "*" "#" and hex digits for local numbers), followed by ";" parameters.
function isTelNumberChar(c: number): boolean {
  return (
    isDigit(c) ||
    (c >= 0x41 && c <= 0x46) ||
    (c >= 0x61 && c <= 0x66) ||
    c === 0x2a ||
    c === 0x23 ||
    c === 0x2b ||
    c === 0x2d ||
    c === 0x2e ||
    c === 0x28 ||
    c === 0x29
  );
}

function parseTel(s: string, i: number): Parsed<TelUri> {
  const n = s.length;
  let j = i;
  while (j < n && isTelNumberChar(s.charCodeAt(j))) j++;
  if (j === i) return fail('empty telephone number');
  const uri: TelUri = { scheme: 'tel', number: s.slice(i, j), params: new Map() };
  i = j;
  while (i < n && s.charCodeAt(i) === 0x3b) {
    i++;
    j = i;
    while (j < n && (isParamChar(s.charCodeAt(j)) || s.charCodeAt(j) === 0x25)) j++;
    if (j === i) return fail('empty tel parameter name');
    const name = s.slice(i, j).toLowerCase();
    let value: string | null = null;
    if (s.charCodeAt(j) === 0x3d) {
      const vs = j + 1;
      j = vs;
      while (j < n && (isParamChar(s.charCodeAt(j)) || s.charCodeAt(j) === 0x25)) j++;
      const v = percentDecode(s.slice(vs, j), isParamChar);
      if (v === undefined || j === vs) return fail(`bad value of tel parameter ${name}`);
      value = v;
    }
    if (!uri.params.has(name)) uri.params.set(name, value);
    i = j;
  }
  if (i !== n) return fail(`unexpected character '${s[i]}' in tel URI`);
  return ok(uri);
}

/**
 * Parses a URI: sip/sips into `SipUri`, tel into `TelUri`, any other scheme into `AbsoluteUri` (raw).
 * The whole string must be the URI (no surrounding whitespace).
 */
export function parseUri(s: string): Parsed<Uri> {
  const n = s.length;
  let i = 0;
  while (i < n && isSchemeChar(s.charCodeAt(i), i === 0)) i++;
  if (i === 0 || i >= n || s.charCodeAt(i) !== 0x3a) return fail('missing URI scheme');
  const scheme = s.slice(0, i).toLowerCase();
  if (scheme === 'sip' || scheme === 'sips') return parseSip(s, scheme, i + 1);
  if (scheme === 'tel') return parseTel(s, i + 1);
  if (i + 1 >= n) return fail('empty absolute URI');
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j);
    // absoluteURI is built from uric characters: no controls, space, quotes or angle brackets.
    if (c <= 0x20 || c === 0x7f || c === 0x22 || c === 0x3c || c === 0x3e)
      return fail('bad character in URI');
  }
  return ok({ scheme, raw: s });
}

/** Parses a SIP/SIPS URI only; other schemes are an error. */
export function parseSipUri(s: string): Parsed<SipUri> {
  const r = parseUri(s);
  if (!r.ok) return r;
  return isSipUri(r.value) ? ok(r.value) : fail(`not a SIP URI (scheme ${r.value.scheme})`);
}

/** Serializes a URI, %-escaping characters that a component does not allow unescaped. */
export function formatUri(u: Uri): string {
  if (isSipUri(u)) {
    let out = u.scheme + ':';
    if (u.user !== undefined) {
      out += percentEncode(u.user, isUserChar);
      if (u.password !== undefined) out += ':' + percentEncode(u.password, isPasswordChar);
      out += '@';
    }
    out += u.host;
    if (u.port !== undefined) out += ':' + u.port;
    for (const [k, v] of u.params) {
      out += ';' + percentEncode(k, isParamChar);
      if (v !== null) out += '=' + percentEncode(v, isParamChar);
    }
    let first = true;
    for (const [k, v] of u.headers) {
      out += (first ? '?' : '&') + percentEncode(k, isHnvChar) + '=' + percentEncode(v, isHnvChar);
      first = false;
    }
    return out;
  }
  if (isTelUri(u)) {
    let out = 'tel:' + u.number;
    for (const [k, v] of u.params) {
      out += ';' + k;
      if (v !== null) out += '=' + percentEncode(v, isParamChar);
    }
    return out;
  }
  return (u as AbsoluteUri).raw;
}
