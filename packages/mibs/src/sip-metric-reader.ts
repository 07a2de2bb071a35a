import type { Counter, MetricsRegistry } from '@beckon/ops';

/** Metric names written by the SIP core, registrar and proxy (fixed contract with @beckon/sip). */
export interface SipMetricNames {
  requestsIn: string;
  requestsOut: string;
  responsesIn: string;
  responsesOut: string;
  /** Terminated transactions {kind,outcome}. */
  transactions: string;
  /** Created transactions {kind} (preferred for sipCommonSummaryTotalTransactions when present). */
  transactionsCreated: string;
  /** Gauge of live transactions {kind}. */
  transactionsActive: string;
  retransmissions: string;
  parseErrors: string;
  registrarAccepted: string;
  registrarRejected: string;
  /** Proxy-Require rejections (420 Bad Extension) by the proxy. */
  proxyRequireFailures: string;
}

export const DEFAULT_SIP_METRIC_NAMES: SipMetricNames = {
  requestsIn: 'sip_requests_in',
  requestsOut: 'sip_requests_out',
  responsesIn: 'sip_responses_in',
  responsesOut: 'sip_responses_out',
  transactions: 'sip_transactions',
  transactionsCreated: 'sip_transactions_created',
  transactionsActive: 'sip_transactions_active',
  retransmissions: 'sip_retransmissions',
  parseErrors: 'sip_parse_errors',
  registrarAccepted: 'registrar_accepted_registrations',
  registrarRejected: 'registrar_rejected_registrations',
  proxyRequireFailures: 'proxy_require_failures',
};

/**
 * Reads the live counters of one MetricsRegistry by name. Every read is a Map lookup and a sum over
 * label children: nothing is cached, so the MIB always shows the registry's current value (a counter
 * registered after the MIB simply starts being seen).
 */
export class SipMetricReader {
  readonly names: SipMetricNames;

  constructor(
    private readonly metrics: MetricsRegistry,
    names: Partial<SipMetricNames> = {},
  ) {
    this.names = { ...DEFAULT_SIP_METRIC_NAMES, ...names };
  }

  private counter(name: string): Counter | undefined {
    const m = this.metrics.get(name);
    return m && m.kind === 'counter' ? m : undefined;
  }

  /** Sum over all label values (0 when the counter does not exist yet). */
  total(name: string): number {
    const m = this.metrics.get(name);
    if (!m) return 0;
    if (m.kind === 'counter') return m.total();
    let t = 0;
    for (const s of m.samples()) t += s.value;
    return t;
  }

  /** One label combination (0 when absent). */
  get(name: string, ...labels: string[]): number {
    return this.counter(name)?.get(...labels) ?? 0;
  }

  /** Sum of the children whose label `label` equals `value` (for counters with several labels). */
  sumWhere(name: string, label: string, value: string): number {
    const c = this.counter(name);
    if (!c) return 0;
    const at = c.labelNames.indexOf(label);
    if (at < 0) return 0;
    let t = 0;
    for (const s of c.samples()) if (s.labels[at] === value) t += s.value;
    return t;
  }

  /**
   * Responses with `code` for requests of `method`. The SIP core counts `sip_responses_{in,out}{code}`
   * without the method: then this is the count for the code over all methods (`perMethod` false). If
   * the counter gains a `method` label it is used and `perMethod` becomes true.
   */
  responses(direction: 'in' | 'out', method: string, code: number): { value: number; perMethod: boolean } {
    const c = this.counter(direction === 'in' ? this.names.responsesIn : this.names.responsesOut);
    if (!c) return { value: 0, perMethod: false };
    const mAt = c.labelNames.indexOf('method');
    const cAt = c.labelNames.indexOf('code');
    const codeText = String(code);
    if (mAt < 0)
      return { value: cAt === 0 && c.labelNames.length === 1 ? c.get(codeText) : 0, perMethod: false };
    const labels: string[] = [];
    labels[mAt] = method;
    labels[cAt] = codeText;
    return { value: c.get(...labels), perMethod: true };
  }
}
