import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import {
  checkServerHandshake,
  clientHandshake,
  newWsKey,
  offersSip,
  serverHandshake,
} from './ws-handshake.js';

export type WsAccept = { ok: true } | { ok: false; error: string };

/**
 * Server side of the opening handshake (RFC 6455 §4.2, RFC 7118 §4): validates the upgrade request and
 * answers 101 with the `sip` subprotocol, or 400 and closes.
 */
export function acceptWsUpgrade(req: IncomingMessage, socket: Socket): WsAccept {
  const key = req.headers['sec-websocket-key'];
  const upgrade = (req.headers.upgrade ?? '').toLowerCase();
  let error: string | undefined;
  if (req.method !== 'GET') error = 'method';
  else if (upgrade !== 'websocket') error = 'upgrade';
  else if (typeof key !== 'string' || key.length < 16) error = 'key';
  else if (req.headers['sec-websocket-version'] !== '13') error = 'version';
  else if (!offersSip(req.headers['sec-websocket-protocol'])) error = 'subprotocol';
  if (error !== undefined || typeof key !== 'string') {
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return { ok: false, error: error ?? 'key' };
  }
  socket.write(serverHandshake(key));
  return { ok: true };
}

const MAX_HANDSHAKE_RESPONSE = 8192;

/**
 * Client side: sends the upgrade request on a connected socket and waits for the 101. Resolves with the
 * bytes that followed the response head (already WebSocket frames).
 */
export function wsClientHandshake(
  socket: Socket,
  address: string,
  port: number,
  path: string,
): Promise<{ ok: true; head: Buffer } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const key = newWsKey();
    let buf = Buffer.alloc(0);
    const done = (r: { ok: true; head: Buffer } | { ok: false; error: string }): void => {
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onClose);
      resolve(r);
    };
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > MAX_HANDSHAKE_RESPONSE) done({ ok: false, error: 'handshake too large' });
        return;
      }
      const check = checkServerHandshake(buf.subarray(0, end).toString('latin1'), key);
      if (!check.ok) return done(check);
      done({ ok: true, head: buf.subarray(end + 4) });
    };
    const onClose = (): void => done({ ok: false, error: 'closed during handshake' });
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', onClose);
    socket.write(clientHandshake(address, port, key, path));
  });
}
