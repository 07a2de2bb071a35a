/**
 * Raw values of the headers needed to answer a malformed request (RFC 3261 §8.2.6.2), as found in
 * the message. Present on request parse errors when the start line could be read.
 */
export interface SipParsePartial {
  method?: string;
  requestUri?: string;
  via: string[];
  from?: string;
  to?: string;
  callId?: string;
  cseq?: string;
  timestamp?: string;
}

export type SipParseErrorCode =
  | 'empty'
  | 'too-large'
  | 'incomplete'
  | 'bad-start-line'
  | 'bad-version'
  | 'bad-status'
  | 'bad-uri'
  | 'bad-header'
  | 'missing-header'
  | 'duplicate-header'
  | 'method-mismatch'
  | 'bad-content-length'
  | 'content-length-mismatch';

/**
 * A parse failure as a value. `canRespond` is true when the input was a request (not ACK) whose top
 * Via could be read, so that a response can be routed back; `status` is the response code to use
 * (400, or 505 for an unsupported SIP version, 413 for a message too large). `header` names the
 * offending header for header errors.
 */
export interface SipParseError {
  code: SipParseErrorCode;
  reason: string;
  canRespond: boolean;
  status: number;
  header?: string;
  partial?: SipParsePartial;
}

/** Result of a lazily parsed header accessor (`tryFrom()`, `tryContacts()`, ...). */
export type HeaderResult<T> = { ok: true; value: T } | { ok: false; error: SipParseError };

/**
 * Thrown by the throwing accessors (`from()`, `contacts()`, ...) when the header is missing or
 * malformed. Messages returned by `parseMessage` have valid Via, From, To, Call-ID and CSeq headers,
 * so those accessors never throw on them; for other headers of untrusted messages use the `try*`
 * variants, which return the error as a value.
 */
export class SipHeaderError extends Error {
  readonly error: SipParseError;
  constructor(error: SipParseError) {
    super(error.reason);
    this.name = 'SipHeaderError';
    this.error = error;
  }
}
