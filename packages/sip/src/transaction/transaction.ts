import type { TransactionChannel } from './transaction-channel.js';
import type { RetransmitKind, TransactionMetrics } from './transaction-metrics.js';
import { TransactionState, type TransactionKind, type TransactionOutcome } from './transaction-state.js';
import type { TransactionTimers } from './transaction-timers.js';
import type { TimerLanes } from './timer-lanes.js';
import type { WaitTimerQueue, WaitTimerTarget } from './wait-timer-queue.js';

/** What every transaction machine is built from. */
export interface TransactionInit {
  /** The matching key under which the transaction layer files this transaction. */
  id: string;
  channel: TransactionChannel;
  timers: TransactionTimers;
  metrics?: TransactionMetrics;
  /** Method of the request that created the transaction (labels retransmission counters). */
  method?: string;
  /**
   * Shared queue for the wait timers (D, I, J, K); without it each transaction arms its own `setTimeout`.
   * The transaction layer passes one queue to all its transactions.
   */
  waitQueue?: WaitTimerQueue;
  /**
   * Shared lanes for cancellable timers (Timers E and F of the non-INVITE client transaction); without
   * them those timers are `setTimeout`s of their own. The transaction layer passes one set to all.
   */
  lanes?: TimerLanes;
  /** Called once on termination, before the `onTermination` listeners (the layer's table upkeep). */
  onTerminated?: (tx: Transaction, outcome: TransactionOutcome) => void;
}

/**
 * Shared plumbing of the four machines: the state field, named RFC timers (all cleared on termination and
 * on dispose), sending with transport-error capture, and the one-shot termination path.
 *
 * Subclasses hold the state transitions; nothing here decides a transition on its own.
 */
export abstract class Transaction implements WaitTimerTarget {
  abstract readonly kind: TransactionKind;
  readonly id: string;
  /** Method of the request that created the transaction. */
  readonly method: string;
  protected readonly channel: TransactionChannel;
  protected readonly timers: TransactionTimers;
  protected readonly metrics: TransactionMetrics | undefined;
  protected current: TransactionState;
  // Allocated on first use: a completed server transaction lingering in Timer J needs neither.
  private handles: Map<string, NodeJS.Timeout> | undefined;
  private terminationListeners: ((tx: Transaction, outcome: TransactionOutcome) => void)[] | undefined;
  private readonly waitQueue: WaitTimerQueue | undefined;
  private readonly layerHook: ((tx: Transaction, outcome: TransactionOutcome) => void) | undefined;
  /** Opaque slot for the TU: the UA core files its RFC 3261 §8.2.2.2 merged-request key here. */
  tuKey: string | undefined;
  /** Name of the wait timer queued in `waitQueue`, if any. */
  private queuedWait: string | undefined;

  protected constructor(init: TransactionInit, initial: TransactionState) {
    this.id = init.id;
    this.method = init.method ?? 'other';
    this.channel = init.channel;
    this.timers = init.timers;
    this.metrics = init.metrics;
    this.current = initial;
    this.waitQueue = init.waitQueue;
    this.layerHook = init.onTerminated;
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
    const names = this.handles ? [...this.handles.keys()] : [];
    if (this.queuedWait !== undefined) names.push(this.queuedWait);
    return names;
  }

  /** The transaction layer uses this to drop the transaction from its table. */
  onTermination(listener: (tx: Transaction, outcome: TransactionOutcome) => void): void {
    (this.terminationListeners ??= []).push(listener);
  }

  /** Stops every timer and terminates without telling the TU about a timeout (shutdown path). */
  dispose(): void {
    if (this.current !== TransactionState.Terminated) this.terminate('disposed');
  }

  protected startTimer(name: string, ms: number, fire: () => void): void {
    this.stopTimer(name);
    const h = setTimeout(() => {
      this.handles?.delete(name);
      if (this.current !== TransactionState.Terminated) fire();
    }, ms);
    h.unref();
    (this.handles ??= new Map()).set(name, h);
  }

  protected stopTimer(name: string): void {
    const h = this.handles?.get(name);
    if (h !== undefined) {
      clearTimeout(h);
      this.handles?.delete(name);
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
    if (this.handles) {
      for (const h of this.handles.values()) clearTimeout(h);
      this.handles.clear();
    }
    this.queuedWait = undefined;
    this.metrics?.transactionEnded(this.kind, outcome);
    this.notifyTerminated();
    this.layerHook?.(this, outcome);
    if (this.terminationListeners) for (const l of this.terminationListeners) l(this, outcome);
  }

  /**
   * Starts a "wait" timer that RFC 3261 sets to zero over reliable transports (D, I, J, K); when it fires
   * the transaction terminates (outcome `completed`). Zero means the transition happens at once, not on
   * the next turn of the event loop. With a shared `waitQueue` no Node timer is armed for it.
   */
  protected startWaitTimer(name: string, ms: number): void {
    if (ms <= 0) {
      this.terminate('completed');
    } else if (this.waitQueue) {
      this.queuedWait = name;
      this.waitQueue.schedule(ms, this);
    } else {
      this.startTimer(name, ms, () => this.terminate('completed'));
    }
  }

  /** WaitTimerTarget: the queued wait timer expired. */
  waitExpired(): void {
    if (this.queuedWait === undefined || this.current === TransactionState.Terminated) return;
    this.queuedWait = undefined;
    this.terminate('completed');
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
