/**
 * The interfaces through which a transaction reports to its transaction user (TU), RFC 3261 §17.
 */

/** The TU of a client transaction (a UAC core or a proxy core). */
export interface ClientTransactionUser<R> {
  /** Every response that the machine passes up (1xx, the first final response, 2xx in Accepted). */
  onResponse(res: R): void;
  /** Timer B or Timer F fired before a final response arrived (§17.1.1.2, §17.1.2.2). */
  onTimeout(): void;
  /** The transport failed to send the request or the ACK (§17.1.4). */
  onTransportError(err: Error): void;
  /** The transaction reached Terminated (any reason); called once, last. */
  onTerminated?(): void;
}

/** The TU of a server transaction (a UAS core or a proxy core). */
export interface ServerTransactionUser<A = unknown> {
  /**
   * RFC 6026 §7.1: an ACK matching an INVITE server transaction in the Accepted state is passed to the TU
   * (it acknowledges a 2xx, which the TU retransmits).
   */
  onAck?(ack: A): void;
  /** Timer H fired: no ACK arrived for a non-2xx final response to an INVITE (§17.2.1). */
  onTimeout?(): void;
  /** The transport failed to send a response (§17.2.4). */
  onTransportError?(err: Error): void;
  /** The transaction reached Terminated (any reason); called once, last. */
  onTerminated?(): void;
}
