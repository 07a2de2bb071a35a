import type { LaneTimerTarget, TimerLanes } from './timer-lanes.js';
import { Transaction, type TransactionInit } from './transaction.js';
import { TransactionState } from './transaction-state.js';
import type { ClientTransactionUser } from './transaction-user.js';

export interface NonInviteClientTransactionInit<
  R extends { readonly status: number },
> extends TransactionInit {
  /** The serialized request, sent as-is and retransmitted byte for byte. */
  request: Buffer;
  user: ClientTransactionUser<R>;
}

/**
 * The non-INVITE client transaction, RFC 3261 §17.1.2.
 *
 *   Trying --1xx--> Proceeding --200-699--> Completed --Timer K--> Terminated
 *     +--------------200-699----------------^
 *   Trying/Proceeding --Timer F (timeout) / transport error--> Terminated
 */
export class NonInviteClientTransaction<R extends { readonly status: number }>
  extends Transaction
  implements LaneTimerTarget
{
  readonly kind = 'non_invite_client' as const;
  private readonly lanes: TimerLanes | undefined;
  /** Sequence numbers of Timers E and F in `lanes` (0: not running). */
  private seqE = 0;
  private seqF = 0;
  // Both are released once a final response arrived (the TU only when it has no `onTerminated`): a
  // completed transaction lingers for Timer K (5 s over UDP) only to absorb response retransmissions and
  // needs neither, and the TU (with the request it built and whatever waits on it) is collected young.
  private request: Buffer;
  private user: ClientTransactionUser<R>;
  private timerE = 0;

  constructor(init: NonInviteClientTransactionInit<R>) {
    super(init, TransactionState.Trying);
    this.lanes = init.lanes;
    this.request = init.request;
    this.user = init.user;
    this.metrics?.transactionCreated(this.kind);
  }

  /**
   * §17.1.2.2: "The "Trying" state is entered when the TU initiates a new client transaction with a
   * request. When entering this state, the client transaction SHOULD set timer F to fire in 64*T1
   * seconds. The request MUST be passed to the transport layer for transmission. If an unreliable
   * transport is in use, the client transaction MUST set timer E to fire in T1 seconds."
   */
  start(): void {
    if (this.current !== TransactionState.Trying) return;
    const lanes = this.lanes;
    if (lanes) this.seqF = lanes.schedule(this.timers.t1x64, this);
    else this.startTimer('F', this.timers.t1x64, () => this.onTimerF());
    if (!this.channel.reliable) {
      this.timerE = this.timers.t1;
      this.armE();
    }
    this.transmit(this.request, false);
  }

  private armE(): void {
    if (this.lanes) this.seqE = this.lanes.schedule(this.timerE, this);
    else this.startTimer('E', this.timerE, () => this.onTimerE());
  }

  /** LaneTimerTarget: Timer E or F expired in the shared lanes. */
  laneTimerFired(ms: number, seq: number): void {
    if (this.current === TransactionState.Terminated) return;
    if (seq === this.seqE && ms === this.timerE) {
      this.seqE = 0;
      this.onTimerE();
    } else if (seq === this.seqF && ms === this.timers.t1x64) {
      this.seqF = 0;
      this.onTimerF();
    }
  }

  private stopTimersEF(): void {
    const lanes = this.lanes;
    if (lanes) {
      if (this.seqE !== 0) lanes.cancel(this.timerE, this.seqE);
      if (this.seqF !== 0) lanes.cancel(this.timers.t1x64, this.seqF);
      this.seqE = 0;
      this.seqF = 0;
    } else {
      this.stopTimer('E');
      this.stopTimer('F');
    }
  }

  override activeTimers(): string[] {
    const names = super.activeTimers();
    if (this.seqE !== 0) names.push('E');
    if (this.seqF !== 0) names.push('F');
    return names;
  }

  /** Feeds a matching response; returns true when it was a retransmission the machine absorbed. */
  receiveResponse(res: R): boolean {
    const status = res.status;
    switch (this.current) {
      case TransactionState.Trying:
      case TransactionState.Proceeding:
        if (status < 200) {
          // "If a provisional response is received while in the "Trying" state, the response MUST be
          // passed to the TU, and then the client transaction SHOULD move to the "Proceeding" state."
          this.current = TransactionState.Proceeding;
          this.user.onResponse(res);
          return false;
        }
        // "If a final response (status codes 200-699) is received while in the "Trying" state, the
        // response MUST be passed to the TU, and the client transaction MUST transition to the
        // "Completed" state." [...] "Once the client transaction enters the "Completed" state, it MUST set
        // Timer K to fire in T4 seconds for unreliable transports, and zero seconds for reliable
        // transports."
        this.current = TransactionState.Completed;
        this.stopTimersEF();
        this.user.onResponse(res);
        // A TU that asked to hear of the termination keeps being referenced until Timer K.
        if (this.user.onTerminated === undefined) this.release();
        else this.request = NO_BYTES;
        if (this.current === TransactionState.Completed) {
          this.startWaitTimer('K', this.channel.reliable ? 0 : this.timers.t4);
        }
        return false;
      case TransactionState.Completed:
        // "The "Completed" state exists to buffer any additional response retransmissions that may be
        // received."
        this.absorbedRetransmission('response');
        return true;
      default:
        return false;
    }
  }

  /**
   * "If timer E fires while still in this state, the timer is reset, but this time with a value of
   * MIN(2*T1, T2). [...] If timer E fires while in the "Proceeding" state, the request MUST be passed to
   * the transport layer for retransmission, and timer E MUST be reset with a value of T2 seconds."
   */
  private onTimerE(): void {
    if (this.current === TransactionState.Trying) this.timerE = Math.min(2 * this.timerE, this.timers.t2);
    else if (this.current === TransactionState.Proceeding) this.timerE = this.timers.t2;
    else return;
    this.armE();
    this.transmit(this.request, 'request');
  }

  /**
   * "If Timer F fires while the client transaction is still in the "Trying" state, the client transaction
   * SHOULD inform the TU about the timeout, and then it SHOULD enter the "Terminated" state." (The same
   * holds in "Proceeding".)
   */
  private onTimerF(): void {
    if (this.current !== TransactionState.Trying && this.current !== TransactionState.Proceeding) return;
    this.user.onTimeout();
    this.terminate('timeout');
  }

  protected transportFailed(err: Error): void {
    this.user.onTransportError(err);
    this.terminate('transport_error');
  }

  protected notifyTerminated(): void {
    this.stopTimersEF();
    const user = this.user;
    this.release();
    user.onTerminated?.();
  }

  /** Drops the request bytes and the TU (nothing is sent or reported after a final response). */
  private release(): void {
    this.request = NO_BYTES;
    this.user = NO_USER as ClientTransactionUser<R>;
  }
}

const NO_BYTES = Buffer.alloc(0);
const NO_USER: ClientTransactionUser<{ readonly status: number }> = Object.freeze({
  onResponse: () => undefined,
  onTimeout: () => undefined,
  onTransportError: () => undefined,
});
