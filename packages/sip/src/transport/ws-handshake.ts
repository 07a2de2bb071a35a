import { createHash, randomBytes } from 'node:crypto';
import { formatHostPort } from './transport-types.js';

/** RFC 6455 §1.3: the GUID appended to Sec-WebSocket-Key before hashing. */
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** RFC 7118 §4: the WebSocket subprotocol for SIP. */
export const SIP_WS_PROTOCOL = 'sip';

/** Sec-WebSocket-Accept = base64(SHA-1(key + GUID)) (RFC 6455 §4.2.2). */
export function wsAcceptKey(key: string): string {
  return createHash('sha1')
    .update(key + WS_GUID)
    .digest('base64');
}

export function newWsKey(): string {
  return randomBytes(16).toString('base64');
}

/**
 * RFC 7118 §4.1 (shortened): the client "MUST include the value "sip" in the Sec-WebSocket-Protocol
 * header field" of its handshake request.
 */
export function clientHandshake(address: string, port: number, key: string, path = '/'): string {
  return (
    `GET ${path} HTTP/1.1\r\nHost: ${formatHostPort(address, port)}\r\nUpgrade: websocket\r\n` +
    `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
    `Sec-WebSocket-Protocol: ${SIP_WS_PROTOCOL}\r\n\r\n`
  );
}

export function serverHandshake(key: string): string {
  return (
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${wsAcceptKey(key)}\r\nSec-WebSocket-Protocol: ${SIP_WS_PROTOCOL}\r\n\r\n`
  );
}

export type HandshakeCheck = { ok: true } | { ok: false; error: string };

/** Checks the server's 101 answer to our handshake (head = bytes up to and including CRLFCRLF). */
export function checkServerHandshake(head: string, key: string): HandshakeCheck {
  const lines = head.split('\r\n');
  if (!/^HTTP\/1\.1 101\b/.test(lines[0] ?? '')) return { ok: false, error: 'not 101' };
  const h = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) h.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
  }
  if (h.get('sec-websocket-accept') !== wsAcceptKey(key)) return { ok: false, error: 'bad accept key' };
  if ((h.get('sec-websocket-protocol') ?? '').toLowerCase() !== SIP_WS_PROTOCOL) {
    return { ok: false, error: 'no sip subprotocol' };
  }
  return { ok: true };
}

/** True when the comma-separated Sec-WebSocket-Protocol offer contains `sip`. */
export function offersSip(header: string | string[] | undefined): boolean {
  if (header === undefined) return false;
  const v = Array.isArray(header) ? header.join(',') : header;
  return v.split(',').some((p) => p.trim().toLowerCase() === SIP_WS_PROTOCOL);
}
