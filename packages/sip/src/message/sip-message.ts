import { isDigits, isToken } from '../grammar/char-classes.js';
import { parseContactList, parseDeltaSeconds, type Contact } from '../grammar/contact.js';
import { parseCSeq, type CSeq } from '../grammar/cseq.js';
import { paramValue } from '../grammar/header-params.js';
import { parseNameAddr, type NameAddr } from '../grammar/name-addr.js';
import { splitList } from '../grammar/split-list.js';
import { parseViaList, type Via } from '../grammar/via.js';
import { canonicalForKey, headerKey, isListHeader } from './header-names.js';
import { SipHeaderError, type HeaderResult, type SipParseError } from './sip-parse-error.js';

const EMPTY = Buffer.alloc(0);

interface Cache {
  vias?: HeaderResult<Via[]>;
  from?: HeaderResult<NameAddr>;
  to?: HeaderResult<NameAddr>;
  cseq?: HeaderResult<CSeq>;
  contacts?: HeaderResult<Contact[]>;
}

export interface SerializeOptions {
  /**
   * When true, headers are written exactly as held (no Content-Length is added or corrected).
   * Default false: every Content-Length row is replaced by one holding the body length, written
   * where the first one was (or last when there was none).
   */
  keepContentLength?: boolean;
}

function headerError(
  header: string,
  reason: string,
  code: SipParseError['code'] = 'bad-header',
): SipParseError {
  return { code, reason, canRespond: false, status: 400, header };
}

function checkValue(value: string): void {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x0d || c === 0x0a || c === 0) throw new TypeError('header value holds CR, LF or NUL');
  }
}

/**
 * Common base of `SipRequest` and `SipResponse`: an ordered header list plus a body.
 *
 * Header values are kept raw (as received, folding undone) and parsed on first access; parsed
 * results are cached and the cache is cleared by every header mutation. Names are matched
 * case-insensitively and compact forms are accepted (`get('v')` = `get('Via')`); rows are stored
 * under their canonical long name.
 *
 * Error handling of accessors: `tryX()` returns a `HeaderResult` and never throws; `x()` returns the
 * value and throws `SipHeaderError` when the header is missing or malformed. Messages produced by
 * `parseMessage` have Via, From, To, Call-ID and CSeq validated, so `vias()`, `from()`, `to()`,
 * `callId` and `cseq()` never throw on them (unless those headers were later replaced).
 */
export abstract class SipMessage {
  abstract readonly kind: 'request' | 'response';
  /** Message body; for parsed messages it may share memory with the parsed buffer. */
  body: Buffer = EMPTY;
  protected names: string[] = [];
  protected keys: string[] = [];
  protected values: string[] = [];
  private cache: Cache = {};

  /** The start line, without CRLF. */
  abstract startLine(): string;

  // ---- raw header access -------------------------------------------------------------------

  /** Number of header rows. */
  get headerCount(): number {
    return this.keys.length;
  }

  /** Header rows in order, as [canonical name, raw value]. */
  *headers(): IterableIterator<[string, string]> {
    for (let i = 0; i < this.keys.length; i++) yield [this.names[i] as string, this.values[i] as string];
  }

  /** First raw value of a header (whole row: a list header row is not split). */
  get(name: string): string | undefined {
    const key = headerKey(name);
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) return this.values[i];
    return undefined;
  }

  /**
   * All values of a header in order. Rows of list headers (Via, Contact, Route, Supported, ...) are
   * split at top-level commas (commas inside quotes or `<>` do not split); other headers give one
   * value per row.
   */
  getAll(name: string): string[] {
    const key = headerKey(name);
    const list = isListHeader(key);
    const out: string[] = [];
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] !== key) continue;
      const v = this.values[i] as string;
      if (list) {
        for (const part of splitList(v)) if (part !== '') out.push(part);
      } else {
        out.push(v);
      }
    }
    return out;
  }

  /** Raw rows of a header, unsplit. */
  getRows(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] === key) out.push(this.values[i] as string);
    return out;
  }

  has(name: string): boolean {
    const key = headerKey(name);
    return this.keys.includes(key);
  }

  /** Replaces all rows of `name` with one row holding `value` (at the first row's position). */
  set(name: string, value: string): this {
    checkValue(value);
    const key = headerKey(name);
    const at = this.keys.indexOf(key);
    if (at < 0) return this.add(name, value);
    this.values[at] = value;
    for (let i = this.keys.length - 1; i > at; i--) if (this.keys[i] === key) this.removeAt(i);
    this.cache = {};
    return this;
  }

  /** Appends a row. */
  add(name: string, value: string): this {
    checkValue(value);
    const key = headerKey(name);
    if (!isToken(name)) throw new TypeError(`bad header name ${JSON.stringify(name)}`);
    this.names.push(canonicalForKey(key, name));
    this.keys.push(key);
    this.values.push(value);
    this.cache = {};
    return this;
  }

  /** Inserts a row before the first row of the same header (or first of all when there is none). */
  prepend(name: string, value: string): this {
    checkValue(value);
    const key = headerKey(name);
    if (!isToken(name)) throw new TypeError(`bad header name ${JSON.stringify(name)}`);
    let at = this.keys.indexOf(key);
    if (at < 0) at = 0;
    this.names.splice(at, 0, canonicalForKey(key, name));
    this.keys.splice(at, 0, key);
    this.values.splice(at, 0, value);
    this.cache = {};
    return this;
  }

  /** Removes every row of `name`; returns how many were removed. */
  remove(name: string): number {
    const key = headerKey(name);
    let n = 0;
    for (let i = this.keys.length - 1; i >= 0; i--) {
      if (this.keys[i] === key) {
        this.removeAt(i);
        n++;
      }
    }
    if (n > 0) this.cache = {};
    return n;
  }

  /**
   * Removes the first value of a list header (e.g. the top Via or the top Route): when the first row
   * holds several comma-separated values only the first is dropped. Returns the removed value.
   */
  removeFirstValue(name: string): string | undefined {
    const key = headerKey(name);
    const at = this.keys.indexOf(key);
    if (at < 0) return undefined;
    const parts = splitList(this.values[at] as string);
    const first = parts.shift();
    if (parts.length === 0) this.removeAt(at);
    else this.values[at] = parts.join(', ');
    this.cache = {};
    return first;
  }

  private removeAt(i: number): void {
    this.names.splice(i, 1);
    this.keys.splice(i, 1);
    this.values.splice(i, 1);
  }

  /** @internal Used by the parser and by copying helpers: appends a row without checks. */
  _pushRaw(name: string, key: string, value: string): void {
    this.names.push(name);
    this.keys.push(key);
    this.values.push(value);
  }

  /**
   * @internal Used by the parser: takes over freshly built row arrays (the message owns them from now
   * on; the caller must not keep or modify them). Replaces every row.
   */
  _adoptRows(names: string[], keys: string[], values: string[]): void {
    this.names = names;
    this.keys = keys;
    this.values = values;
    this.cache = {};
  }

  /** @internal Header rows as parallel arrays (keys are lowercase long names); do not modify. */
  _rows(): { names: readonly string[]; keys: readonly string[]; values: readonly string[] } {
    return { names: this.names, keys: this.keys, values: this.values };
  }

  /** @internal Used by the parser to seed the parsed-header cache. */
  _seedCache(c: Cache): void {
    this.cache = c;
  }

  // ---- parsed accessors ---------------------------------------------------------------------

  private single(key: string, display: string): HeaderResult<string> {
    let found: string | undefined;
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] === key) {
        if (found !== undefined)
          return { ok: false, error: headerError(display, `more than one ${display}`, 'duplicate-header') };
        found = this.values[i];
      }
    }
    if (found === undefined)
      return { ok: false, error: headerError(display, `missing ${display}`, 'missing-header') };
    return { ok: true, value: found };
  }

  /** All Via values, top first. */
  tryVias(): HeaderResult<Via[]> {
    const c = this.cache.vias;
    if (c !== undefined) return c;
    const rows = this.getRows('via');
    let r: HeaderResult<Via[]>;
    if (rows.length === 0) {
      r = { ok: false, error: headerError('Via', 'missing Via', 'missing-header') };
    } else {
      const all: Via[] = [];
      r = { ok: true, value: all };
      for (const row of rows) {
        const p = parseViaList(row);
        if (!p.ok) {
          r = { ok: false, error: headerError('Via', `bad Via: ${p.reason}`) };
          break;
        }
        for (const v of p.value) all.push(v);
      }
    }
    this.cache.vias = r;
    return r;
  }

  vias(): Via[] {
    return unwrap(this.tryVias());
  }

  /** Top Via, or undefined when there is none or the Via header is malformed. */
  topVia(): Via | undefined {
    const r = this.tryVias();
    return r.ok ? r.value[0] : undefined;
  }

  private nameAddr(which: 'from' | 'to'): HeaderResult<NameAddr> {
    const c = this.cache[which];
    if (c !== undefined) return c;
    const display = which === 'from' ? 'From' : 'To';
    const raw = this.single(which, display);
    let r: HeaderResult<NameAddr>;
    if (!raw.ok) {
      r = raw;
    } else {
      const p = parseNameAddr(raw.value);
      r = p.ok ? p : { ok: false, error: headerError(display, `bad ${display}: ${p.reason}`) };
    }
    this.cache[which] = r;
    return r;
  }

  tryFrom(): HeaderResult<NameAddr> {
    return this.nameAddr('from');
  }
  from(): NameAddr {
    return unwrap(this.nameAddr('from'));
  }
  tryTo(): HeaderResult<NameAddr> {
    return this.nameAddr('to');
  }
  to(): NameAddr {
    return unwrap(this.nameAddr('to'));
  }

  /** From tag (undefined when absent or when From is malformed). */
  get fromTag(): string | undefined {
    const r = this.nameAddr('from');
    return r.ok ? paramValue(r.value.params, 'tag') : undefined;
  }

  /** To tag (undefined when absent or when To is malformed). */
  get toTag(): string | undefined {
    const r = this.nameAddr('to');
    return r.ok ? paramValue(r.value.params, 'tag') : undefined;
  }

  tryCallId(): HeaderResult<string> {
    const raw = this.single('call-id', 'Call-ID');
    if (!raw.ok) return raw;
    // RFC 3261 §25.1: callid = word [ "@" word ] (no whitespace)
    const v = raw.value;
    if (v.length === 0 || hasWhitespace(v))
      return { ok: false, error: headerError('Call-ID', 'bad Call-ID') };
    return raw;
  }

  /** Call-ID; throws SipHeaderError when missing (never on parsed messages). */
  get callId(): string {
    return unwrap(this.tryCallId());
  }

  tryCSeq(): HeaderResult<CSeq> {
    const c = this.cache.cseq;
    if (c !== undefined) return c;
    const raw = this.single('cseq', 'CSeq');
    let r: HeaderResult<CSeq>;
    if (!raw.ok) {
      r = raw;
    } else {
      const p = parseCSeq(raw.value);
      r = p.ok ? p : { ok: false, error: headerError('CSeq', `bad CSeq: ${p.reason}`) };
    }
    this.cache.cseq = r;
    return r;
  }

  cseq(): CSeq {
    return unwrap(this.tryCSeq());
  }

  /** Contact values (empty array when there is no Contact header). */
  tryContacts(): HeaderResult<Contact[]> {
    const c = this.cache.contacts;
    if (c !== undefined) return c;
    const rows = this.getRows('contact');
    const all: Contact[] = [];
    let r: HeaderResult<Contact[]> = { ok: true, value: all };
    for (const row of rows) {
      const p = parseContactList(row);
      if (!p.ok) {
        r = { ok: false, error: headerError('Contact', `bad Contact: ${p.reason}`) };
        break;
      }
      for (const v of p.value) all.push(v);
    }
    if (r.ok && rows.length > 1 && all.some((x) => x.star)) {
      r = { ok: false, error: headerError('Contact', "'*' mixed with other Contact values") };
    }
    this.cache.contacts = r;
    return r;
  }

  contacts(): Contact[] {
    return unwrap(this.tryContacts());
  }

  /**
   * Max-Forwards (RFC 3261 §20.22: 1*DIGIT, in practice 0-255): undefined when absent, malformed or
   * above 255 (RFC 4475 §3.1.2.4 allows treating an overlarge value as absent).
   */
  maxForwards(): number | undefined {
    const v = this.get('max-forwards');
    if (v === undefined || !isDigits(v) || v.length > 10) return undefined;
    const n = Number(v);
    return n <= 255 ? n : undefined;
  }

  /** Expires header in seconds: undefined when absent, malformed or above 2^32-1. */
  expires(): number | undefined {
    const v = this.get('expires');
    return v === undefined ? undefined : parseDeltaSeconds(v);
  }

  /** Content-Type, raw (undefined when absent). */
  get contentType(): string | undefined {
    return this.get('content-type');
  }

  // ---- output -------------------------------------------------------------------------------

  /** The message as wire bytes: start line, headers, empty line, body. */
  serialize(options?: SerializeOptions): Buffer {
    const keep = options?.keepContentLength === true;
    let s = this.startLine() + '\r\n';
    let clDone = keep;
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) {
      if (!keep && keys[i] === 'content-length') {
        if (!clDone) {
          s += 'Content-Length: ' + this.body.length + '\r\n';
          clDone = true;
        }
        continue;
      }
      s += this.names[i] + ': ' + this.values[i] + '\r\n';
    }
    if (!clDone) s += 'Content-Length: ' + this.body.length + '\r\n';
    s += '\r\n';
    if (this.body.length === 0) return Buffer.from(s, 'utf8');
    const headLen = Buffer.byteLength(s, 'utf8');
    const out = Buffer.allocUnsafe(headLen + this.body.length);
    out.write(s, 0, 'utf8');
    this.body.copy(out, headLen);
    return out;
  }

  /** The serialized message as a string (UTF-8), mainly for logs and tests. */
  toString(): string {
    return this.serialize().toString('utf8');
  }

  /** @internal Copies header rows and body into `target`. */
  protected copyInto<T extends SipMessage>(target: T): T {
    target.names = this.names.slice();
    target.keys = this.keys.slice();
    target.values = this.values.slice();
    target.body = this.body;
    return target;
  }
}

/** Same as /\s/.test(v) (the ECMAScript WhiteSpace and LineTerminator set), without a regular expression. */
function hasWhitespace(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c <= 0x20) {
      if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) return true;
    } else if (c >= 0x80 && isUnicodeSpace(c)) return true;
  }
  return false;
}

function isUnicodeSpace(c: number): boolean {
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

function unwrap<T>(r: HeaderResult<T>): T {
  if (r.ok) return r.value;
  throw new SipHeaderError(r.error);
}
