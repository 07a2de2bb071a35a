import type { Duplex } from 'node:stream';
import type { SnmpAgent } from '../agent/snmp-agent.js';
import type { SnmpTransport, TransportAddress } from '../transport/snmp-transport.js';
import { StreamTransport } from '../transport/stream-transport.js';
import type { TmStateReference } from './tm-state-reference.js';
import type { TransportSecurityModel } from './transport-security-model.js';

/**
 * One authenticated TLS or SSH session as an SnmpTransport: every message it delivers is processed
 * with the session's tmStateReference bound in the TSM (RFC 5590 §5.2: the transport model passes
 * tmStateReference with each incoming message). Works for both roles: `agent.attach(t)` on the
 * command responder, `new CommandGenerator({ transport: t })` on the command generator.
 */
export class SecureSessionTransport implements SnmpTransport {
  readonly connected = true;

  constructor(
    private readonly inner: SnmpTransport,
    readonly tmState: TmStateReference,
    private readonly tsm: TransportSecurityModel,
  ) {}

  send(buf: Buffer, to?: TransportAddress): void {
    this.inner.send(buf, to);
  }

  onMessage(cb: (buf: Buffer, from: TransportAddress) => void): void {
    this.inner.onMessage((buf, from) => this.tsm.withTransportState(this.tmState, () => cb(buf, from)));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

export interface SecureStreamInit {
  /** Largest message accepted (default 65535). */
  maxMessageSize?: number;
  onError?(reason: string): void;
}

/**
 * A secure stream (TLS socket or SSH `snmp` subsystem channel) wrapped as a SecureSessionTransport.
 * Both TLSTM (RFC 6353) and SSHTM (RFC 5592) carry whole SNMP messages back to back on the stream,
 * delimited by the BER length of each message (the RFC 3430 serialization used by StreamTransport).
 */
export function secureStreamTransport(
  stream: Duplex,
  tmState: TmStateReference,
  tsm: TransportSecurityModel,
  init: SecureStreamInit = {},
): SecureSessionTransport {
  const st = new StreamTransport(stream, {
    peer: tmState.tmTransportAddress,
    ...(init.maxMessageSize !== undefined ? { maxMessageSize: init.maxMessageSize } : {}),
    ...(init.onError ? { onError: init.onError } : {}),
  });
  return new SecureSessionTransport(st, tmState, tsm);
}

/**
 * Command responder side: serves SNMP on one secure session until the stream closes (then detaches).
 * Returns the transport (close it to end the session).
 */
export function attachSecureSession(
  agent: SnmpAgent,
  tsm: TransportSecurityModel,
  stream: Duplex,
  tmState: TmStateReference,
  init: SecureStreamInit = {},
): SecureSessionTransport {
  const t = secureStreamTransport(stream, tmState, tsm, init);
  const detach = agent.attach(t);
  stream.once('close', detach);
  return t;
}
