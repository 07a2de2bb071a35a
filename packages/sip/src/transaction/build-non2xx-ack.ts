import { SipRequest } from '../message/sip-request.js';
import type { SipResponse } from '../message/sip-response.js';

/**
 * The ACK an INVITE client transaction sends for a 300-699 response, RFC 3261 §17.1.1.3:
 *
 * "The ACK request constructed by the client transaction MUST contain values for the Call-ID, From, and
 * Request-URI that are equal to the values of those header fields in the request passed to the transport
 * by the client transaction [...]. The To header field in the ACK MUST equal the To header field in the
 * response being acknowledged [...]. The ACK MUST contain a single Via header field, and this MUST be
 * equal to the top Via header field of the original request. The CSeq header field in the ACK MUST
 * contain the same value for the sequence number as was present in the original request, but the method
 * parameter MUST be equal to "ACK". If the INVITE request whose response is being acknowledged had Route
 * header fields, those header fields MUST appear in the ACK."
 */
export function buildNon2xxAck(invite: SipRequest, response: SipResponse): SipRequest {
  const ack = new SipRequest('ACK', invite.uri, invite.rawUri);
  const topVia = invite.getAll('via')[0];
  if (topVia !== undefined) ack.add('Via', topVia);
  const mf = invite.get('max-forwards');
  ack.add('Max-Forwards', mf ?? '70');
  for (const row of invite.getRows('route')) ack.add('Route', row);
  const from = invite.get('from');
  if (from !== undefined) ack.add('From', from);
  const to = response.get('to') ?? invite.get('to');
  if (to !== undefined) ack.add('To', to);
  ack.add('Call-ID', invite.callId);
  ack.add('CSeq', invite.cseq().seq + ' ACK');
  return ack;
}
