import { formatVia, stripIpv6Brackets, type Flow, type SipRequest, type Via } from '@beckon/sip';

/**
 * Records the packet source in the top Via of a request answered outside the SIP core (the stateless
 * REGISTER path), as the core does for its own requests. RFC 3261 §18.2.1: "If the host portion of the
 * "sent-by" parameter contains a domain name, or if it contains an IP address that differs from the
 * packet source address, the server MUST add a "received" parameter". RFC 3581 §4: "If this Via header
 * field value contains an "rport" parameter with no value, it MUST set the value of the parameter to the
 * source port of the request", and then add "received" even when identical.
 *
 * Returns the (possibly updated) top Via, or undefined when the request has no readable Via.
 */
export function stampTopVia(req: SipRequest, flow: Flow): Via | undefined {
  const via = req.topVia();
  if (!via) return undefined;
  const source = flow.remote.address;
  const wantsRport = via.params.get('rport') === null;
  const hostDiffers = stripIpv6Brackets(via.host).toLowerCase() !== source.toLowerCase();
  if (!wantsRport && !hostDiffers) return via;
  const params = new Map(via.params);
  params.set('received', source);
  if (wantsRport) params.set('rport', String(flow.remote.port));
  const updated: Via = { ...via, params };
  req.removeFirstValue('via');
  req.prepend('Via', formatVia(updated));
  return updated;
}
