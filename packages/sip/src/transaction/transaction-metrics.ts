import type { CounterChild, MetricsRegistry } from '@beckon/ops';
import type { TransactionKind, TransactionOutcome } from './transaction-state.js';

const KINDS: readonly TransactionKind[] = [
  'invite_client',
  'non_invite_client',
  'invite_server',
  'non_invite_server',
];
const OUTCOMES: readonly TransactionOutcome[] = ['completed', 'timeout', 'transport_error', 'disposed'];

/**
 * The transaction counters, with every label child resolved once so that the hot path is a field
 * increment:
 *   sip_transactions_created{kind}
 *   sip_transactions{kind,outcome}      terminated transactions by why they ended
 *   sip_retransmissions{direction}      out: we retransmitted; in: a retransmission reached us and was absorbed
 */
export class TransactionMetrics {
  private readonly created = new Map<TransactionKind, CounterChild>();
  private readonly ended = new Map<string, CounterChild>();
  readonly retransmitOut: CounterChild;
  readonly retransmitIn: CounterChild;

  constructor(metrics: MetricsRegistry) {
    const created = metrics.counter('sip_transactions_created', 'SIP transactions created', ['kind']);
    const ended = metrics.counter('sip_transactions', 'SIP transactions terminated, by outcome', [
      'kind',
      'outcome',
    ]);
    const rtx = metrics.counter('sip_retransmissions', 'SIP retransmissions sent (out) and absorbed (in)', [
      'direction',
    ]);
    for (const k of KINDS) {
      this.created.set(k, created.child(k));
      for (const o of OUTCOMES) this.ended.set(k + '/' + o, ended.child(k, o));
    }
    this.retransmitOut = rtx.child('out');
    this.retransmitIn = rtx.child('in');
  }

  transactionCreated(kind: TransactionKind): void {
    this.created.get(kind)?.inc();
  }

  transactionEnded(kind: TransactionKind, outcome: TransactionOutcome): void {
    this.ended.get(kind + '/' + outcome)?.inc();
  }
}
