import type { CounterChild, MetricsRegistry } from '@beckon/ops';
import { KNOWN_METHODS, methodLabel } from './sip-methods.js';
import type { TransactionKind, TransactionOutcome } from './transaction-state.js';

/** What a retransmission carried (the three columns of RFC 4780 sipCommonStatsRetryTable). */
export type RetransmitKind = 'request' | 'final' | 'provisional';

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
 *   sip_retransmissions_sent{method,type}  what we retransmitted, by method of the transaction and type
 *                                          request / final / provisional (RFC 4780 sipCommonStatsRetryTable)
 *   sip_retransmissions_received{type}     retransmitted requests / responses that were absorbed
 *
 * The message counters of the UA core (sip_requests_in etc.) exclude these retransmissions, like RFC 4780
 * sipCommonMethodStatsInbounds/Outbounds; the summary counts that include them are the sums.
 */
export class TransactionMetrics {
  private readonly created = new Map<TransactionKind, CounterChild>();
  /** Terminated-transaction children by kind then outcome (no key string built per termination). */
  private readonly endedBy = new Map<TransactionKind, Map<TransactionOutcome, CounterChild>>();
  readonly retransmitOut: CounterChild;
  readonly retransmitIn: CounterChild;
  private readonly sentByMethod = new Map<string, CounterChild>();
  private readonly receivedRequests: CounterChild;
  private readonly receivedResponses: CounterChild;

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
      const byOutcome = new Map<TransactionOutcome, CounterChild>();
      for (const o of OUTCOMES) {
        byOutcome.set(o, ended.child(k, o));
      }
      this.endedBy.set(k, byOutcome);
    }
    this.retransmitOut = rtx.child('out');
    this.retransmitIn = rtx.child('in');
    const sent = metrics.counter(
      'sip_retransmissions_sent',
      'SIP retransmissions sent, by method and by what was retransmitted',
      ['method', 'type'],
    );
    const received = metrics.counter(
      'sip_retransmissions_received',
      'SIP retransmissions received and absorbed by a transaction',
      ['type'],
    );
    this.receivedRequests = received.child('request');
    this.receivedResponses = received.child('response');
    for (const m of [...KNOWN_METHODS, 'other']) {
      for (const t of ['request', 'final', 'provisional'] as const)
        this.sentByMethod.set(m + '/' + t, sent.child(m, t));
    }
  }

  /** One retransmission sent by a transaction of `method` (ACK for a re-sent non-2xx ACK). */
  retransmitted(method: string, type: RetransmitKind): void {
    this.retransmitOut.inc();
    this.sentByMethod.get(methodLabel(method) + '/' + type)?.inc();
  }

  /** One retransmitted request (or ACK) or response reached a transaction and was absorbed. */
  absorbed(type: 'request' | 'response'): void {
    this.retransmitIn.inc();
    (type === 'request' ? this.receivedRequests : this.receivedResponses).inc();
  }

  transactionCreated(kind: TransactionKind): void {
    this.created.get(kind)?.inc();
  }

  transactionEnded(kind: TransactionKind, outcome: TransactionOutcome): void {
    this.endedBy.get(kind)?.get(outcome)?.inc();
  }
}
