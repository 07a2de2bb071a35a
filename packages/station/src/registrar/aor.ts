import type { SipUri } from '@beckon/sip';

/**
 * The canonical address-of-record of a To URI (RFC 3261 §10.3 step 5: "The registrar extracts the
 * address-of-record from the To header field of the request. [...] the URI MUST then be converted to a
 * canonical form. To do that, all URI parameters MUST be removed (including the user-param), and any
 * escaped characters MUST be converted to their unescaped form."). Beckon's form is `sip:user@host` with
 * the host lowercased (hosts compare case-insensitively, §19.1.4) and no port; a sips: To gives the same
 * AOR as sip: (one binding table per user). Undefined when the URI has no user part.
 */
export function aorOf(uri: SipUri): string | undefined {
  if (uri.user === undefined || uri.user === '') return undefined;
  return 'sip:' + uri.user + '@' + uri.host.toLowerCase();
}

/** The AOR of `user` in `domain`, same canonical form as {@link aorOf}. */
export function aorFor(user: string, domain: string): string {
  return 'sip:' + user + '@' + domain.toLowerCase();
}
