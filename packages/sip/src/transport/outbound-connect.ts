import net from 'node:net';
import tls from 'node:tls';
import type { ConnKind } from './connection-flow.js';
import type { TlsClientOptions } from './transport-types.js';
import { wsClientHandshake } from './ws-upgrade.js';

export interface OutboundInit {
  transport: ConnKind;
  address: string;
  port: number;
  connectTimeoutMs: number;
  tlsClient: TlsClientOptions | undefined;
  wsPath: string;
}

export type OutboundResult =
  | { ok: true; socket: net.Socket; head: Buffer | undefined }
  | { ok: false; error: 'connect-failed' | 'ws-handshake'; detail: string };

/**
 * Opens an outgoing connection (TCP, TLS, and for WS/WSS the RFC 7118 §4 opening handshake with the
 * `sip` subprotocol), all under one connect timeout. The socket is in `pending` while it is being
 * established so that the owner can destroy it on stop; it is removed before this resolves.
 */
export function openOutbound(init: OutboundInit, pending: Set<net.Socket>): Promise<OutboundResult> {
  const { transport, address, port } = init;
  return new Promise((resolve) => {
    let socket: net.Socket;
    const secure = transport === 'tls' || transport === 'wss';
    const readyEvent = secure ? 'secureConnect' : 'connect';
    if (secure) {
      const o = init.tlsClient ?? {};
      socket = tls.connect({
        host: address,
        port,
        ca: o.ca,
        key: o.key,
        cert: o.cert,
        rejectUnauthorized: o.rejectUnauthorized ?? true,
        servername: o.servername ?? (net.isIP(address) ? undefined : address),
      });
    } else {
      socket = net.connect({ host: address, port });
    }
    pending.add(socket);
    socket.setTimeout(init.connectTimeoutMs);
    const finish = (r: OutboundResult): void => {
      pending.delete(socket);
      if (r.ok) socket.setTimeout(0);
      else socket.destroy();
      resolve(r);
    };
    const fail = (why: string): void => {
      cleanup();
      finish({ ok: false, error: 'connect-failed', detail: why });
    };
    const onError = (err: Error): void => fail(err.message);
    const onTimeout = (): void => fail('timeout');
    const onClose = (): void => fail('closed');
    const onReady = (): void => {
      cleanup();
      if (transport !== 'ws' && transport !== 'wss') return finish({ ok: true, socket, head: undefined });
      const onHsTimeout = (): void => void socket.destroy();
      socket.once('timeout', onHsTimeout);
      void wsClientHandshake(socket, address, port, init.wsPath).then((r) => {
        socket.off('timeout', onHsTimeout);
        finish(
          r.ok ? { ok: true, socket, head: r.head } : { ok: false, error: 'ws-handshake', detail: r.error },
        );
      });
    };
    const cleanup = (): void => {
      socket.off('error', onError);
      socket.off('close', onClose);
      socket.off('timeout', onTimeout);
      socket.off(readyEvent, onReady);
    };
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.on('timeout', onTimeout);
    socket.on(readyEvent, onReady);
  });
}
