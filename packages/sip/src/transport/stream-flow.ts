import type { Socket } from 'node:net';
import type { Logger } from '@beckon/ops';
import { StreamFramerLite, type FramerLiteError, type FramerSink } from './stream-framer-lite.js';
import type { TransportCounters } from './transport-metrics.js';
import type { ConnectionFlow, ConnectionHost } from './connection-flow.js';
import type { Address, FlowCloseReason, SendResult } from './transport-types.js';

export interface StreamFlowInit {
  id: string;
  transport: 'tcp' | 'tls';
  inbound: boolean;
  maxMessageSize: number;
  maxQueuedBytes: number;
  idleTimeoutMs: number;
}

const OK: SendResult = Object.freeze({ ok: true });
const PONG = Buffer.from('\r\n');

/**
 * One TCP or TLS connection. Inbound bytes are framed into messages by Content-Length (RFC 3261 §18.3)
 * and handed upward; CRLF keep-alives are answered (RFC 5626 §4.4.1).
 */
export class StreamFlow implements ConnectionFlow {
  readonly id: string;
  readonly transport: 'tcp' | 'tls';
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
  private readonly framer: StreamFramerLite;

  constructor(
    private readonly socket: Socket,
    private readonly init: StreamFlowInit,
    private readonly host: ConnectionHost,
    private readonly counters: TransportCounters,
    private readonly log: Logger,
  ) {
    this.id = init.id;
    this.transport = init.transport;
    this.secure = init.transport === 'tls';
    this.inbound = init.inbound;
    this.idleTimeoutMs = init.idleTimeoutMs;
    this.local = { address: socket.localAddress ?? '', port: socket.localPort ?? 0 };
    this.remote = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    this.remoteKey = `${init.transport}|${this.remote.address}|${this.remote.port}`;
    const sink: FramerSink = {
      onMessage: (m) => this.deliver(m),
      onPing: () => this.onPing(),
      onPong: () => this.onPong(),
      onError: (e) => this.onFramingError(e),
    };
    this.framer = new StreamFramerLite(sink, init.maxMessageSize);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.counters.bytesIn.inc(chunk.length);
      this.lastActivity = Date.now();
      this.framer.push(chunk);
    });
    socket.on('error', (err: Error) => {
      this.counters.error('socket');
      this.log.debug({ err, flow: this.id }, 'connection error');
      this.closeReason ??= 'error';
    });
    socket.on('close', () => this.finish());
  }

  send(data: Buffer): SendResult {
    if (this.closed || this.socket.destroyed || !this.socket.writable)
      return { ok: false, error: 'flow-closed' };
    if (data.length > this.init.maxMessageSize) {
      this.counters.error('too-large');
      return { ok: false, error: 'too-large' };
    }
    if (this.socket.writableLength > this.init.maxQueuedBytes) {
      this.counters.error('congested');
      return { ok: false, error: 'congested' };
    }
    this.lastActivity = Date.now();
    this.counters.bytesOut.inc(data.length);
    this.counters.messagesOut.inc();
    this.socket.write(data);
    return OK;
  }

  /** Sends a double-CRLF keep-alive ping (RFC 5626 §4.4.1); the pong arrives as onKeepAlive(flow, 'pong'). */
  ping(): SendResult {
    if (this.closed || !this.socket.writable) return { ok: false, error: 'flow-closed' };
    this.counters.bytesOut.inc(4);
    this.socket.write('\r\n\r\n');
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
    this.socket.destroy();
  }

  /** Bytes waiting to be written to the socket. */
  get queuedBytes(): number {
    return this.socket.writableLength;
  }

  private deliver(message: Buffer): void {
    const user = this.host.user;
    if (!user) {
      this.counters.error('no-user');
      return;
    }
    this.counters.messagesIn.inc();
    try {
      user.onMessage(message, this);
    } catch (err) {
      // A bug above must not take the connection or the process down.
      this.counters.error('user-exception');
      this.log.error({ err, flow: this.id }, 'transport user threw on a message');
    }
  }

  private onPing(): void {
    this.counters.keepalives.inc();
    // RFC 5626 §4.4.1: "the server ... MUST respond with a single CRLF (the "pong")".
    if (this.socket.writable) {
      this.counters.bytesOut.inc(2);
      this.socket.write(PONG);
    }
    this.host.user?.onKeepAlive?.(this, 'ping');
  }

  private onPong(): void {
    this.counters.keepalives.inc();
    this.host.user?.onKeepAlive?.(this, 'pong');
  }

  private onFramingError(e: FramerLiteError): void {
    this.counters.error(e);
    this.log.debug({ flow: this.id, remote: this.remote, error: e }, 'stream framing error, closing');
    this.closeWith(e);
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.framer.reset();
    this.host.onConnectionClosed(this, this.closeReason ?? 'remote-closed');
  }
}
