import type { TransactionChannel } from './transaction-channel.js';
import type { RetransmitKind, TransactionMetrics } from './transaction-metrics.js';
import { TransactionState, type TransactionKind, type TransactionOutcome } from './transaction-state.js';
import type { TransactionTimers } from './transaction-timers.js';

/** What every transaction machine is built from. */
export interface TransactionInit {
  /** The matching key under which the transaction layer files this transaction. */
  id: string;
  channel: TransactionChannel;
  timers: TransactionTimers;
  metrics?: TransactionMetrics;
  /** Method of the request that created the transaction (labels retransmission counters). */
  method?: string;
}

/**
 * Shared plumbing of the four machines: the state field, named RFC timers (all cleared on termination and
 * on dispose), sending with transport-error capture, and the one-shot termination path.
 *
 * Subclasses hold the state transitions; nothing here decides a transition on its own.
 */
export abstract class Transaction {
  abstract readonly kind: TransactionKind;
  readonly id: string;
  /** Method of the request that created the transaction. */
  readonly method: string;
  protected readonly channel: TransactionChannel;
  protected readonly timers: TransactionTimers;
  protected readonly metrics: TransactionMetrics | undefined;
  protected current: TransactionState;
  private readonly handles = new Map<string, NodeJS.Timeout>();
  private readonly terminationListeners: ((tx: Transaction, outcome: TransactionOutcome) => void)[] = [];

  protected constructor(init: TransactionInit, initial: TransactionState) {
    this.id = init.id;
    this.method = init.method ?? 'other';
    this.channel = init.channel;
    this.timers = init.timers;
    this.metrics = init.metrics;
    this.current = initial;
  }

  get state(): TransactionState {
    return this.current;
  }

  get reliable(): boolean {
    return this.channel.reliable;
  }

  get terminated(): boolean {
    return this.current === TransactionState.Terminated;
  }

  /** Names of the RFC timers currently running (for tests and diagnostics). */
  activeTimers(): string[] {
    return [...this.handles.keys()];
  }

  /** The transaction layer uses this to drop the transaction from its table. */
  onTermination(listener: (tx: Transaction, outcome: TransactionOutcome) => void): void {
    this.terminationListeners.push(listener);
  }

  /** Stops every timer and terminates without telling the TU about a timeout (shutdown path). */
  dispose(): void {
    if (this.current !== TransactionState.Terminated) this.terminate('disposed');
  }

  protected startTimer(name: string, ms: number, fire: () => void): void {
    this.stopTimer(name);
    const h = setTimeout(() => {
      this.handles.delete(name);
      if (this.current !== TransactionState.Terminated) fire();
    }, ms);
    h.unref();
    this.handles.set(name, h);
  }

  protected stopTimer(name: string): void {
    const h = this.handles.get(name);
    if (h !== undefined) {
      clearTimeout(h);
      this.handles.delete(name);
    }
  }

  /**
   * Hands bytes to the channel; `retransmission` says what a retransmission carries (for the counters). A synchronous throw or a rejected promise is a transport error and goes to
   * `transportFailed`, unless the transaction has terminated in the meantime.
   */
  protected transmit(data: Buffer, retransmission: false | RetransmitKind, method = this.method): void {
    if (retransmission !== false) this.metrics?.retransmitted(method, retransmission);
    let pending: void | Promise<void>;
    try {
      pending = this.channel.send(data);
    } catch (err) {
      this.transportFailed(asError(err));
      return;
    }
    if (pending !== undefined) {
      pending.then(undefined, (err: unknown) => {
        if (this.current !== TransactionState.Terminated) this.transportFailed(asError(err));
      });
    }
  }

  /** Counts a retransmitted request or response that reached this transaction and was absorbed. */
  protected absorbedRetransmission(type: 'request' | 'response'): void {
    this.metrics?.absorbed(type);
  }

  /** Called on a transport error while the transaction is alive. */
  protected abstract transportFailed(err: Error): void;

  /** Called once when the transaction reaches Terminated, after timers are cleared, before listeners. */
  protected abstract notifyTerminated(): void;

  protected terminate(outcome: TransactionOutcome): void {
    if (this.current === TransactionState.Terminated) return;
    this.current = TransactionState.Terminated;
    for (const h of this.handles.values()) clearTimeout(h);
    this.handles.clear();
    this.metrics?.transactionEnded(this.kind, outcome);
    this.notifyTerminated();
    for (const l of this.terminationListeners) l(this, outcome);
  }

  /**
   * Starts a "wait" timer that RFC 3261 sets to zero over reliable transports (D, I, J, K). Zero means the
   * transition happens at once, not on the next turn of the event loop.
   */
  protected startWaitTimer(name: string, ms: number, fire: () => void): void {
    if (ms <= 0) fire();
    else this.startTimer(name, ms, fire);
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
