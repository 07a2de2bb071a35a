import type { Counter, CounterChild, MetricsRegistry } from '@beckon/ops';
import { KNOWN_METHODS, methodLabel } from '../transaction/sip-methods.js';

/**
 * Message counters of the UA core. Names and labels are read by the SNMP SIP MIB (RFC 4780
 * sipSummary/sipMethodStats/sipStatusCodes) and Prometheus, so they are fixed:
 *   sip_requests_in{method}   sip_requests_out{method}
 *   sip_responses_in{method,code}    sip_responses_out{method,code}  (method of the CSeq, code as "200")
 * All four exclude retransmissions, like RFC 4780 sipCommonMethodStatsInbounds/Outbounds: retransmissions
 * the transaction layer absorbs are in `sip_retransmissions_received{type}` and those it sends in
 * `sip_retransmissions_sent{method,type}`. The RFC 4780 summary counters (which include retransmissions)
 * are sums: sipCommonSummaryInRequests = sum(sip_requests_in) + sip_retransmissions_received{request};
 * OutRequests = sum(sip_requests_out) + sum(sip_retransmissions_sent{type=request});
 * InResponses = sum(sip_responses_in) + sip_retransmissions_received{response};
 * OutResponses = sum(sip_responses_out) + sum(sip_retransmissions_sent{type=final|provisional}).
 * A stateless 400 for unparsable input counts in sip_responses_out; the input itself only in
 * sip_parse_errors{reason}.
 */
export class EndpointMetrics {
  private readonly reqIn: Counter;
  private readonly reqOut: Counter;
  private readonly resIn: Counter;
  private readonly resOut: Counter;
  private readonly reqInByMethod = new Map<string, CounterChild>();
  private readonly reqOutByMethod = new Map<string, CounterChild>();
  // Children resolved once per (method label, status): the hot path is two Map lookups and an increment.
  private readonly resInBy = new Map<string, Map<number, CounterChild>>();
  private readonly resOutBy = new Map<string, Map<number, CounterChild>>();

  constructor(metrics: MetricsRegistry) {
    this.reqIn = metrics.counter('sip_requests_in', 'SIP requests received', ['method']);
    this.reqOut = metrics.counter('sip_requests_out', 'SIP requests sent', ['method']);
    this.resIn = metrics.counter('sip_responses_in', 'SIP responses received', ['method', 'code']);
    this.resOut = metrics.counter('sip_responses_out', 'SIP responses sent', ['method', 'code']);
    for (const m of [...KNOWN_METHODS, 'other']) {
      this.reqInByMethod.set(m, this.reqIn.child(m));
      this.reqOutByMethod.set(m, this.reqOut.child(m));
    }
  }

  requestIn(method: string): void {
    this.reqInByMethod.get(methodLabel(method))?.inc();
  }

  requestOut(method: string): void {
    this.reqOutByMethod.get(methodLabel(method))?.inc();
  }

  /** `method` is the CSeq method of the response (RFC 4780 counts status codes per method). */
  responseIn(method: string, status: number): void {
    childFor(this.resInBy, this.resIn, methodLabel(method), status).inc();
  }

  responseOut(method: string, status: number): void {
    childFor(this.resOutBy, this.resOut, methodLabel(method), status).inc();
  }
}

function childFor(
  cache: Map<string, Map<number, CounterChild>>,
  counter: Counter,
  label: string,
  status: number,
): CounterChild {
  let byStatus = cache.get(label);
  if (byStatus === undefined) {
    byStatus = new Map();
    cache.set(label, byStatus);
  }
  let child = byStatus.get(status);
  if (child === undefined) {
    child = counter.child(label, String(status));
    byStatus.set(status, child);
  }
  return child;
}
