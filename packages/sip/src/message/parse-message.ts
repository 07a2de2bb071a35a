import { isDigits, isLws, isToken, isWsp, trimLws } from '../grammar/char-classes.js';
import { isSipUri, parseUri } from '../grammar/uri.js';
import { parseViaList } from '../grammar/via.js';
import { headerKey, headerNameInfo, knownHeaderName } from './header-names.js';
import type { SipMessage } from './sip-message.js';
import type { SipParseError, SipParseErrorCode, SipParsePartial } from './sip-parse-error.js';
import { SipRequest } from './sip-request.js';
import { SipResponse } from './sip-response.js';

export interface ParseOptions {
  /** Largest accepted message in bytes (default 65535, the largest UDP payload). */
  maxSize?: number;
  /**
   * Stream transports (RFC 3261 §18.3): "In the case of stream-oriented transports such as TCP,
   * the Content-Length header field indicates the size of the body. All SIP implementations MUST
   * be able to ... [it] MUST be used with stream oriented transports." Default false (datagram).
   */
  requireContentLength?: boolean;
}

export type ParseResult =
  { ok: true; message: SipRequest | SipResponse } | { ok: false; error: SipParseError };

const CRLFCRLF = Buffer.from('\r\n\r\n');
const LFLF = Buffer.from('\n\n');

interface Ctx {
  isRequest: boolean;
  method?: string;
  requestUri?: string;
  names: string[];
  keys: string[];
  values: string[];
}

function partialOf(ctx: Ctx): SipParsePartial {
  const p: SipParsePartial = { via: [] };
  if (ctx.method !== undefined) p.method = ctx.method;
  if (ctx.requestUri !== undefined) p.requestUri = ctx.requestUri;
  for (let i = 0; i < ctx.keys.length; i++) {
    const v = ctx.values[i] as string;
    switch (ctx.keys[i]) {
      case 'via':
        p.via.push(v);
        break;
      case 'from':
        p.from ??= v;
        break;
      case 'to':
        p.to ??= v;
        break;
      case 'call-id':
        p.callId ??= v;
        break;
      case 'cseq':
        p.cseq ??= v;
        break;
      case 'timestamp':
        p.timestamp ??= v;
        break;
    }
  }
  return p;
}

function fail(
  code: SipParseErrorCode,
  reason: string,
  ctx: Ctx | undefined,
  extra?: { header?: string; status?: number },
): ParseResult {
  const error: SipParseError = {
    code,
    reason,
    canRespond: false,
    status: extra?.status ?? 400,
  };
  if (extra?.header !== undefined) error.header = extra.header;
  if (ctx !== undefined && ctx.isRequest) {
    error.partial = partialOf(ctx);
    const top = error.partial.via[0];
    error.canRespond = ctx.method !== 'ACK' && top !== undefined && parseViaList(top).ok;
  }
  return { ok: false, error };
}

function isSipVersion(v: string): boolean {
  return /^SIP\/\d+\.\d+$/i.test(v);
}

/**
 * Parses one SIP message from a buffer (a UDP datagram, or a frame cut by `StreamFramer`).
 * Never throws: bad input gives `{ ok: false, error }`. The start line and every header row are
 * split once; header values stay raw except Via, From, To, CSeq and Call-ID, which are validated
 * (RFC 3261 §8.1.1, §8.2.2: a request lacking them gets 400) and cached. Leading CRLFs are skipped
 * (RFC 3261 §7.5). The body is a view of `buf` (no copy).
 */
export function parseMessage(buf: Buffer, options?: ParseOptions): ParseResult {
  const max = options?.maxSize ?? 65535;
  if (buf.length > max) {
    return fail('too-large', `message of ${buf.length} bytes exceeds ${max}`, undefined, { status: 513 });
  }
  let start = 0;
  while (start < buf.length && (buf[start] === 0x0d || buf[start] === 0x0a)) start++;
  if (start >= buf.length) return fail('empty', 'no message', undefined);
  let headEnd = buf.indexOf(CRLFCRLF, start);
  let sepLen = 4;
  if (headEnd < 0) {
    headEnd = buf.indexOf(LFLF, start);
    sepLen = 2;
    if (headEnd < 0) return fail('incomplete', 'no empty line after the headers', undefined);
  }
  const head = buf.toString('utf8', start, headEnd);
  let eol = head.indexOf('\n');
  let line = eol < 0 ? head : head.slice(0, eol);
  if (line.charCodeAt(line.length - 1) === 0x0d) line = line.slice(0, -1);

  const ctx: Ctx = { isRequest: !line.startsWith('SIP/'), names: [], keys: [], values: [] };
  // ---- start line
  let status = 0;
  let reason = '';
  let method = '';
  let rawUri = '';
  if (!ctx.isRequest) {
    // RFC 3261 §7.2: Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF
    const sp = line.indexOf(' ');
    if (sp < 0 || !isSipVersion(line.slice(0, sp)))
      return fail('bad-start-line', 'bad status line', undefined);
    if (line.slice(0, sp).toUpperCase() !== 'SIP/2.0')
      return fail('bad-version', 'unsupported SIP version', undefined);
    const code = line.slice(sp + 1, sp + 4);
    const after = line.charCodeAt(sp + 4);
    if (!/^[1-6]\d\d$/.test(code) || !(Number.isNaN(after) || after === 0x20)) {
      return fail('bad-status', 'bad status code', undefined);
    }
    status = Number(code);
    reason = line.slice(sp + 5);
  } else {
    // RFC 3261 §7.1: Request-Line = Method SP Request-URI SP SIP-Version CRLF
    // "The elements are separated by single space (SP) characters."
    const sp1 = line.indexOf(' ');
    const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
    if (sp1 <= 0 || sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0) {
      return fail(
        'bad-start-line',
        'request line must be three elements separated by single spaces',
        undefined,
      );
    }
    method = line.slice(0, sp1);
    rawUri = line.slice(sp1 + 1, sp2);
    const version = line.slice(sp2 + 1);
    if (!isToken(method)) return fail('bad-start-line', 'bad method', undefined);
    ctx.method = method;
    ctx.requestUri = rawUri;
    if (version !== 'SIP/2.0' && version.toUpperCase() !== 'SIP/2.0') {
      if (isSipVersion(version)) {
        // RFC 3261 §8.2.2 / §21.5.6: 505 Version Not Supported
        ctx.isRequest = true;
        return collectThenFail(head, eol, ctx, 'bad-version', 'unsupported SIP version', 505);
      }
      return fail('bad-start-line', 'bad SIP version', undefined);
    }
  }

  // ---- header rows
  let lineError: string | undefined;
  const { names, keys, values } = ctx;
  while (eol >= 0) {
    const ls = eol + 1;
    eol = head.indexOf('\n', ls);
    let le = eol < 0 ? head.length : eol;
    if (le > ls && head.charCodeAt(le - 1) === 0x0d) le--;
    if (le === ls) continue;
    const c0 = head.charCodeAt(ls);
    if (isWsp(c0)) {
      // RFC 3261 §7.3.1: header values can be folded onto multiple lines if the continuation line
      // begins with a space or horizontal tab. All linear white space, including folding, has the
      // same semantics as SP.
      if (values.length === 0) {
        lineError ??= 'continuation line before any header';
        continue;
      }
      const more = trimLws(head.slice(ls, le));
      const last = values.length - 1;
      values[last] = values[last] === '' ? more : more === '' ? values[last]! : values[last] + ' ' + more;
      continue;
    }
    const colon = head.indexOf(':', ls);
    if (colon < 0 || colon >= le) {
      lineError ??= 'header line without colon';
      continue;
    }
    let ne = colon;
    while (ne > ls && isWsp(head.charCodeAt(ne - 1))) ne--;
    const name = head.slice(ls, ne);
    // A usual spelling of a known name is a token already: one Map lookup instead of a scan + lowercase.
    let info = knownHeaderName(name);
    if (info === undefined) {
      if (!isToken(name)) {
        lineError ??= `bad header name ${JSON.stringify(name)}`;
        continue;
      }
      info = headerNameInfo(name);
    }
    names.push(info.canonical);
    keys.push(info.key);
    // Value without surrounding LWS, cut once.
    let vs = colon + 1;
    let ve = le;
    while (vs < ve && isLws(head.charCodeAt(vs))) vs++;
    while (ve > vs && isLws(head.charCodeAt(ve - 1))) ve--;
    values.push(head.slice(vs, ve));
  }
  if (lineError !== undefined) return fail('bad-header', lineError, ctx);

  // ---- body and Content-Length
  // RFC 3261 §18.3: "If a message is received with a Content-Length that is larger than the
  // remaining bytes ... a 400 (Bad Request)". "the message body ... extends to the end of the
  // datagram" when Content-Length is absent on datagram transports.
  const bodyStart = headEnd + sepLen;
  let cl = -1;
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] !== 'content-length') continue;
    const v = values[i] as string;
    if (v.length > 10 || !isDigits(v))
      return fail('bad-content-length', `bad Content-Length ${JSON.stringify(v)}`, ctx);
    const n = Number(v);
    if (cl >= 0 && n !== cl) return fail('bad-content-length', 'conflicting Content-Length values', ctx);
    cl = n;
  }
  let body: Buffer;
  if (cl < 0) {
    if (options?.requireContentLength === true) {
      return fail('missing-header', 'Content-Length is required on stream transports', ctx, {
        header: 'Content-Length',
      });
    }
    body = buf.subarray(bodyStart);
  } else {
    if (bodyStart + cl > buf.length) {
      return fail(
        'content-length-mismatch',
        `Content-Length ${cl} exceeds the ${buf.length - bodyStart} body bytes`,
        ctx,
      );
    }
    body = buf.subarray(bodyStart, bodyStart + cl);
  }

  // ---- message object and mandatory headers
  let msg: SipRequest | SipResponse;
  if (ctx.isRequest) {
    if (rawUri.length === 0) return fail('bad-uri', 'empty Request-URI', ctx);
    const u = parseUri(rawUri);
    if (!u.ok) return fail('bad-uri', `bad Request-URI: ${u.reason}`, ctx);
    // RFC 3261 §19.1.1 table 1: headers are not allowed in a Request-URI.
    if (isSipUri(u.value) && u.value.headers.size > 0) {
      return fail('bad-uri', 'Request-URI must not contain headers', ctx);
    }
    msg = new SipRequest(method, u.value, rawUri);
  } else {
    msg = new SipResponse(status, reason.replace(/[\r\n]/g, ' '));
  }
  // The message takes the row arrays over: ctx is only read again (by `fail`) for its values, which
  // validation never changes.
  msg._adoptRows(names, keys, values);
  msg.body = body;
  return validate(msg, ctx);
}

function validate(msg: SipRequest | SipResponse, ctx: Ctx): ParseResult {
  // RFC 3261 §8.1.1: "A valid SIP request formulated by a UAC MUST, at a minimum, contain the
  // following header fields: To, From, CSeq, Call-ID, Max-Forwards, and Via".
  const vias = msg.tryVias();
  const checks = [vias, msg.tryFrom(), msg.tryTo(), msg.tryCallId(), msg.tryCSeq()];
  for (const r of checks) {
    if (!r.ok) {
      return fail(r.error.code, r.error.reason, ctx, { ...headerOf(r.error.header) });
    }
  }
  const mf = msg.getRows('max-forwards');
  if (mf.length > 1)
    return fail('duplicate-header', 'more than one Max-Forwards', ctx, { header: 'Max-Forwards' });
  const mf0 = mf[0];
  if (mf0 !== undefined && (mf0.length > 10 || !isDigits(mf0))) {
    return fail('bad-header', 'bad Max-Forwards', ctx, { header: 'Max-Forwards' });
  }
  if (msg.kind === 'request') {
    // RFC 3261 §8.1.1.5: "The method MUST match that of the request."
    const cseq = msg.cseq();
    if (cseq.method !== msg.method) {
      return fail('method-mismatch', `CSeq method ${cseq.method} does not match ${msg.method}`, ctx, {
        header: 'CSeq',
      });
    }
  }
  return { ok: true, message: msg };
}

function headerOf(h: string | undefined): { header?: string } {
  return h === undefined ? {} : { header: h };
}

/** Collects header rows (for `partial`) and then reports `code`. */
function collectThenFail(
  head: string,
  eol: number,
  ctx: Ctx,
  code: SipParseErrorCode,
  reason: string,
  status: number,
): ParseResult {
  while (eol >= 0) {
    const ls = eol + 1;
    eol = head.indexOf('\n', ls);
    const lineText = head.slice(ls, eol < 0 ? head.length : eol).replace(/\r$/, '');
    const colon = lineText.indexOf(':');
    if (colon <= 0 || isWsp(lineText.charCodeAt(0))) continue;
    const key = headerKey(lineText.slice(0, colon).trim());
    ctx.names.push(key);
    ctx.keys.push(key);
    ctx.values.push(trimLws(lineText.slice(colon + 1)));
  }
  return fail(code, reason, ctx, { status });
}

/** Type guard helpers for code that receives `SipMessage`. */
export function isRequest(m: SipMessage): m is SipRequest {
  return m.kind === 'request';
}
export function isResponse(m: SipMessage): m is SipResponse {
  return m.kind === 'response';
}
