/**
 * Where a transaction sends its bytes: one flow (a UDP 5-tuple or a TCP/TLS connection) chosen by the
 * transaction user before the transaction starts. `reliable` decides whether the retransmission timers
 * (A, E, G) run at all and whether the "wait" timers (D, I, J, K) are zero.
 *
 * `send` may throw or return a rejected promise; either is a transport error (RFC 3261 §17.1.4, §17.2.4)
 * and is reported to the transaction user.
 */
export interface TransactionChannel {
  readonly reliable: boolean;
  send(data: Buffer): void | Promise<void>;
}
