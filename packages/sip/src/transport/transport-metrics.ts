import type { Counter, CounterChild, MetricsRegistry } from '@beckon/ops';
import type { TransportKind } from './transport-types.js';

/** Per-transport counter children, resolved once so the hot path is a property increment. */
export class TransportCounters {
  readonly bytesIn: CounterChild;
  readonly bytesOut: CounterChild;
  readonly messagesIn: CounterChild;
  readonly messagesOut: CounterChild;
  readonly keepalives: CounterChild;
  private readonly errorChildren = new Map<string, CounterChild>();

  constructor(
    readonly transport: TransportKind,
    private readonly metrics: TransportMetrics,
  ) {
    this.bytesIn = metrics.bytesIn.child(transport);
    this.bytesOut = metrics.bytesOut.child(transport);
    this.messagesIn = metrics.messagesIn.child(transport);
    this.messagesOut = metrics.messagesOut.child(transport);
    this.keepalives = metrics.keepalives.child(transport);
  }

  error(reason: string): void {
    let c = this.errorChildren.get(reason);
    if (!c) {
      c = this.metrics.errors.child(this.transport, reason);
      this.errorChildren.set(reason, c);
    }
    c.inc();
  }
}

export class TransportMetrics {
  readonly bytesIn: Counter;
  readonly bytesOut: Counter;
  readonly messagesIn: Counter;
  readonly messagesOut: Counter;
  readonly errors: Counter;
  readonly keepalives: Counter;
  private readonly byTransport = new Map<TransportKind, TransportCounters>();

  constructor(registry: MetricsRegistry) {
    this.bytesIn = registry.counter('sip_transport_bytes_in', 'SIP bytes received', ['transport']);
    this.bytesOut = registry.counter('sip_transport_bytes_out', 'SIP bytes sent', ['transport']);
    this.messagesIn = registry.counter('sip_transport_messages_in', 'SIP messages received', ['transport']);
    this.messagesOut = registry.counter('sip_transport_messages_out', 'SIP messages sent', ['transport']);
    this.errors = registry.counter('sip_transport_errors', 'SIP transport errors', ['transport', 'reason']);
    this.keepalives = registry.counter('sip_transport_keepalives', 'SIP CRLF keep-alives received', [
      'transport',
    ]);
  }

  for(transport: TransportKind): TransportCounters {
    let c = this.byTransport.get(transport);
    if (!c) {
      c = new TransportCounters(transport, this);
      this.byTransport.set(transport, c);
    }
    return c;
  }
}
