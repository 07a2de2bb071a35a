import type { Socket } from 'node:net';
import type { Logger } from '@beckon/ops';
import type { ConnectionFlow, ConnectionHost } from './connection-flow.js';
import type { TransportCounters } from './transport-metrics.js';
import {
  WsFrameDecoder,
  WsOpcode,
  closePayload,
  encodeWsFrame,
  type WsDecodeError,
} from './ws-frame-codec.js';
import type { Address, FlowCloseReason, SendResult } from './transport-types.js';

export interface WsFlowInit {
  id: string;
  transport: 'ws' | 'wss';
  inbound: boolean;
  /** The server side expects masked frames and sends unmasked ones; the client the reverse. */
  role: 'server' | 'client';
  maxMessageSize: number;
  maxQueuedBytes: number;
  idleTimeoutMs: number;
}

const OK: SendResult = Object.freeze({ ok: true });
const PONG = Buffer.from('\r\n');
/** How long to wait for the peer's close frame / FIN before destroying the socket. */
const CLOSE_GRACE_MS = 1000;

/**
 * One SIP-over-WebSocket connection (RFC 7118), after the HTTP upgrade.
 *
 * RFC 7118 §5.1: "Each SIP message MUST be carried within a single WebSocket message, and a WebSocket
 * message MUST NOT contain more than one SIP message." So no Content-Length framing is needed here.
 */
export class WsFlow implements ConnectionFlow {
  readonly id: string;
  readonly transport: 'ws' | 'wss';
  readonly secure: boolean;
  readonly reliable = true;
  readonly inbound: boolean;
  readonly local: Readonly<Address>;
  readonly remote: Readonly<Address>;
  readonly remoteKey: string;
  requestedKey: string | undefined;
  lastActivity = Date.now();
  idleTimeoutMs: number;
  closed = false;
  private closeReason: FlowCloseReason | undefined;
  private closeSent = false;
  private readonly decoder: WsFrameDecoder;
  private readonly mask: boolean;

  constructor(
    private readonly socket: Socket,
    private readonly init: WsFlowInit,
    private readonly host: ConnectionHost,
    private readonly counters: TransportCounters,
    private readonly log: Logger,
    head?: Buffer,
  ) {
    this.id = init.id;
    this.transport = init.transport;
    this.secure = init.transport === 'wss';
    this.inbound = init.inbound;
    this.idleTimeoutMs = init.idleTimeoutMs;
    this.mask = init.role === 'client';
    this.local = { address: socket.localAddress ?? '', port: socket.localPort ?? 0 };
    this.remote = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    this.remoteKey = `${init.transport}|${this.remote.address}|${this.remote.port}`;
    this.decoder = new WsFrameDecoder(
      {
        onMessage: (p) => this.deliver(p),
        onPing: (p) => this.onWsPing(p),
        onPong: () => this.onKeepAlive('pong'),
        onClose: (code) => this.onWsClose(code),
        onError: (e) => this.onDecodeError(e),
      },
      init.role === 'server',
      init.maxMessageSize,
    );
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: Error) => {
      this.counters.error('socket');
      this.log.debug({ err, flow: this.id }, 'connection error');
      this.closeReason ??= 'error';
    });
    socket.on('close', () => this.finish());
    if (head && head.length > 0) this.onData(head);
  }

  send(data: Buffer): SendResult {
    if (this.closed || this.closeSent || !this.socket.writable) return { ok: false, error: 'flow-closed' };
    if (data.length > this.init.maxMessageSize) {
      this.counters.error('too-large');
      return { ok: false, error: 'too-large' };
    }
    if (this.socket.writableLength > this.init.maxQueuedBytes) {
      this.counters.error('congested');
      return { ok: false, error: 'congested' };
    }
    this.lastActivity = Date.now();
    const frame = encodeWsFrame(WsOpcode.Text, data, this.mask);
    this.counters.bytesOut.inc(frame.length);
    this.counters.messagesOut.inc();
    this.socket.write(frame);
    return OK;
  }

  touch(): void {
    this.lastActivity = Date.now();
  }

  setIdleTimeout(ms: number): void {
    this.idleTimeoutMs = ms;
  }

  close(): void {
    this.closeWith('local-close');
  }

  closeWith(reason: FlowCloseReason): void {
    if (this.closed) return;
    this.closeReason ??= reason;
    if (reason === 'stopped' || !this.socket.writable) {
      this.socket.destroy();
      return;
    }
    const code = reason === 'too-large' ? 1009 : reason === 'ws-protocol-error' ? 1002 : 1000;
    this.sendClose(code);
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  private onData(chunk: Buffer): void {
    this.counters.bytesIn.inc(chunk.length);
    this.lastActivity = Date.now();
    this.decoder.push(chunk);
  }

  private deliver(payload: Buffer): void {
    // CRLF keep-alives inside WebSocket messages, as some SIP stacks send them (RFC 5626 §4.4.1 style).
    if (payload.length <= 4 && payload.length > 0 && isCrlfOnly(payload)) {
      if (payload.length === 4) {
        this.sendRaw(WsOpcode.Text, PONG);
        this.onKeepAlive('ping');
      } else this.onKeepAlive('pong');
      return;
    }
    const user = this.host.user;
    if (!user) {
      this.counters.error('no-user');
      return;
    }
    this.counters.messagesIn.inc();
    try {
      user.onMessage(payload, this);
    } catch (err) {
      this.counters.error('user-exception');
      this.log.error({ err, flow: this.id }, 'transport user threw on a message');
    }
  }

  private onWsPing(payload: Buffer): void {
    // RFC 6455 §5.5.2: "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in response".
    this.sendRaw(WsOpcode.Pong, payload);
    this.onKeepAlive('ping');
  }

  private onKeepAlive(kind: 'ping' | 'pong'): void {
    this.counters.keepalives.inc();
    this.host.user?.onKeepAlive?.(this, kind);
  }

  private onWsClose(code: number): void {
    // RFC 6455 §5.5.1: an endpoint receiving a Close frame sends a Close frame in response.
    this.closeReason ??= 'remote-closed';
    this.sendClose(code === 1005 ? 1000 : code);
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  private onDecodeError(e: WsDecodeError): void {
    this.counters.error(e === 'too-large' ? 'too-large' : 'ws-protocol-error');
    this.log.debug({ flow: this.id, error: e }, 'websocket framing error, closing');
    this.closeWith(e === 'too-large' ? 'too-large' : 'ws-protocol-error');
  }

  private sendClose(code: number): void {
    if (this.closeSent) return;
    this.closeSent = true;
    this.sendRaw(WsOpcode.Close, closePayload(code));
  }

  private sendRaw(opcode: WsOpcode, payload: Buffer): void {
    if (!this.socket.writable) return;
    const frame = encodeWsFrame(opcode, payload, this.mask);
    this.counters.bytesOut.inc(frame.length);
    this.socket.write(frame);
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.host.onConnectionClosed(this, this.closeReason ?? 'remote-closed');
  }
}

function isCrlfOnly(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) {
    const x = b[i];
    if (x !== 13 && x !== 10) return false;
  }
  return true;
}
