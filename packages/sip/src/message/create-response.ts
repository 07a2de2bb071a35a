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
