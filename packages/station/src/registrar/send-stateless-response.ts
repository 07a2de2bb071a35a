import { stripIpv6Brackets, type Flow, type SendResult, type SendTarget, type Via } from '@beckon/sip';

/** What a stateless response needs from the transport layer (TransportLayer implements it). */
export interface ResponseSender {
  send(target: SendTarget | Flow, data: Buffer): Promise<SendResult>;
}

/**
 * Sends a response outside any transaction to where RFC 3261 §18.2.2 (with RFC 3581 §4) says:
 * - reliable transports: "the response MUST be sent using the existing connection to the source of the
 *   original request"; if it has closed, to `received` and the sent-by port over a new connection;
 * - UDP with rport: "the response MUST be sent to the IP address listed in the "received" parameter, and
 *   the port in the "rport" parameter" - that is, back over the flow it came on;
 * - UDP otherwise: to `received` (or the source) at the sent-by port, 5060 by default.
 * Failures are reported as a value (`false`); nothing throws.
 */
export function sendStatelessResponse(
  transport: ResponseSender,
  flow: Flow,
  via: Via,
  data: Buffer,
  onError: (err: unknown) => void,
): boolean {
  if (flow.reliable) {
    if (!flow.closed && flow.send(data).ok) return true;
    if (flow.transport !== 'tcp' && flow.transport !== 'tls') return false;
    const address = stripIpv6Brackets(via.params.get('received') ?? flow.remote.address);
    const port = via.port ?? (flow.transport === 'tls' ? 5061 : 5060);
    transport.send({ transport: flow.transport, address, port }, data).then((r) => {
      if (!r.ok) onError(new Error(r.error));
    }, onError);
    return true;
  }
  const rport = via.params.get('rport');
  const address = stripIpv6Brackets(via.params.get('received') ?? flow.remote.address);
  const port = rport !== undefined && rport !== null ? Number(rport) : (via.port ?? 5060);
  if (address === flow.remote.address && port === flow.remote.port) {
    const r = flow.send(data);
    if (!r.ok) onError(new Error(r.error));
    return r.ok;
  }
  transport.send({ transport: 'udp', address, port }, data).then((r) => {
    if (!r.ok) onError(new Error(r.error));
  }, onError);
  return true;
}
