import { stripIpv6Brackets } from '../grammar/uri.js';
import type { Via } from '../grammar/via.js';
import type { TransactionChannel } from '../transaction/transaction-channel.js';
import type { Flow, TransportKind } from '../transport/transport-types.js';
import {
  flowChannel,
  targetChannel,
  TransportSendError,
  type FlowChannelCache,
  type TargetSender,
} from './flow-channel.js';

/**
 * `cache` (optional) shares one channel per flow between transactions.
 *
 * Where the responses of a server transaction go, RFC 3261 §18.2.2 with RFC 3581 §4 (decided once, from
 * the top Via after `stampVia`):
 *
 * - reliable: "If the "sent-protocol" is a reliable transport protocol such as TCP or SCTP, [...] the
 *   response MUST be sent using the existing connection to the source of the original request [...]. If
 *   that connection is no longer open, the server SHOULD open a connection to the IP address in the
 *   "received" parameter, if present, using the port in the "sent-by" value".
 * - unreliable with rport (RFC 3581 §4): "the response MUST be sent to the IP address listed in the
 *   "received" parameter, and the port in the "rport" parameter", and from the address and port the
 *   request arrived on: the same flow.
 * - unreliable otherwise: "the response MUST be sent to the address in the "received" parameter [...],
 *   using the port indicated in the "sent-by" value, or using port 5060 if none is specified".
 *
 * The multicast `maddr` case of §18.2.2 is not implemented: such responses go to `received` as well.
 */
export function responseChannel(
  transport: TargetSender,
  flow: Flow,
  via: Via,
  cache?: FlowChannelCache,
): TransactionChannel {
  if (flow.reliable) return reliableResponseChannel(transport, flow, via);
  const rport = via.params.get('rport');
  if (rport !== undefined && rport !== null) return flowChannel(flow, cache);
  const address = stripIpv6Brackets(via.params.get('received') ?? flow.remote.address);
  const port = via.port ?? 5060;
  if (address === flow.remote.address && port === flow.remote.port) return flowChannel(flow, cache);
  return targetChannel(transport, { transport: 'udp', address, port });
}

function reliableResponseChannel(transport: TargetSender, flow: Flow, via: Via): TransactionChannel {
  const kind: TransportKind = flow.transport;
  const address = stripIpv6Brackets(via.params.get('received') ?? flow.remote.address);
  const port = via.port ?? (kind === 'tls' ? 5061 : 5060);
  const fallback =
    kind === 'tcp' || kind === 'tls'
      ? targetChannel(transport, { transport: kind, address, port })
      : undefined;
  return {
    reliable: true,
    send(data: Buffer): void | Promise<void> {
      if (!flow.closed) {
        const r = flow.send(data);
        if (r.ok) return;
        if (r.error !== 'flow-closed' || !fallback) throw new TransportSendError(r.error);
      }
      if (!fallback) throw new TransportSendError('flow-closed');
      return fallback.send(data);
    },
  };
}
