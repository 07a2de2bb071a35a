import { isToken } from '../grammar/char-classes.js';
import { canonicalForKey, headerKey, knownHeaderName } from './header-names.js';
import { defaultReasonPhrase } from './reason-phrases.js';
import { SipResponse } from './sip-response.js';
import type { SipRequest } from './sip-request.js';
import type { SipParseError } from './sip-parse-error.js';

export interface CreateResponseOptions {
  /** To-tag to add when the request's To has none (RFC 3261 §8.2.6.2). */
  toTag?: string;
  /** Extra header rows appended after the copied ones, in order. */
  headers?: Iterable<readonly [string, string]>;
  /** Body of the response (Content-Type must be given in `headers`). */
  body?: Buffer;
}

function hasTag(request: SipRequest, toValue: string): boolean {
  if (request.toTag !== undefined) return true;
  // A To that parsed has no tag; only an unreadable one needs the textual check.
  return !request.tryTo().ok && /;\s*tag\s*=/i.test(toValue);
}

/**
 * Builds a response to `request` per RFC 3261 §8.2.6.2:
 * "The From field of the response MUST equal the From header field of the request. The Call-ID
 * header field of the response MUST equal the Call-ID header field of the request. The CSeq header
 * field of the response MUST equal the CSeq field of the request. The Via header field values in
 * the response MUST equal the Via header field values in the request and MUST maintain the same
 * ordering." "if the request contained a To tag in the request, the To header field in the
 * response MUST equal that of the request. However, if the To header field in the request did not
 * contain a tag, the URI in the To header field in the response MUST equal the URI in the To header
 * field; additionally, the UAS MUST add a tag to the To header field in the response (with the
 * exception of the 100 (Trying) response, in which a tag MAY be present)."
 * §8.2.6.1: "If there is a Timestamp header field in the request, the UAS MUST copy it into the
 * 100 (Trying) response."
 * Header values are copied raw. The To tag is added only when `options.toTag` is given.
 */
export function createResponse(
  request: SipRequest,
  status: number,
  reason?: string,
  options?: CreateResponseOptions,
): SipResponse {
  const res = new SipResponse(status, reason);
  const { keys, values } = request._rows();
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    switch (key) {
      case 'via':
        res._pushRaw('Via', key, values[i] as string);
        break;
      case 'from':
        res._pushRaw('From', key, values[i] as string);
        break;
      case 'call-id':
        res._pushRaw('Call-ID', key, values[i] as string);
        break;
      case 'cseq':
        res._pushRaw('CSeq', key, values[i] as string);
        break;
      case 'to': {
        const value = values[i] as string;
        let v = value;
        if (options?.toTag !== undefined && !hasTag(request, value)) v = value + ';tag=' + options.toTag;
        res._pushRaw('To', 'to', v);
        break;
      }
      case 'timestamp':
        if (status === 100) res._pushRaw('Timestamp', key, values[i] as string);
        break;
    }
  }
  for (const [n, v] of options?.headers ?? []) res.add(n, v);
  if (options?.body !== undefined) res.body = options.body;
  return res;
}

/**
 * The wire bytes of `createResponse(request, status, reason, options).serialize()`, byte for byte, built
 * in one pass: no response object, no header arrays, one string and one buffer. For senders that only
 * transmit the response (stateless answers); the same checks apply (TypeError on a bad status, a reason
 * or header value holding CR/LF/NUL, a header name that is not a token).
 */
export function serializeResponse(
  request: SipRequest,
  status: number,
  reason?: string,
  options?: CreateResponseOptions,
): Buffer {
  let s = responseStatusLine(status, reason);
  const { keys, values } = request._rows();
  for (let i = 0; i < keys.length; i++) {
    switch (keys[i]) {
      case 'via':
        s += 'Via: ' + (values[i] as string) + '\r\n';
        break;
      case 'from':
        s += 'From: ' + (values[i] as string) + '\r\n';
        break;
      case 'call-id':
        s += 'Call-ID: ' + (values[i] as string) + '\r\n';
        break;
      case 'cseq':
        s += 'CSeq: ' + (values[i] as string) + '\r\n';
        break;
      case 'to': {
        const value = values[i] as string;
        s +=
          options?.toTag !== undefined && !hasTag(request, value)
            ? 'To: ' + value + ';tag=' + options.toTag + '\r\n'
            : 'To: ' + value + '\r\n';
        break;
      }
      case 'timestamp':
        if (status === 100) s += 'Timestamp: ' + (values[i] as string) + '\r\n';
        break;
    }
  }
  return finishResponse(s, options);
}

/**
 * `SIP/2.0 <status> <reason>` and CRLF, the reason defaulting to the status's phrase. TypeError on a bad
 * status, or a reason holding CR or LF.
 */
export function responseStatusLine(status: number, reason?: string): string {
  if (!Number.isInteger(status) || status < 100 || status > 699) {
    throw new TypeError(`bad SIP status code ${status}`);
  }
  if (reason !== undefined && /[\r\n]/.test(reason)) throw new TypeError('reason phrase holds CR or LF');
  return 'SIP/2.0 ' + status + ' ' + (reason ?? defaultReasonPhrase(status)) + '\r\n';
}

/**
 * The rest of {@link serializeResponse} once `head` (the status line and the rows copied from the
 * request, each ending CRLF) is written: `options.headers`, Content-Length, the empty line and the body.
 * For a sender that copied the request's rows itself (the registrar's quick path); same checks.
 */
export function finishResponse(
  head: string,
  options?: Pick<CreateResponseOptions, 'headers' | 'body'>,
): Buffer {
  let s = head;
  const body = options?.body;
  const bodyLength = body === undefined ? 0 : body.length;
  // As SipMessage.serialize: every Content-Length row becomes one with the body length, written where
  // the first one was (or last when there is none).
  let clDone = false;
  if (options?.headers !== undefined) {
    for (const [n, v] of options.headers) {
      checkHeaderValue(v);
      let key: string;
      let name: string;
      const known = knownHeaderName(n);
      if (known !== undefined) {
        key = known.key;
        name = known.canonical;
      } else {
        if (!isToken(n)) throw new TypeError(`bad header name ${JSON.stringify(n)}`);
        key = headerKey(n);
        name = canonicalForKey(key, n);
      }
      if (key === 'content-length') {
        if (!clDone) {
          s += 'Content-Length: ' + bodyLength + '\r\n';
          clDone = true;
        }
        continue;
      }
      s += name + ': ' + v + '\r\n';
    }
  }
  if (!clDone) s += 'Content-Length: ' + bodyLength + '\r\n';
  s += '\r\n';
  if (body === undefined || bodyLength === 0) return Buffer.from(s, 'utf8');
  const headLen = Buffer.byteLength(s, 'utf8');
  const out = Buffer.allocUnsafe(headLen + bodyLength);
  out.write(s, 0, 'utf8');
  body.copy(out, headLen);
  return out;
}

function checkHeaderValue(value: string): void {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x0d || c === 0x0a || c === 0) throw new TypeError('header value holds CR, LF or NUL');
  }
}

/**
 * Builds the response for a request that failed to parse (`error.canRespond` true), copying the
 * raw Via/From/To/Call-ID/CSeq values that were found. Returns undefined when the error does not
 * allow a response. `status` defaults to `error.status` (400, 505, ...); the reason phrase carries
 * the parse reason (RFC 3261 §21.4.1: "The reason phrase SHOULD identify the syntax problem in more
 * detail").
 */
export function createErrorResponse(
  error: SipParseError,
  toTag?: string,
  status?: number,
): SipResponse | undefined {
  const p = error.partial;
  if (!error.canRespond || p === undefined) return undefined;
  const code = status ?? error.status;
  const reasonText = code === 400 ? 'Bad Request - ' + error.reason.replace(/[\r\n]/g, ' ') : undefined;
  const res = new SipResponse(code, reasonText);
  for (const v of p.via) res._pushRaw('Via', 'via', v);
  if (p.from !== undefined) res._pushRaw('From', 'from', p.from);
  if (p.to !== undefined) {
    const tagged = toTag !== undefined && !/;\s*tag\s*=/i.test(p.to) ? p.to + ';tag=' + toTag : p.to;
    res._pushRaw('To', 'to', tagged);
  }
  if (p.callId !== undefined) res._pushRaw('Call-ID', 'call-id', p.callId);
  if (p.cseq !== undefined) res._pushRaw('CSeq', 'cseq', p.cseq);
  return res;
}
