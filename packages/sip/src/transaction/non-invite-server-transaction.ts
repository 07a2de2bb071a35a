import { Transaction, type TransactionInit } from './transaction.js';
import { TransactionState } from './transaction-state.js';
import type { ServerTransactionUser } from './transaction-user.js';

export interface NonInviteServerTransactionInit extends TransactionInit {
  user?: ServerTransactionUser;
}

/**
 * The non-INVITE server transaction, RFC 3261 §17.2.2.
 *
 *   Trying --1xx--> Proceeding --200-699--> Completed --Timer J--> Terminated
 *     +--------------200-699----------------^
 */
export class NonInviteServerTransaction extends Transaction {
  readonly kind = 'non_invite_server' as const;
  private user: ServerTransactionUser;
  private lastResponse: Buffer | undefined;
  private finalStatus = 0;

  constructor(init: NonInviteServerTransactionInit) {
    super(init, TransactionState.Trying);
    this.user = init.user ?? NO_USER;
    this.metrics?.transactionCreated(this.kind);
  }

  setUser(user: ServerTransactionUser): void {
    this.user = user;
  }

  get finalResponseStatus(): number {
    return this.finalStatus;
  }

  /** Sends a response from the TU; false when a final response was already sent. */
  respond(status: number, data: Buffer): boolean {
    if (this.current !== TransactionState.Trying && this.current !== TransactionState.Proceeding)
      return false;
    this.lastResponse = data;
    if (status < 200) {
      // "While in the "Trying" state, if the TU passes a provisional response to the server transaction,
      // the server transaction MUST enter the "Proceeding" state. The response MUST be passed to the
      // transport layer for transmission."
      this.current = TransactionState.Proceeding;
      this.transmit(data, false);
      return true;
    }
    // "If the TU passes a final response (status codes 200-699) to the server while in the "Proceeding"
    // state, the transaction MUST enter the "Completed" state, and the response MUST be passed to the
    // transport layer for transmission. When the server transaction enters the "Completed" state, it MUST
    // set Timer J to fire in 64*T1 seconds for unreliable transports, and zero seconds for reliable
    // transports."
    this.current = TransactionState.Completed;
    this.finalStatus = status;
    this.transmit(data, false);
    if (this.current === TransactionState.Completed) {
      this.startWaitTimer('J', this.channel.reliable ? 0 : this.timers.t1x64);
    }
    return true;
  }

  /** A retransmission of the request matched this transaction. */
  receiveRequestRetransmission(): void {
    this.absorbedRetransmission('request');
    // "Once in the "Trying" state, any further request retransmissions are discarded." In "Proceeding"
    // and "Completed" the last response "MUST be passed to the transport layer for retransmission".
    if (this.current === TransactionState.Proceeding || this.current === TransactionState.Completed) {
      if (this.lastResponse) {
        this.transmit(
          this.lastResponse,
          this.current === TransactionState.Completed ? 'final' : 'provisional',
        );
      }
    }
  }

  /** §17.2.4: "the server transaction SHOULD [...] inform the TU of a transport error". */
  protected transportFailed(err: Error): void {
    this.user.onTransportError?.(err);
    this.terminate('transport_error');
  }

  protected notifyTerminated(): void {
    this.user.onTerminated?.();
  }
}

const NO_USER: ServerTransactionUser = Object.freeze({});
