/**
 * Parsing and formatting of Digest challenges and credentials: the values of WWW-Authenticate,
 * Proxy-Authenticate, Authorization and Proxy-Authorization (RFC 3261 §25.1, RFC 7616 §3.3-§3.4).
 *
 * RFC 3261 §25.1:
 *   challenge    =  ("Digest" LWS digest-cln *(COMMA digest-cln)) / other-challenge
 *   credentials  =  ("Digest" LWS digest-response) / other-response
 *   auth-param   =  auth-param-name EQUAL ( token / quoted-string )
 *   quoted-pair  =  "\" (%x00-09 / %x0B-0C / %x0E-7F)
 *
 * Parsers never throw: every outcome is a value.
 */

export type AuthParseError =
  | 'empty'
  | 'too-long'
  | 'bad-scheme'
  | 'not-digest'
  | 'bad-param'
  | 'unterminated-quote'
  | 'duplicate-param'
  | 'too-many-params'
  | 'missing-param';

export type AuthParseResult<T> =
  { ok: true; value: T } | { ok: false; error: AuthParseError; detail?: string };

export interface AuthHeader {
  /** As written (`Digest`, `digest`, `Basic` ...). */
  scheme: string;
  /** Parameter names lower-cased; values unquoted and unescaped. */
  params: ReadonlyMap<string, string>;
}

export interface DigestChallenge {
  realm: string;
  nonce: string;
  /** As sent; `MD5` when absent (RFC 7616 §3.3). */
  algorithm: string;
  /** qop-options, empty when the challenge has none (RFC 2069 compatibility). */
  qop: string[];
  opaque?: string;
  stale: boolean;
  domain?: string;
  userhash: boolean;
  charset?: string;
  params: ReadonlyMap<string, string>;
}

export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  /** As sent; `MD5` when absent. */
  algorithm: string;
  cnonce?: string;
  opaque?: string;
  qop?: string;
  /** nonce-count as sent: 8 hex digits. */
  nc?: string;
  userhash: boolean;
  params: ReadonlyMap<string, string>;
}

const MAX_HEADER_LENGTH = 8192;
const MAX_PARAMS = 64;

function isTokenChar(c: number): boolean {
  // RFC 3261 token: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2d ||
    c === 0x2e ||
    c === 0x21 ||
    c === 0x25 ||
    c === 0x2a ||
    c === 0x5f ||
    c === 0x2b ||
    c === 0x60 ||
    c === 0x27 ||
    c === 0x7e
  );
}

function isLws(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/** Parses `Scheme p1=v1, p2="v 2"` into a scheme and lower-cased parameters. */
export function parseAuthHeader(value: string): AuthParseResult<AuthHeader> {
  if (typeof value !== 'string') return { ok: false, error: 'empty' };
  const len = value.length;
  if (len > MAX_HEADER_LENGTH) return { ok: false, error: 'too-long' };
  let p = 0;
  while (p < len && isLws(value.charCodeAt(p))) p++;
  if (p >= len) return { ok: false, error: 'empty' };
  const schemeStart = p;
  while (p < len && isTokenChar(value.charCodeAt(p))) p++;
  if (p === schemeStart) return { ok: false, error: 'bad-scheme' };
  const scheme = value.slice(schemeStart, p);
  const params = new Map<string, string>();
  if (p < len && !isLws(value.charCodeAt(p))) return { ok: false, error: 'bad-scheme' };
  // Without any quoted-pair, quoted values are plain slices found with indexOf.
  const noEscapes = value.indexOf('\\', p) < 0;
  while (p < len && isLws(value.charCodeAt(p))) p++;
  while (p < len) {
    // auth-param-name
    const nameStart = p;
    while (p < len && isTokenChar(value.charCodeAt(p))) p++;
    if (p === nameStart) return { ok: false, error: 'bad-param', detail: `at ${p}` };
    const name = knownParamName(value, nameStart, p) ?? value.slice(nameStart, p).toLowerCase();
    while (p < len && isLws(value.charCodeAt(p))) p++;
    if (value.charCodeAt(p) !== 0x3d /* = */) return { ok: false, error: 'bad-param', detail: name };
    p++;
    while (p < len && isLws(value.charCodeAt(p))) p++;
    let v: string;
    const close = noEscapes && value.charCodeAt(p) === 0x22 ? value.indexOf('"', p + 1) : -1;
    if (close > 0) {
      // Fast path: no backslash anywhere in the value, so the quoted-string ends at the next quote.
      v = value.slice(p + 1, close);
      p = close + 1;
    } else if (value.charCodeAt(p) === 0x22 /* " */) {
      p++;
      let out = '';
      let chunkStart = p;
      let closed = false;
      while (p < len) {
        const c = value.charCodeAt(p);
        if (c === 0x22) {
          out += value.slice(chunkStart, p);
          p++;
          closed = true;
          break;
        }
        if (c === 0x5c /* \ */) {
          if (p + 1 >= len) break;
          out += value.slice(chunkStart, p);
          const next = value.charCodeAt(p + 1);
          // quoted-pair excludes CR and LF.
          if (next === 0x0d || next === 0x0a) return { ok: false, error: 'bad-param', detail: name };
          out += value[p + 1];
          p += 2;
          chunkStart = p;
          continue;
        }
        p++;
      }
      if (!closed) return { ok: false, error: 'unterminated-quote', detail: name };
      v = out;
    } else {
      // token; accept a few more visible characters that real devices put in unquoted values
      const vStart = p;
      while (p < len) {
        const c = value.charCodeAt(p);
        if (c === 0x2c || c === 0x22 || isLws(c) || c < 0x21 || c > 0x7e) break;
        p++;
      }
      if (p === vStart) return { ok: false, error: 'bad-param', detail: name };
      v = value.slice(vStart, p);
    }
    if (params.has(name)) return { ok: false, error: 'duplicate-param', detail: name };
    if (params.size >= MAX_PARAMS) return { ok: false, error: 'too-many-params' };
    params.set(name, v);
    while (p < len && isLws(value.charCodeAt(p))) p++;
    if (p >= len) break;
    if (value.charCodeAt(p) !== 0x2c /* , */)
      return { ok: false, error: 'bad-param', detail: `after ${name}` };
    p++;
    while (p < len && (isLws(value.charCodeAt(p)) || value.charCodeAt(p) === 0x2c)) p++;
  }
  return { ok: true, value: { scheme, params } };
}

/** The parameter names of RFC 7616 §3.3-§3.4 (challenge and credentials), lower-case. */
const KNOWN_PARAMS: readonly string[] = [
  'username',
  'realm',
  'nonce',
  'uri',
  'response',
  'algorithm',
  'cnonce',
  'opaque',
  'qop',
  'nc',
  'stale',
  'domain',
  'userhash',
  'charset',
];

/**
 * The lower-case constant for a well-known parameter name at value[start, end) (any case), or undefined:
 * no slice, no lower-casing and no string hashing for the usual names.
 */
function knownParamName(value: string, start: number, end: number): string | undefined {
  const len = end - start;
  for (const k of KNOWN_PARAMS) {
    if (k.length !== len) continue;
    let i = 0;
    while (i < len && (value.charCodeAt(start + i) | 0x20) === k.charCodeAt(i)) i++;
    if (i === len) return k;
  }
  return undefined;
}

/** `digest`, case-insensitively, at `at` (6 characters). */
function isDigestWord(v: string, at: number): boolean {
  const w = 'digest';
  for (let i = 0; i < 6; i++) if ((v.charCodeAt(at + i) | 0x20) !== w.charCodeAt(i)) return false;
  return true;
}

function parseDigest(value: string): AuthParseResult<ReadonlyMap<string, string>> {
  if (typeof value === 'string') {
    // Other schemes (Basic's token68, Bearer ...) need not follow auth-param syntax: say not-digest.
    // (A character scan of the first word, looked at within the first 64 characters.)
    const lim = value.length > 64 ? 64 : value.length;
    let a = 0;
    while (a < lim && isLws(value.charCodeAt(a))) a++;
    let e = a;
    while (e < lim && !isLws(value.charCodeAt(e))) e++;
    if (e > a && !(e - a === 6 && isDigestWord(value, a))) {
      return { ok: false, error: 'not-digest', detail: value.slice(a, e) };
    }
  }
  const r = parseAuthHeader(value);
  if (!r.ok) return r;
  if (r.value.scheme.toLowerCase() !== 'digest')
    return { ok: false, error: 'not-digest', detail: r.value.scheme };
  return { ok: true, value: r.value.params };
}

/** A WWW-Authenticate / Proxy-Authenticate value with the Digest scheme. */
export function parseDigestChallenge(value: string): AuthParseResult<DigestChallenge> {
  const r = parseDigest(value);
  if (!r.ok) return r;
  const p = r.value;
  const realm = p.get('realm');
  const nonce = p.get('nonce');
  if (realm === undefined) return { ok: false, error: 'missing-param', detail: 'realm' };
  if (nonce === undefined) return { ok: false, error: 'missing-param', detail: 'nonce' };
  const qopRaw = p.get('qop');
  const c: DigestChallenge = {
    realm,
    nonce,
    algorithm: p.get('algorithm') ?? 'MD5',
    qop: qopRaw === undefined ? [] : splitList(qopRaw),
    stale: (p.get('stale') ?? '').toLowerCase() === 'true',
    userhash: (p.get('userhash') ?? '').toLowerCase() === 'true',
    params: p,
  };
  const opaque = p.get('opaque');
  if (opaque !== undefined) c.opaque = opaque;
  const domain = p.get('domain');
  if (domain !== undefined) c.domain = domain;
  const charset = p.get('charset');
  if (charset !== undefined) c.charset = charset;
  return { ok: true, value: c };
}

/** An Authorization / Proxy-Authorization value with the Digest scheme. */
export function parseDigestCredentials(value: string): AuthParseResult<DigestCredentials> {
  const quick = quickDigestCredentials(value);
  return quick !== undefined ? { ok: true, value: quick } : parseDigestCredentialsFully(value);
}

/** {@link parseDigestCredentials} without the quick path (exported for the test comparing both). */
export function parseDigestCredentialsFully(value: string): AuthParseResult<DigestCredentials> {
  const r = parseDigest(value);
  if (!r.ok) return r;
  const p = r.value;
  for (const required of ['username', 'realm', 'nonce', 'uri', 'response']) {
    if (p.get(required) === undefined) return { ok: false, error: 'missing-param', detail: required };
  }
  const c: DigestCredentials = {
    username: p.get('username') as string,
    realm: p.get('realm') as string,
    nonce: p.get('nonce') as string,
    uri: p.get('uri') as string,
    response: p.get('response') as string,
    algorithm: p.get('algorithm') ?? 'MD5',
    userhash: (p.get('userhash') ?? '').toLowerCase() === 'true',
    params: p,
  };
  const qop = p.get('qop');
  if (qop !== undefined) {
    c.qop = qop;
    // RFC 3261 §25.1 / RFC 7616 §3.4: with message-qop, cnonce and nonce-count are present.
    const cnonce = p.get('cnonce');
    const nc = p.get('nc');
    if (cnonce === undefined) return { ok: false, error: 'missing-param', detail: 'cnonce' };
    if (nc === undefined) return { ok: false, error: 'missing-param', detail: 'nc' };
    c.cnonce = cnonce;
    c.nc = nc;
  } else {
    const cnonce = p.get('cnonce');
    if (cnonce !== undefined) c.cnonce = cnonce;
    const nc = p.get('nc');
    if (nc !== undefined) c.nc = nc;
  }
  const opaque = p.get('opaque');
  if (opaque !== undefined) c.opaque = opaque;
  return { ok: true, value: c };
}

/** The credentials parameters the quick path knows. */
enum Param {
  None,
  Username,
  Realm,
  Nonce,
  Uri,
  Response,
  Algorithm,
  Cnonce,
  Opaque,
  Qop,
  Nc,
  Userhash,
}

/** The names the quick path knows, by length: [name, parameter] pairs. */
const PARAMS_BY_LENGTH: readonly (readonly (readonly [string, Param])[])[] = (() => {
  const names: [string, Param][] = [
    ['username', Param.Username],
    ['realm', Param.Realm],
    ['nonce', Param.Nonce],
    ['uri', Param.Uri],
    ['response', Param.Response],
    ['algorithm', Param.Algorithm],
    ['cnonce', Param.Cnonce],
    ['opaque', Param.Opaque],
    ['qop', Param.Qop],
    ['nc', Param.Nc],
    ['userhash', Param.Userhash],
  ];
  const out: [string, Param][][] = [];
  for (const n of names) (out[n[0].length] ??= []).push(n);
  return out;
})();

/** Which parameter value[start, end) names, exactly in lower case; no slice of the name is made. */
function credentialParam(value: string, start: number, end: number): Param {
  const candidates = PARAMS_BY_LENGTH[end - start];
  if (candidates !== undefined)
    for (let i = 0; i < candidates.length; i++) {
      const c = candidates[i] as readonly [string, Param];
      if (nameAt(value, start, c[0])) return c[1];
    }
  return Param.None;
}

/** Whether `name` is at value[start...] (the caller checked the length). */
function nameAt(value: string, start: number, name: string): boolean {
  for (let i = 0; i < name.length; i++) if (value.charCodeAt(start + i) !== name.charCodeAt(i)) return false;
  return true;
}

/**
 * Credentials whose `params` map is made only when someone reads it (the verifier never does): the
 * quick path below fills the named fields while it scans.
 */
class ScannedCredentials implements DigestCredentials {
  username = '';
  realm = '';
  nonce = '';
  uri = '';
  response = '';
  algorithm = 'MD5';
  userhash = false;
  // Set only when sent (as the full parser does): no own property otherwise.
  declare cnonce?: string;
  declare opaque?: string;
  declare qop?: string;
  declare nc?: string;
  private paramsValue: ReadonlyMap<string, string> | undefined;

  constructor(private readonly source: string) {}

  get params(): ReadonlyMap<string, string> {
    if (this.paramsValue === undefined) {
      const r = parseDigest(this.source);
      this.paramsValue = r.ok ? r.value : new Map();
    }
    return this.paramsValue;
  }
}

/**
 * The common form of Digest credentials parsed in one scan, without the parameter map: `Digest ` then
 * `name=value` pairs separated by `,` or `, `, every name one of RFC 7616's in lower case and given once,
 * values quoted (no backslash anywhere) or tokens. The result is what {@link parseDigestCredentialsFully}
 * gives for the same text (a property test holds the two together); anything else - other spacing,
 * other names or cases, escapes, missing parameters - gives undefined, and the full parser decides.
 */
export function quickDigestCredentials(value: string): DigestCredentials | undefined {
  const len = value.length;
  if (len > MAX_HEADER_LENGTH || len < 8 || !isDigestWord(value, 0) || value.charCodeAt(6) !== 0x20)
    return undefined;
  if (value.indexOf('\\', 7) >= 0) return undefined;
  // The value of each parameter, indexed by Param.
  const values: (string | undefined)[] = [];
  let p = 7;
  for (;;) {
    const nameStart = p;
    while (p < len && isTokenChar(value.charCodeAt(p))) p++;
    if (p === nameStart || value.charCodeAt(p) !== 0x3d /* = */) return undefined;
    const nameEnd = p++;
    let v: string;
    if (value.charCodeAt(p) === 0x22 /* " */) {
      const close = value.indexOf('"', p + 1);
      if (close < 0) return undefined;
      v = value.slice(p + 1, close);
      p = close + 1;
    } else {
      const start = p;
      while (p < len) {
        const c = value.charCodeAt(p);
        if (c === 0x2c || c === 0x22 || c < 0x21 || c > 0x7e) break;
        p++;
      }
      if (p === start) return undefined;
      v = value.slice(start, p);
    }
    const param = credentialParam(value, nameStart, nameEnd);
    if (param === Param.None || values[param] !== undefined) return undefined;
    values[param] = v;
    if (p === len) break;
    if (value.charCodeAt(p) !== 0x2c /* , */) return undefined;
    p++;
    if (value.charCodeAt(p) === 0x20) p++;
  }
  const username = values[Param.Username];
  const realm = values[Param.Realm];
  const nonce = values[Param.Nonce];
  const uri = values[Param.Uri];
  const response = values[Param.Response];
  if (username === undefined || realm === undefined || nonce === undefined) return undefined;
  if (uri === undefined || response === undefined) return undefined;
  const qop = values[Param.Qop];
  const cnonce = values[Param.Cnonce];
  const nc = values[Param.Nc];
  // RFC 3261 §25.1 / RFC 7616 §3.4: with message-qop, cnonce and nonce-count are present.
  if (qop !== undefined && (cnonce === undefined || nc === undefined)) return undefined;
  const c = new ScannedCredentials(value);
  c.username = username;
  c.realm = realm;
  c.nonce = nonce;
  c.uri = uri;
  c.response = response;
  const algorithm = values[Param.Algorithm];
  if (algorithm !== undefined) c.algorithm = algorithm;
  const userhash = values[Param.Userhash];
  c.userhash = userhash !== undefined && userhash.toLowerCase() === 'true';
  if (qop !== undefined) c.qop = qop;
  if (cnonce !== undefined) c.cnonce = cnonce;
  if (nc !== undefined) c.nc = nc;
  const opaque = values[Param.Opaque];
  if (opaque !== undefined) c.opaque = opaque;
  return c;
}

function splitList(s: string): string[] {
  const out: string[] = [];
  for (const part of s.split(',')) {
    const t = part.trim();
    if (t) out.push(t);
  }
  return out;
}

/** quoted-string with `\` and `"` escaped. */
export function quoteString(s: string): string {
  let needs = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) {
      needs = true;
      break;
    }
  }
  return needs ? '"' + s.replace(/["\\]/g, '\\$&') + '"' : '"' + s + '"';
}

export interface DigestChallengeInit {
  realm: string;
  nonce: string;
  algorithm?: string;
  qop?: string[];
  opaque?: string;
  stale?: boolean;
  domain?: string;
}

export function formatDigestChallenge(c: DigestChallengeInit): string {
  let s = `Digest realm=${quoteString(c.realm)}`;
  if (c.domain !== undefined) s += `, domain=${quoteString(c.domain)}`;
  s += `, nonce=${quoteString(c.nonce)}`;
  if (c.opaque !== undefined) s += `, opaque=${quoteString(c.opaque)}`;
  if (c.stale) s += ', stale=true';
  if (c.algorithm !== undefined) s += `, algorithm=${c.algorithm}`;
  if (c.qop && c.qop.length > 0) s += `, qop=${quoteString(c.qop.join(','))}`;
  return s;
}

export interface DigestCredentialsInit {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm?: string;
  cnonce?: string;
  opaque?: string;
  qop?: string;
  nc?: string;
}

export function formatDigestCredentials(c: DigestCredentialsInit): string {
  let s =
    `Digest username=${quoteString(c.username)}, realm=${quoteString(c.realm)}, ` +
    `nonce=${quoteString(c.nonce)}, uri=${quoteString(c.uri)}, response=${quoteString(c.response)}`;
  if (c.algorithm !== undefined) s += `, algorithm=${c.algorithm}`;
  if (c.cnonce !== undefined) s += `, cnonce=${quoteString(c.cnonce)}`;
  if (c.opaque !== undefined) s += `, opaque=${quoteString(c.opaque)}`;
  // RFC 3261 §25.1: message-qop = "qop" EQUAL qop-value (a token, not quoted); nc is 8LHEX.
  if (c.qop !== undefined) s += `, qop=${c.qop}`;
  if (c.nc !== undefined) s += `, nc=${c.nc}`;
  return s;
}
