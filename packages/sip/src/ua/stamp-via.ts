import { stripIpv6Brackets } from '../grammar/uri.js';
import { formatVia } from '../grammar/via.js';
import type { SipMessage } from '../message/sip-message.js';
import type { Flow } from '../transport/transport-types.js';

/**
 * Records where a request really came from in its top Via (RFC 3261 §18.2.1, RFC 3581 §4). Returns
 * false when the request has no readable top Via (the caller drops it). Also used on the stateless 400
 * built from a request that failed to parse (its Via rows copied raw).
 *
 * §18.2.1: "When the server transport receives a request over any transport, it MUST examine the value
 * of the "sent-by" parameter in the top Via header field value. If the host portion of the "sent-by"
 * parameter contains a domain name, or if it contains an IP address that differs from the packet source
 * address, the server MUST add a "received" parameter to that Via header field value."
 *
 * RFC 3581 §4: "If this Via header field value contains an "rport" parameter with no value, it MUST set
 * the value of the parameter to the source port of the request. [...] the server MUST add a "received"
 * parameter containing the source IP address that the request came from, even if it is identical to the
 * value of the "sent-by" component."
 */
export function stampVia(req: SipMessage, flow: Flow): boolean {
  const via = req.topVia();
  if (!via) return false;
  const source = flow.remote.address;
  const rport = via.params.get('rport');
  const wantsRport = rport === null;
  const hostDiffers = stripIpv6Brackets(via.host).toLowerCase() !== source.toLowerCase();
  if (!wantsRport && !hostDiffers) return true;
  const params = new Map(via.params);
  params.set('received', source);
  if (wantsRport) params.set('rport', String(flow.remote.port));
  const updated = formatVia({ ...via, params });
  req.removeFirstValue('via');
  req.prepend('Via', updated);
  return true;
}
