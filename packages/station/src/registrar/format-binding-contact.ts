import type { BindingRecord } from '../location/index.js';

/**
 * One Contact value of a REGISTER 200: `<uri>` with the parameters the UA registered (q, +sip.instance,
 * reg-id, ...) and `expires` set to the remaining lifetime in seconds (RFC 3261 §10.3 step 8: "Each
 * Contact value MUST feature an "expires" parameter indicating its expiration interval chosen by the
 * registrar").
 */
export function formatBindingContact(b: BindingRecord, now: number): string {
  let s = '<' + b.contact + '>';
  const params = b.contactParams;
  if (params) {
    for (const k in params) {
      const v = params[k];
      s += v === null || v === undefined ? ';' + k : ';' + k + '=' + v;
    }
  }
  const remaining = Math.max(0, Math.round((b.expiresAt - now) / 1000));
  return s + ';expires=' + remaining;
}
