import { defaultReasonPhrase } from './reason-phrases.js';
import { SipMessage } from './sip-message.js';

/** A SIP response. */
export class SipResponse extends SipMessage {
  readonly kind = 'response' as const;
  status: number;
  reason: string;

  /**
   * @param status 100-699 (throws TypeError otherwise: a programming error)
   * @param reason reason phrase; defaults to the RFC phrase for the code
   */
  constructor(status: number, reason?: string) {
    super();
    if (!Number.isInteger(status) || status < 100 || status > 699) {
      throw new TypeError(`bad SIP status code ${status}`);
    }
    if (reason !== undefined && /[\r\n]/.test(reason)) throw new TypeError('reason phrase holds CR or LF');
    this.status = status;
    this.reason = reason ?? defaultReasonPhrase(status);
  }

  startLine(): string {
    return 'SIP/2.0 ' + this.status + ' ' + this.reason;
  }

  clone(): SipResponse {
    return this.copyInto(new SipResponse(this.status, this.reason));
  }
}
