import { createSocket, type Socket } from 'node:dgram';
import type { Logger } from '@beckon/ops';
import type { SnmpTransport, TransportAddress } from './snmp-transport.js';

export interface UdpTransportInit {
  address?: string;
  port?: number;
  type?: 'udp4' | 'udp6';
  log?: Logger;
}

/** RFC 3417 §3: one SNMP message per UDP datagram. */
export class UdpTransport implements SnmpTransport {
  private listener: ((buf: Buffer, from: TransportAddress) => void) | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly log: Logger | undefined,
  ) {
    socket.on('message', (msg, rinfo) => this.listener?.(msg, { address: rinfo.address, port: rinfo.port }));
    socket.on('error', (err) => this.log?.warn({ err }, 'snmp udp socket error'));
  }

  static async bind(init: UdpTransportInit = {}): Promise<UdpTransport> {
    const socket = createSocket({ type: init.type ?? 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(init.port ?? 0, init.address ?? '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new UdpTransport(socket, init.log?.child({ component: 'snmp.transport.udp' }));
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
    this.socket.send(buf, to.port, to.address, (err) => {
      if (err) this.log?.debug({ err }, 'snmp udp send failed');
    });
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
