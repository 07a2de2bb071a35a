import { Transaction, type TransactionInit } from './transaction.js';
import { TransactionState } from './transaction-state.js';
import type { ServerTransactionUser } from './transaction-user.js';

export interface InviteServerTransactionInit<A> extends TransactionInit {
  user?: ServerTransactionUser<A>;
}

/**
 * The INVITE server transaction, RFC 3261 §17.2.1 as amended by RFC 6026 §7.1 (a 2xx moves it to
 * Accepted, where Timer L keeps it alive to absorb INVITE retransmissions and pass ACKs to the TU).
 *
 *   Proceeding --300-699--> Completed --ACK--> Confirmed --Timer I--> Terminated
 *       |                      +--Timer H (no ACK)--> Terminated
 *       +--2xx--> Accepted --Timer L--> Terminated
 */
export class InviteServerTransaction<A = unknown> extends Transaction {
  readonly kind = 'invite_server' as const;
  private user: ServerTransactionUser<A>;
  private lastResponse: Buffer | undefined;
  private finalStatus = 0;
  private timerG = 0;

  constructor(init: InviteServerTransactionInit<A>) {
    super(init, TransactionState.Proceeding);
    this.user = init.user ?? {};
    this.metrics?.transactionCreated(this.kind);
  }

  setUser(user: ServerTransactionUser<A>): void {
    this.user = user;
  }

  /** The final status sent, 0 while none has been sent. */
  get finalResponseStatus(): number {
    return this.finalStatus;
  }

  /**
   * Sends a response from the TU. Returns false when the state does not accept one (a final response was
   * already sent, except 2xx retransmissions in Accepted which RFC 6026 lets the TU pass down).
   */
  respond(status: number, data: Buffer): boolean {
    switch (this.current) {
      case TransactionState.Proceeding:
        if (status < 200) {
          // "The TU passes any number of provisional responses to the server transaction. So long as the
          // server transaction is in the "Proceeding" state, each of these MUST be passed to the
          // transport layer for transmission."
          this.lastResponse = data;
          this.transmit(data, false);
        } else if (status < 300) {
          // RFC 6026 §7.1: a 2xx from the TU moves the transaction to Accepted and starts Timer L (64*T1).
          this.current = TransactionState.Accepted;
          this.finalStatus = status;
          this.lastResponse = data;
          this.startTimer('L', this.timers.t1x64, () => this.terminate('completed'));
          this.transmit(data, false);
        } else {
          // "If, while in the "Proceeding" state, the TU passes a response with status code from 300 to
          // 699 to the server transaction, the response MUST be passed to the transport layer for
          // transmission, and the state machine MUST enter the "Completed" state. For unreliable
          // transports, timer G is set to fire in T1 seconds [...]. When the "Completed" state is
          // entered, timer H MUST be set to fire in 64*T1 seconds for all transports."
          this.current = TransactionState.Completed;
          this.finalStatus = status;
          this.lastResponse = data;
          if (!this.channel.reliable) {
            this.timerG = this.timers.t1;
            this.startTimer('G', this.timerG, () => this.onTimerG());
          }
          this.startTimer('H', this.timers.t1x64, () => this.onTimerH());
          this.transmit(data, false);
        }
        return true;
      case TransactionState.Accepted:
        // RFC 6026 §7.1: 2xx retransmissions from the TU in Accepted are passed to the transport.
        if (status >= 200 && status < 300) {
          this.transmit(data, 'final');
          return true;
        }
        return false;
      default:
        return false;
    }
  }

  /** A retransmission of the INVITE matched this transaction. */
  receiveRequestRetransmission(): void {
    this.absorbedRetransmission('request');
    switch (this.current) {
      case TransactionState.Proceeding:
        // "If a request retransmission is received while in the "Proceeding" state, the most recent
        // provisional response that was received from the TU MUST be passed to the transport layer for
        // retransmission."
        if (this.lastResponse) this.transmit(this.lastResponse, 'provisional');
        return;
      case TransactionState.Completed:
        // "Furthermore, while in the "Completed" state, if a request retransmission is received, the server
        // SHOULD pass the response to the transport for retransmission."
        if (this.lastResponse) this.transmit(this.lastResponse, 'final');
        return;
      default:
        // Accepted (RFC 6026: absorbed, the TU retransmits the 2xx), Confirmed: absorbed.
        return;
    }
  }

  /** An ACK matched this transaction (same branch, or RFC 2543 rules); true when it was absorbed as a
   * retransmission (Confirmed). */
  receiveAck(ack: A): boolean {
    switch (this.current) {
      case TransactionState.Completed:
        // "If an ACK is received while the server transaction is in the "Completed" state, the server
        // transaction MUST transition to the "Confirmed" state. As Timer G is ignored in this state, any
        // retransmissions of the response will cease." [...] "timer I is set to fire in T4 seconds for
        // unreliable transports, and zero seconds for reliable transports."
        this.current = TransactionState.Confirmed;
        this.stopTimer('G');
        this.stopTimer('H');
        this.startWaitTimer('I', this.channel.reliable ? 0 : this.timers.t4);
        return false;
      case TransactionState.Accepted:
        // RFC 6026 §7.1: an ACK in Accepted is passed to the TU.
        this.user.onAck?.(ack);
        return false;
      case TransactionState.Confirmed:
        // "the purpose of the "Confirmed" state is to absorb any additional ACK messages".
        this.absorbedRetransmission('request');
        return true;
      default:
        return false;
    }
  }

  /**
   * "If timer G fires, the response is passed to the transport layer once more for retransmission, and
   * timer G is set to fire in MIN(2*T1, T2) seconds. From then on, when timer G fires, the response is
   * passed to the transport again for transmission, and timer G is reset with a value that doubles,
   * unless that value exceeds T2, in which case it is reset with the value of T2."
   */
  private onTimerG(): void {
    if (this.current !== TransactionState.Completed || !this.lastResponse) return;
    this.timerG = Math.min(2 * this.timerG, this.timers.t2);
    this.startTimer('G', this.timerG, () => this.onTimerG());
    this.transmit(this.lastResponse, 'final');
  }

  /**
   * "If timer H fires while in the "Completed" state, it implies that the ACK was never received. In
   * this case, the server transaction MUST transition to the "Terminated" state, and MUST indicate to the
   * TU that a transaction failure has occurred."
   */
  private onTimerH(): void {
    if (this.current !== TransactionState.Completed) return;
    this.user.onTimeout?.();
    this.terminate('timeout');
  }

  /**
   * §17.2.4 and RFC 6026 §7.1: a transport failure is reported to the TU; outside Accepted the transaction
   * ends. In Accepted the TU owns 2xx retransmission, so the transaction stays to keep absorbing
   * retransmitted INVITEs until Timer L.
   */
  protected transportFailed(err: Error): void {
    this.user.onTransportError?.(err);
    if (this.current !== TransactionState.Accepted) this.terminate('transport_error');
  }

  protected notifyTerminated(): void {
    this.user.onTerminated?.();
  }
}
