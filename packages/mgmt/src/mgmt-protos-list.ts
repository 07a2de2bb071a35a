/**
 * `application/mgmt-protos-list` (seed 000 §5 leaves the document open; Beckon's definition is in
 * docs/mgmt-protos-list.md, whose ABNF this scanner follows). Shared by the station and the device
 * through @beckon/mgmt.
 *
 * Seed 000 §5: "It is anticipated to contain an ordered list of management protocols, where each
 * management protocol may be composed of a protocol part and a transport part, such as "snmp-udp",
 * "snmp-ssh", "snmp-tls", or "snmp-tcp"."
 */

/** The media type (seed 000 §7.2). */
export const MGMT_PROTOS_LIST_TYPE = 'application/mgmt-protos-list';

/** Limits of the strict decoder. */
export const PROTOS_LIST_LIMITS = {
  /** Largest document, bytes. */
  maxBytes: 4096,
  /** Most entries in one list. */
  maxEntries: 32,
  /** Most parameters on one entry. */
  maxParams: 16,
  /** Longest protocol token / parameter name. */
  maxTokenLength: 64,
  /** Longest parameter value (unquoted). */
  maxValueLength: 256,
} as const;

/** One entry: `protocol-transport` plus parameters (names lowercased; values as given). */
export interface ProtoEntry {
  /** The whole token, lowercased: `snmp-ssh`. */
  readonly token: string;
  /** Part before the dash: `snmp`. */
  readonly protocol: string;
  /** Part after the dash: `ssh`. */
  readonly transport: string;
  /** Parameters in document order; a valueless parameter has value `null`. */
  readonly params: readonly (readonly [string, string | null])[];
}

export type ProtosListErrorCode =
  | 'empty'
  | 'too-large'
  | 'bad-character'
  | 'bad-token'
  | 'token-too-long'
  | 'missing-transport'
  | 'bad-param'
  | 'duplicate-param'
  | 'duplicate-protocol'
  | 'unterminated-quote'
  | 'value-too-long'
  | 'too-many-entries'
  | 'too-many-params'
  | 'not-single';

export interface ProtosListError {
  readonly code: ProtosListErrorCode;
  /** Byte offset where the problem was found. */
  readonly offset: number;
  readonly message: string;
}

export type ProtosListResult =
  | { readonly ok: true; readonly value: readonly ProtoEntry[] }
  | { readonly ok: false; readonly error: ProtosListError };

const C_TAB = 0x09;
const C_LF = 0x0a;
const C_CR = 0x0d;
const C_SP = 0x20;
const C_HASH = 0x23;
const C_COMMA = 0x2c;
const C_SEMI = 0x3b;
const C_EQ = 0x3d;
const C_DQUOTE = 0x22;
const C_BSLASH = 0x5c;
const C_DASH = 0x2d;

/** `name-char = ALPHA / DIGIT / "." / "+" / "_"` (no dash: the dash splits protocol and transport). */
function isNameChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2e ||
    c === 0x2b ||
    c === 0x5f
  );
}

/** `pname-char = name-char / "-"`. */
function isPnameChar(c: number): boolean {
  return isNameChar(c) || c === C_DASH;
}

/** `ptoken-char = pname-char / "~" / ":" / "[" / "]" / "/" / "@" / "!" / "*" / "%"`. */
function isPtokenChar(c: number): boolean {
  return (
    isPnameChar(c) ||
    c === 0x7e ||
    c === 0x3a ||
    c === 0x5b ||
    c === 0x5d ||
    c === 0x2f ||
    c === 0x40 ||
    c === 0x21 ||
    c === 0x2a ||
    c === 0x25
  );
}

/** `qdtext`: visible ASCII and SP/HTAB except DQUOTE and backslash. */
function isQdtext(c: number): boolean {
  return c === C_SP || c === C_TAB || (c >= 0x21 && c <= 0x7e && c !== C_DQUOTE && c !== C_BSLASH);
}

function fail(code: ProtosListErrorCode, offset: number, message: string): ProtosListResult {
  return { ok: false, error: { code, offset, message } };
}

/**
 * Decodes a SUBSCRIBE body (one or more entries). Strict: every deviation from the ABNF is an error
 * value (never an exception). Unknown protocol tokens are kept; selection ignores them.
 */
export function decodeProtosList(input: string | Uint8Array): ProtosListResult {
  const s = typeof input === 'string' ? input : latin1(input);
  if (
    typeof input !== 'string'
      ? input.length > PROTOS_LIST_LIMITS.maxBytes
      : s.length > PROTOS_LIST_LIMITS.maxBytes
  )
    return fail(
      'too-large',
      PROTOS_LIST_LIMITS.maxBytes,
      `document larger than ${PROTOS_LIST_LIMITS.maxBytes} bytes`,
    );
  const n = s.length;
  const out: ProtoEntry[] = [];
  const seen = new Set<string>();
  let i = 0;
  // The position is always at the start of a "gap": blanks, comments, commas and line breaks.
  for (;;) {
    i = skipGap(s, i);
    if (i < 0) return fail('bad-character', -i - 1, 'bare CR not followed by LF');
    if (i >= n) break;
    const c = s.charCodeAt(i);
    if (!isNameChar(c))
      return fail(c === C_DASH ? 'bad-token' : 'bad-character', i, describe(s, i, 'protocol token'));
    const entry = scanEntry(s, i);
    if (!entry.ok) return entry;
    const e = entry.value;
    if (seen.has(e.token)) return fail('duplicate-protocol', i, `protocol ${e.token} listed twice`);
    seen.add(e.token);
    if (out.length >= PROTOS_LIST_LIMITS.maxEntries)
      return fail('too-many-entries', i, `more than ${PROTOS_LIST_LIMITS.maxEntries} entries`);
    out.push(e);
    i = entry.end;
    // After an entry: optional blanks/comment, then a separator (comma or line break) or the end.
    i = skipBlanks(s, i);
    if (i < n && s.charCodeAt(i) === C_HASH) i = skipComment(s, i);
    if (i >= n) break;
    const d = s.charCodeAt(i);
    if (d !== C_COMMA && d !== C_LF && d !== C_CR)
      return fail('bad-character', i, describe(s, i, 'separator'));
  }
  if (out.length === 0) return fail('empty', 0, 'no protocol listed');
  return { ok: true, value: out };
}

/**
 * Decodes a NOTIFY body: exactly one entry (the protocol chosen by the station, with the call-home
 * parameters). See docs/mgmt-protos-list.md "NOTIFY".
 */
export function decodeProtosNotify(
  input: string | Uint8Array,
): { ok: true; value: ProtoEntry } | { ok: false; error: ProtosListError } {
  const r = decodeProtosList(input);
  if (!r.ok) return r;
  const first = r.value[0] as ProtoEntry;
  if (r.value.length !== 1)
    return {
      ok: false,
      error: { code: 'not-single', offset: 0, message: 'a NOTIFY names exactly one protocol' },
    };
  return { ok: true, value: first };
}

type EntryScan = { ok: true; value: ProtoEntry; end: number } | { ok: false; error: ProtosListError };

function scanEntry(s: string, start: number): EntryScan {
  const n = s.length;
  let i = start;
  while (i < n && isNameChar(s.charCodeAt(i))) i++;
  const protoEnd = i;
  if (i >= n || s.charCodeAt(i) !== C_DASH)
    return failE('missing-transport', i, `protocol token "${s.slice(start, i)}" has no "-transport" part`);
  i++;
  const tStart = i;
  while (i < n && isNameChar(s.charCodeAt(i))) i++;
  if (i === tStart) return failE('missing-transport', i, 'empty transport part');
  if (i < n && (s.charCodeAt(i) === C_DASH || isPtokenChar(s.charCodeAt(i))))
    return failE('bad-token', i, describe(s, i, 'end of protocol token'));
  if (i - start > PROTOS_LIST_LIMITS.maxTokenLength)
    return failE('token-too-long', start, `protocol token longer than ${PROTOS_LIST_LIMITS.maxTokenLength}`);
  const protocol = s.slice(start, protoEnd).toLowerCase();
  const transport = s.slice(tStart, i).toLowerCase();
  const params: [string, string | null][] = [];
  for (;;) {
    let j = skipBlanks(s, i);
    if (j >= n || s.charCodeAt(j) !== C_SEMI) break;
    j = skipBlanks(s, j + 1);
    const pStart = j;
    while (j < n && isPnameChar(s.charCodeAt(j))) j++;
    if (j === pStart) return failE('bad-param', j, describe(s, j, 'parameter name'));
    if (j - pStart > PROTOS_LIST_LIMITS.maxTokenLength)
      return failE(
        'token-too-long',
        pStart,
        `parameter name longer than ${PROTOS_LIST_LIMITS.maxTokenLength}`,
      );
    const name = s.slice(pStart, j).toLowerCase();
    let value: string | null = null;
    let k = skipBlanks(s, j);
    if (k < n && s.charCodeAt(k) === C_EQ) {
      k = skipBlanks(s, k + 1);
      if (k < n && s.charCodeAt(k) === C_DQUOTE) {
        const q = scanQuoted(s, k);
        if (!q.ok) return q;
        value = q.value;
        k = q.end;
      } else {
        const vStart = k;
        while (k < n && isPtokenChar(s.charCodeAt(k))) k++;
        if (k === vStart) return failE('bad-param', k, describe(s, k, `value of parameter ${name}`));
        value = s.slice(vStart, k);
      }
      if (value.length > PROTOS_LIST_LIMITS.maxValueLength)
        return failE(
          'value-too-long',
          pStart,
          `value of ${name} longer than ${PROTOS_LIST_LIMITS.maxValueLength}`,
        );
      j = k;
    }
    if (params.some((p) => p[0] === name))
      return failE('duplicate-param', pStart, `parameter ${name} given twice`);
    if (params.length >= PROTOS_LIST_LIMITS.maxParams)
      return failE('too-many-params', pStart, `more than ${PROTOS_LIST_LIMITS.maxParams} parameters`);
    params.push([name, value]);
    i = j;
  }
  return { ok: true, value: { token: `${protocol}-${transport}`, protocol, transport, params }, end: i };
}

function scanQuoted(
  s: string,
  start: number,
): { ok: true; value: string; end: number } | { ok: false; error: ProtosListError } {
  const n = s.length;
  let i = start + 1;
  let out = '';
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === C_DQUOTE) return { ok: true, value: out, end: i + 1 };
    if (c === C_BSLASH) {
      const d = i + 1 < n ? s.charCodeAt(i + 1) : -1;
      if (d < 0x20 || d > 0x7e) return failE('bad-character', i, 'bad escape in quoted value');
      out += s[i + 1];
      i += 2;
      continue;
    }
    if (!isQdtext(c))
      return failE(
        c === C_CR || c === C_LF ? 'unterminated-quote' : 'bad-character',
        i,
        describe(s, i, 'quoted text'),
      );
    out += s[i];
    i++;
  }
  return failE('unterminated-quote', start, 'quoted value not closed');
}

function failE(
  code: ProtosListErrorCode,
  offset: number,
  message: string,
): { ok: false; error: ProtosListError } {
  return { ok: false, error: { code, offset, message } };
}

/** Skips SP/HTAB. */
function skipBlanks(s: string, i: number): number {
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c !== C_SP && c !== C_TAB) break;
    i++;
  }
  return i;
}

/** Skips a `#` comment up to (not including) the line break. */
function skipComment(s: string, i: number): number {
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === C_LF || c === C_CR) break;
    i++;
  }
  return i;
}

/** Skips blanks, comments, commas and line breaks (CRLF or LF). A bare CR returns `-(offset+1)`. */
function skipGap(s: string, i: number): number {
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === C_SP || c === C_TAB || c === C_COMMA || c === C_LF) i++;
    else if (c === C_CR) {
      if (i + 1 >= n || s.charCodeAt(i + 1) !== C_LF) return -(i + 1);
      i += 2;
    } else if (c === C_HASH) i = skipComment(s, i);
    else break;
  }
  return i;
}

function describe(s: string, i: number, expected: string): string {
  if (i >= s.length) return `expected ${expected}, found end of document`;
  const c = s.charCodeAt(i);
  const shown = c >= 0x21 && c <= 0x7e ? `"${s[i]}"` : `0x${c.toString(16).padStart(2, '0')}`;
  return `expected ${expected}, found ${shown} at offset ${i}`;
}

function latin1(b: Uint8Array): string {
  let out = '';
  for (let i = 0; i < b.length; i += 4096)
    out += String.fromCharCode(...b.subarray(i, Math.min(b.length, i + 4096)));
  return out;
}

/** Why an entry cannot be encoded. */
export type ProtosEncodeResult = { ok: true; value: string } | { ok: false; error: ProtosListError };

/**
 * Encodes entries in canonical form: `token[;name[=value]]...` joined by `", "`, values quoted only when
 * they hold a character outside `ptoken`. Validates what it writes, so `decodeProtosList(encode(x))`
 * gives `x` back (lowercased names) for every accepted input.
 */
export function encodeProtosList(entries: readonly ProtoEntryInit[]): ProtosEncodeResult {
  if (entries.length === 0)
    return { ok: false, error: { code: 'empty', offset: 0, message: 'no protocol to encode' } };
  const parts: string[] = [];
  for (const e of entries) {
    let part = e.token.toLowerCase();
    for (const [name, value] of e.params ?? []) {
      part += ';' + name.toLowerCase();
      if (value !== null && value !== undefined) part += '=' + encodeValue(value);
    }
    parts.push(part);
  }
  const text = parts.join(', ');
  // Round-trip check: whatever does not decode back is refused (bad token, bad name, limits).
  const back = decodeProtosList(text);
  if (!back.ok) return back;
  return { ok: true, value: text };
}

/** What `encodeProtosList` takes: a token and optional parameters. */
export interface ProtoEntryInit {
  readonly token: string;
  readonly params?: readonly (readonly [string, string | null | undefined])[];
}

function encodeValue(v: string): string {
  let plain = v.length > 0;
  for (let i = 0; i < v.length && plain; i++) if (!isPtokenChar(v.charCodeAt(i))) plain = false;
  if (plain) return v;
  let out = '"';
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    out += c === C_DQUOTE || c === C_BSLASH ? '\\' + v[i] : v[i];
  }
  return out + '"';
}

/** The value of a parameter of an entry (undefined when absent; `null` when valueless). */
export function protoParam(entry: ProtoEntry, name: string): string | null | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of entry.params) if (k === lower) return v;
  return undefined;
}
