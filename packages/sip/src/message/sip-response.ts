import { defaultReasonPhrase } from './reason-phrases.js';
import { SipMessage } from './sip-message.js';

/**
 * Why a response was made up locally instead of received (RFC 3261 §8.1.3.1: a transaction timeout is
 * treated as a 408, a transport failure as a 503): `timeout` (Timer B/F), `transport-error`, `no-route`
 * (no target, no listener, unresolvable name), `stopped` (the endpoint was stopped).
 */
export type LocalResponseReason = 'timeout' | 'transport-error' | 'no-route' | 'stopped';

/** A SIP response. */
export class SipResponse extends SipMessage {
  readonly kind = 'response' as const;
  status: number;
  reason: string;
  /**
   * True for a response generated locally by the UAC core (a 408 after a timeout, a 503 after a transport
   * failure) rather than received from the network; `localReason` says why. False for every parsed or
   * built response.
   */
  local = false;
  localReason: LocalResponseReason | undefined;

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
    const c = this.copyInto(new SipResponse(this.status, this.reason));
    c.local = this.local;
    c.localReason = this.localReason;
    return c;
  }

  /** Marks this response as generated locally (see `local`); returns it. */
  markLocal(reason: LocalResponseReason): this {
    this.local = true;
    this.localReason = reason;
    return this;
  }
}
