import { isIP } from 'node:net';
import { stripIpv6Brackets, type SendTarget, type SipUri, type TransportKind } from '@beckon/sip';

/** A station listener as the proxy sees it (from TransportLayer.listeners()). */
export interface ProxyListener {
  readonly transport: TransportKind;
  readonly address: string;
  readonly port: number;
}

export interface NextHop {
  readonly transport: TransportKind;
  readonly target: SendTarget;
}

/**
 * The next hop for a SIP URI (a Route/Path entry or a Request-URI): maddr or host, the port (5060, or
 * 5061 for TLS) and the transport from `transport=` (sips: means TLS). Only IP literals are resolved:
 * RFC 3263 NAPTR/SRV/A lookups are not done here, so a host name gives undefined.
 */
export function hopFromUri(uri: SipUri): NextHop | undefined {
  const tp = uri.params.get('transport')?.toLowerCase();
  const transport: TransportKind =
    uri.scheme === 'sips' || tp === 'tls' ? 'tls' : tp === 'tcp' ? 'tcp' : tp === 'ws' ? 'ws' : 'udp';
  const address = stripIpv6Brackets(uri.params.get('maddr') ?? uri.host);
  if (isIP(address) === 0) return undefined;
  const port = uri.port ?? (transport === 'tls' ? 5061 : 5060);
  return { transport, target: { transport, address, port } };
}

/** Same as {@link hopFromUri}; named for Request-URI targets. */
export const uriTarget = hopFromUri;
