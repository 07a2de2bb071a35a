import type { Upstream } from './udp-listener.js';
import type { Flow, FlowCloseReason } from './transport-types.js';

/** Connection-oriented transports. */
export type ConnKind = 'tcp' | 'tls' | 'ws' | 'wss';

/** A connection-oriented flow (TCP, TLS, WS, WSS) as the transport layer manages it. */
export interface ConnectionFlow extends Flow {
  readonly transport: ConnKind;
  readonly inbound: boolean;
  /** Key of the destination table: `tcp|127.0.0.1|5060`. */
  readonly remoteKey: string;
  /** Destination key the connection was opened for, when it differs from `remoteKey`. */
  requestedKey: string | undefined;
  lastActivity: number;
  idleTimeoutMs: number;
  closeWith(reason: FlowCloseReason): void;
}

/** What a connection needs from the layer that owns it. */
export interface ConnectionHost extends Upstream {
  onConnectionClosed(flow: ConnectionFlow, reason: FlowCloseReason): void;
}
