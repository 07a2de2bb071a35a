import { Transaction, type TransactionInit } from './transaction.js';
import { TransactionState } from './transaction-state.js';
import type { ClientTransactionUser } from './transaction-user.js';

export interface InviteClientTransactionInit<R extends { readonly status: number }> extends TransactionInit {
  /** The serialized INVITE, sent as-is and retransmitted byte for byte. */
  request: Buffer;
  user: ClientTransactionUser<R>;
  /** Builds the ACK for a 300-699 response as §17.1.1.3 describes (the transaction only sends it). */
  buildAck: (res: R) => Buffer;
}

/**
 * The INVITE client transaction, RFC 3261 §17.1.1 as amended by RFC 6026 §7.2 (the Accepted state and
 * Timer M replace the direct Proceeding -> Terminated transition on a 2xx).
 *
 *   Calling --1xx--> Proceeding --300-699 (send ACK)--> Completed --Timer D--> Terminated
 *      |                  |--2xx--> Accepted --Timer M--> Terminated
 *      +--Timer B (timeout) / transport error--> Terminated
 */
export class InviteClientTransaction<R extends { readonly status: number }> extends Transaction {
  readonly kind = 'invite_client' as const;
  private readonly request: Buffer;
  private readonly user: ClientTransactionUser<R>;
  private readonly buildAck: (res: R) => Buffer;
  private ack: Buffer | undefined;
  private timerA = 0;

  constructor(init: InviteClientTransactionInit<R>) {
    super(init, TransactionState.Calling);
    this.request = init.request;
    this.user = init.user;
    this.buildAck = init.buildAck;
    this.metrics?.transactionCreated(this.kind);
  }

  /**
   * §17.1.1.2: "The initial state, "calling", MUST be entered when the TU initiates a new client
   * transaction with an INVITE request. The client transaction MUST pass the request to the transport
   * layer for transmission. If an unreliable transport is being used, the client transaction MUST start
   * timer A with a value of T1. [...] For any transport, the client transaction MUST start timer B with a
   * value of 64*T1 seconds."
   */
  start(): void {
    if (this.current !== TransactionState.Calling) return;
    if (!this.channel.reliable) {
      this.timerA = this.timers.t1;
      this.startTimer('A', this.timerA, () => this.onTimerA());
    }
    this.startTimer('B', this.timers.t1x64, () => this.onTimerB());
    this.transmit(this.request, false);
  }

  /** Feeds a matching response; returns true when it was a retransmission the machine absorbed. */
  receiveResponse(res: R): boolean {
    const status = res.status;
    switch (this.current) {
      case TransactionState.Calling:
      case TransactionState.Proceeding:
        if (status < 200) {
          // "If the client transaction receives a provisional response while in the "Calling" state, it
          // transitions to the "Proceeding" state. [...] Furthermore, the provisional response MUST be
          // passed to the TU."
          if (this.current === TransactionState.Calling) {
            this.current = TransactionState.Proceeding;
            this.stopTimer('A');
            // Timer B only matters in Calling; from here on the TU bounds the wait (CANCEL, Timer C).
            this.stopTimer('B');
          }
          this.user.onResponse(res);
        } else if (status < 300) {
          // RFC 6026 §7.2: a 2xx moves the transaction to Accepted and starts Timer M (64*T1); the 2xx is
          // passed to the TU, which sends the ACK itself.
          this.current = TransactionState.Accepted;
          this.stopTimer('A');
          this.stopTimer('B');
          this.startTimer('M', this.timers.t1x64, () => this.terminate('completed'));
          this.user.onResponse(res);
        } else {
          // "When in either the "Calling" or "Proceeding" states, reception of a response with status code
          // from 300-699 MUST cause the client transaction to transition to "Completed". The client
          // transaction MUST pass the received response up to the TU, and the client transaction MUST
          // generate an ACK request, even if the transport is reliable [...]. The client transaction
          // SHOULD start timer D when it enters the "Completed" state, with a value of at least 32
          // seconds for unreliable transports, and a value of zero seconds for reliable transports."
          this.current = TransactionState.Completed;
          this.stopTimer('A');
          this.stopTimer('B');
          this.ack = this.buildAck(res);
          this.transmit(this.ack, false);
          this.user.onResponse(res);
          if (this.current === TransactionState.Completed) {
            this.startWaitTimer('D', this.channel.reliable ? 0 : this.timers.timerD);
          }
        }
        return false;
      case TransactionState.Completed:
        // "Any retransmissions of the final response that are received while in the "Completed" state
        // MUST cause the ACK to be re-passed to the transport layer for retransmission, but the newly
        // received response MUST NOT be passed up to the TU."
        if (status >= 300 && this.ack) {
          this.absorbedRetransmission('response');
          this.transmit(this.ack, 'request', 'ACK');
          return true;
        }
        return false;
      case TransactionState.Accepted:
        // RFC 6026 §7.2: further 2xx responses in Accepted are passed to the TU (they come from other
        // forks or are retransmissions the TU must ACK again); anything else is discarded.
        if (status >= 200 && status < 300) this.user.onResponse(res);
        return false;
      default:
        return false;
    }
  }

  /**
   * "When timer A fires, the client transaction MUST retransmit the request by passing it to the
   * transport layer, and MUST reset the timer with a value of 2*T1."
   */
  private onTimerA(): void {
    if (this.current !== TransactionState.Calling) return;
    this.timerA *= 2;
    this.startTimer('A', this.timerA, () => this.onTimerA());
    this.transmit(this.request, 'request');
  }

  /**
   * "If the client transaction is still in the "Calling" state when timer B fires, the client transaction
   * SHOULD inform the TU that a timeout has occurred. The client transaction MUST NOT generate an ACK."
   */
  private onTimerB(): void {
    if (this.current !== TransactionState.Calling) return;
    this.user.onTimeout();
    this.terminate('timeout');
  }

  /** §17.1.4: the TU is informed and the transaction goes to Terminated. */
  protected transportFailed(err: Error): void {
    this.user.onTransportError(err);
    this.terminate('transport_error');
  }

  protected notifyTerminated(): void {
    this.user.onTerminated?.();
  }
}
