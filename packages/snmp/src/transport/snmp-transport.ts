/** Where a message came from / goes to. For stream transports the peer is implicit (`address` informative). */
export interface TransportAddress {
  address: string;
  port: number;
}

/**
 * A message transport for SNMP engines: UDP (RFC 3417), a framed byte stream (RFC 3430 TCP, TLS/SSH
 * call-home later). One whole SNMP message per callback.
 */
export interface SnmpTransport {
  /** True for connection-oriented transports (one fixed peer; `to`/`from` are informative). */
  readonly connected?: boolean;
  send(buf: Buffer, to?: TransportAddress): void;
  onMessage(cb: (buf: Buffer, from: TransportAddress) => void): void;
  close(): Promise<void>;
}
