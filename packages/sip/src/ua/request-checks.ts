import { isSipUri } from '../grammar/uri.js';
import type { SipRequest } from '../message/sip-request.js';
import { KNOWN_METHODS } from '../transaction/sip-methods.js';

/** A rejection the UAS core sends before any handler sees the request. */
export interface Rejection {
  status: number;
  reason?: string;
  headers: [string, string][];
}

export interface RequestCheckConfig {
  /** Methods with a handler (OPTIONS always counts as handled). */
  handled: { has(method: string): boolean };
  /** Value of the Allow header. */
  allow: string;
  /** Option tags this UAS supports (RFC 3261 §8.2.2.3). */
  supported: ReadonlySet<string>;
}

/**
 * The UAS checks of RFC 3261 §8.2 (and the Max-Forwards rule of §16.3 applied to a UAS), in order.
 * Returns undefined when the request may go to its handler.
 */
export function checkRequest(req: SipRequest, cfg: RequestCheckConfig): Rejection | undefined {
  const method = req.method;

  // §16.3 step 3 / §8.2: "If the Max-Forwards value is zero [...] the element MUST NOT forward the request.
  // If the request was for OPTIONS, the element MAY act as the final recipient and respond per Section
  // 11. Otherwise, the element MUST return a 483 (Too many hops) response."
  if (method !== 'OPTIONS' && method !== 'ACK' && method !== 'CANCEL' && req.maxForwards() === 0) {
    return { status: 483, headers: [] };
  }

  // §8.2.1: "If a UAS does not support the method, 405 (Method Not Allowed) [...] The UAS MUST also add an
  // Allow header field to the 405 (Method Not Allowed) response." §21.5.2: 501 Not Implemented "is the
  // appropriate response when a UAS does not recognize the request method".
  if (!cfg.handled.has(method) && method !== 'OPTIONS') {
    if (!KNOWN_METHODS.has(method)) return { status: 501, headers: [['Allow', cfg.allow]] };
    return { status: 405, headers: [['Allow', cfg.allow]] };
  }

  // §8.2.2.1: "If the Request-URI uses a scheme not supported by the UAS, it SHOULD reject the request with
  // a 416 (Unsupported URI Scheme) response."
  if (!isSipUri(req.uri)) return { status: 416, headers: [] };

  // §8.2.2.3: "If a UAS does not understand an option-tag listed in a Require header field, it MUST
  // respond by generating a response with status code 420 (Bad Extension). The UAS MUST add an
  // Unsupported header field, and list in it those options it does not understand". Not for CANCEL
  // (§9.2 ties it to the INVITE) nor ACK (no response).
  if (method !== 'CANCEL') {
    const required = req.getAll('require');
    if (required.length > 0) {
      const unsupported: string[] = [];
      for (const raw of required) {
        const tag = raw.trim().toLowerCase();
        if (tag !== '' && !cfg.supported.has(tag)) unsupported.push(raw.trim());
      }
      if (unsupported.length > 0) return { status: 420, headers: [['Unsupported', unsupported.join(', ')]] };
    }
  }
  return undefined;
}
