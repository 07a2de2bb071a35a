import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import { isSipUri, stripIpv6Brackets, type Uri } from '../grammar/uri.js';
import type { Flow, ListenerInfo, SendTarget } from '../transport/transport-types.js';
import { formatHostPort } from '../transport/transport-types.js';
import { flowChannel, targetChannel, type TargetSender } from './flow-channel.js';
import type { UacRoute } from './uac-request.js';

/** What the UAC side needs from the transport: sending and the listener list. */
export interface UacTransport extends TargetSender {
  listeners(): ListenerInfo[];
}

/**
 * Where an outgoing request goes and which Via sent-by it carries: over a given flow, or to a
 * transport/address/port from a listener of the right transport and family (or the one named by
 * `SendTarget.local`).
 */
export class UacTargets {
  /** Routes over UDP flows, which depend on the flow alone (its local address and port). */
  private readonly udpRoutes = new WeakMap<Flow, UacRoute>();

  constructor(
    private readonly transport: UacTransport,
    private readonly advertisedHost: string | undefined,
  ) {}

  routeFor(dest: Flow | SendTarget): UacRoute | undefined {
    if (isFlow(dest)) {
      if (!dest.reliable) {
        let r = this.udpRoutes.get(dest);
        if (r === undefined) {
          r = {
            channel: flowChannel(dest),
            viaTransport: dest.transport.toUpperCase(),
            sentBy: formatHostPort(this.hostFor(dest.local.address), dest.local.port),
          };
          this.udpRoutes.set(dest, r);
        }
        return r;
      }
      const listener = this.listenerFor(dest.transport, dest.local.address);
      const port = dest.reliable && listener ? listener.port : dest.local.port;
      return {
        channel: flowChannel(dest),
        viaTransport: dest.transport.toUpperCase(),
        sentBy: formatHostPort(this.hostFor(dest.local.address), port),
      };
    }
    const listener =
      dest.local !== undefined && dest.transport === 'udp'
        ? this.udpListenerAt(dest.local.address, dest.local.port)
        : this.listenerFor(dest.transport, isIP(dest.address) === 6 ? '::' : '0.0.0.0');
    if (!listener) return undefined;
    return {
      channel: targetChannel(this.transport, dest),
      viaTransport: dest.transport.toUpperCase(),
      sentBy: formatHostPort(
        this.hostFor(
          dest.local !== undefined && dest.transport === 'udp'
            ? stripIpv6Brackets(dest.local.address)
            : listener.address,
        ),
        listener.port,
      ),
    };
  }

  private listenerFor(transport: string, likeAddress: string): ListenerInfo | undefined {
    const family = isIP(stripIpv6Brackets(likeAddress)) === 6 ? 'IPv6' : 'IPv4';
    const all = this.transport.listeners();
    // Without a listener of that transport (an outgoing-only TCP connection, say) the Via still needs a
    // sent-by: any listener of the family will do, responses come back over the connection anyway.
    return (
      all.find((l) => l.transport === transport && l.family === family) ??
      all.find((l) => l.transport === transport) ??
      all.find((l) => l.family === family) ??
      all[0]
    );
  }

  /** The UDP listener a `SendTarget.local` names (exact address, else the wildcard one on that port). */
  private udpListenerAt(address: string, port: number): ListenerInfo | undefined {
    const bare = stripIpv6Brackets(address);
    const all = this.transport.listeners().filter((l) => l.transport === 'udp' && l.port === port);
    return (
      all.find((l) => l.address === bare) ??
      all.find(
        (l) =>
          (l.address === '0.0.0.0' || l.address === '::') && (isIP(bare) === 6) === (l.family === 'IPv6'),
      )
    );
  }

  hostFor(address: string): string {
    if (address === '0.0.0.0' || address === '::')
      return this.advertisedHost ?? (address === '::' ? '::1' : '127.0.0.1');
    return address;
  }
}

function isFlow(t: Flow | SendTarget): t is Flow {
  return typeof (t as Flow).send === 'function' && typeof (t as Flow).id === 'string';
}

/**
 * The target of a Request-URI: IP literal or A/AAAA lookup (no RFC 3263 NAPTR/SRV); the transport from
 * the scheme and `transport` parameter.
 */
export async function targetFromUri(uri: Uri): Promise<SendTarget | undefined> {
  if (!isSipUri(uri)) return undefined;
  const tp = uri.params.get('transport');
  const transport =
    uri.scheme === 'sips' ? 'tls' : tp === 'tcp' ? 'tcp' : tp === 'tls' ? 'tls' : tp === 'ws' ? 'ws' : 'udp';
  const port = uri.port ?? (transport === 'tls' ? 5061 : 5060);
  let address = stripIpv6Brackets(uri.params.get('maddr') ?? uri.host);
  if (isIP(address) === 0) {
    try {
      address = (await lookup(address)).address;
    } catch {
      return undefined;
    }
  }
  return { transport, address, port };
}
