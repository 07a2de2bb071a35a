import { createSocket, type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';
import type { BusyPoll, Logger } from '@beckon/ops';
import type { SnmpTransport, TransportAddress } from './snmp-transport.js';

export interface UdpTransportInit {
  address?: string;
  port?: number;
  type?: 'udp4' | 'udp6';
  log?: Logger;
  /** Kept polling after each datagram received (see BusyPoll); shared by the sockets of one agent. */
  busyPoll?: BusyPoll;
}

/** RFC 3417 §3: one SNMP message per UDP datagram. */
export class UdpTransport implements SnmpTransport {
  private listener: ((buf: Buffer, from: TransportAddress) => void) | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly log: Logger | undefined,
    busyPoll: BusyPoll | undefined,
  ) {
    // rinfo already is a { address, port } (plus family and size): handed on as the TransportAddress
    if (busyPoll?.enabled)
      socket.on('message', (msg, rinfo) => {
        busyPoll.touch();
        this.listener?.(msg, rinfo);
      });
    else socket.on('message', (msg, rinfo) => this.listener?.(msg, rinfo));
    socket.on('error', (err) => this.log?.warn({ err }, 'snmp udp socket error'));
  }

  static async bind(init: UdpTransportInit = {}): Promise<UdpTransport> {
    const socket = createSocket({ type: init.type ?? 'udp4', lookup: literalLookup() });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(init.port ?? 0, init.address ?? '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new UdpTransport(socket, init.log?.child({ component: 'snmp.transport.udp' }), init.busyPoll);
  }

  get localAddress(): TransportAddress {
    const a = this.socket.address();
    return { address: a.address, port: a.port };
  }

  send(buf: Buffer, to?: TransportAddress): void {
    if (!to) {
      this.log?.warn('udp send without destination');
      return;
    }
    // No per-datagram callback (no closure, no completion tick): a failed send is reported through the
    // socket's 'error' event, logged above.
    this.socket.send(buf, to.port, to.address);
  }

  onMessage(cb: (buf: Buffer, from: TransportAddress) => void): void {
    this.listener = cb;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}

/**
 * dgram resolves every destination before sending; Node's default lookup defers even an IP literal to
 * the next tick. Replies go to the literal address a request came from, so literals are answered
 * synchronously (the datagram leaves within send()), and names still go through dns.lookup.
 */
function literalLookup(): (
  host: string,
  opts: LookupOneOptions,
  cb: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
) => void {
  let lastHost = '';
  let lastFamily = 0;
  return (host, opts, cb) => {
    if (host !== lastHost) {
      const family = isIP(host);
      if (family === 0) {
        dnsLookup(host, opts, cb);
        return;
      }
      lastHost = host;
      lastFamily = family;
    }
    cb(null, host, lastFamily);
  };
}
