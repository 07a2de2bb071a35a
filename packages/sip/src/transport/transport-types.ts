/**
 * Shared vocabulary of the SIP transport layer (RFC 3261 §18). The layer deals in raw bytes only: it
 * frames stream data into whole messages but never parses them, so it does not depend on the message
 * layer above it. Upper layers are reached only through the {@link TransportUser} interface declared here.
 */

/** `ws`/`wss`: SIP over WebSocket (RFC 7118), plain or over TLS. */
export type TransportKind = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

export interface Address {
  address: string;
  port: number;
}

export type SendError =
  | 'connect-failed'
  | 'flow-closed'
  | 'too-large'
  | 'no-listener'
  | 'congested'
  | 'unsupported-transport'
  | 'stopped';

export type SendResult = { ok: true } | { ok: false; error: SendError };

export type FlowCloseReason =
  | 'remote-closed'
  | 'idle'
  | 'error'
  | 'missing-content-length'
  | 'bad-content-length'
  | 'too-large'
  | 'ws-protocol-error'
  | 'local-close'
  | 'stopped';

/**
 * The connection or UDP source a message came on. Responses and in-dialog requests go back over the
 * same flow (RFC 3581 §4, RFC 5626 §5).
 */
export interface Flow {
  /** Stable identifier: `udp:127.0.0.1:5060>127.0.0.1:40000` or `tcp#17`. */
  readonly id: string;
  readonly transport: TransportKind;
  readonly local: Readonly<Address>;
  readonly remote: Readonly<Address>;
  readonly secure: boolean;
  /** True for connection-oriented flows (TCP, TLS, WS). */
  readonly reliable: boolean;
  readonly closed: boolean;
  /** Queues bytes for sending; the result is known synchronously (never throws). */
  send(data: Buffer): SendResult;
  /** Marks the flow as active now (postpones idle reaping). */
  touch(): void;
  /**
   * Idle timeout of this flow in milliseconds; 0 keeps the flow open however long it stays idle (for a
   * flow that carries a registration, RFC 5626 §4.4). No effect on UDP flows.
   */
  setIdleTimeout(ms: number): void;
  /** Closes a connection-oriented flow; no effect on UDP flows. */
  close(): void;
}

export type KeepAliveKind = 'ping' | 'pong';

/** What the layer above implements to receive from the transport layer. */
export interface TransportUser {
  /** One complete SIP message (datagram, or framed from a stream by Content-Length). */
  onMessage(data: Buffer, flow: Flow): void;
  /** A CRLF keep-alive ping (already answered on streams) or pong arrived (RFC 5626 §4.4.1). */
  onKeepAlive?(flow: Flow, kind: KeepAliveKind): void;
  /** A connection-oriented flow was closed. */
  onFlowClosed?(flow: Flow, reason: FlowCloseReason): void;
}

export interface TlsListenerOptions {
  key: string | Buffer;
  cert: string | Buffer;
  ca?: string | Buffer | (string | Buffer)[];
  /** Ask the client for a certificate (mutual TLS); unverified client certificates are still refused. */
  requestCert?: boolean;
}

export interface ListenerSpec {
  transport: TransportKind;
  /** `127.0.0.1`, `::1`, `0.0.0.0`, `::` or another local address. */
  host: string;
  /** 0 picks an ephemeral port. */
  port: number;
  tls?: TlsListenerOptions;
}

export interface TlsClientOptions {
  ca?: string | Buffer | (string | Buffer)[];
  /** Defaults to true; tests with self-signed certificates pass `ca` instead of turning this off. */
  rejectUnauthorized?: boolean;
  /** SNI / certificate name to check; defaults to the target address. */
  servername?: string;
  key?: string | Buffer;
  cert?: string | Buffer;
}

export interface TransportInit {
  listeners: ListenerSpec[];
  /** HTTP path for outgoing WebSocket connections (default `/`). */
  wsPath?: string;
  /** Largest message accepted or sent, bytes (default 65535). */
  maxMessageSize?: number;
  /** Live connections, all transports (default 10000). */
  maxConnections?: number;
  /** Live connections from one remote address (default 100). */
  maxConnectionsPerSource?: number;
  /** Idle connection timeout in ms (default 600000 = 10 min; 0 = never reap). */
  idleTimeoutMs?: number;
  /** How often idle connections are looked for, ms (default: a quarter of the idle timeout, 250..30000). */
  reapIntervalMs?: number;
  /** Outgoing connection establishment limit, ms (default 5000). */
  connectTimeoutMs?: number;
  /** SO_RCVBUF for UDP sockets (default 4 MiB; the kernel may cap it at net.core.rmem_max). */
  recvBufferSize?: number;
  /** SO_SNDBUF for UDP sockets (default 1 MiB). */
  sendBufferSize?: number;
  /**
   * Write the UDP datagrams sent during one event-loop turn together at its end (default true; see
   * UdpListener.sendTo).
   */
  coalesceUdpSends?: boolean;
  /** How many UDP flows are cached per listener (default 65536). */
  maxUdpFlows?: number;
  /** Bytes queued on one connection above which sends are refused with `congested` (default 4 MiB). */
  maxQueuedBytes?: number;
  /** Options for outgoing TLS connections. */
  tlsClient?: TlsClientOptions;
}

export interface ListenerInfo {
  transport: TransportKind;
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}

export interface SendTarget {
  transport: TransportKind;
  address: string;
  port: number;
  /**
   * UDP only: the local listener to send from (its bound address and port), for a station with several
   * listeners whose peers expect requests from one of them (e.g. a restored subscription). A listener
   * bound to a wildcard address matches any `address` with its port. No matching listener: the send fails
   * with `no-listener`. Ignored for connection-oriented transports.
   */
  local?: { address: string; port: number };
}

/** `spec` names the listener that could not be opened (absent when start was called in a wrong state). */
export type StartResult =
  { ok: true; listeners: ListenerInfo[] } | { ok: false; error: string; spec?: ListenerSpec };

/** `[::1]` for IPv6 literals, as they are written in SIP URIs and in flow ids. */
export function formatHostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
