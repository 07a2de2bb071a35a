import type { Counter, CounterChild, MetricsRegistry } from '@beckon/ops';
import type { RegisterRejectReason } from './register-reply.js';

/** Counters of the registrar (names are part of the metrics contract: see the report / docs). */
export class RegistrarMetrics {
  readonly accepted: CounterChild;
  readonly retransmissions: CounterChild;
  readonly authFailures: CounterChild;
  private readonly rejected: Counter;
  private readonly rejectedChildren = new Map<string, CounterChild>();

  constructor(metrics: MetricsRegistry) {
    this.accepted = metrics
      .counter('registrar_accepted_registrations', 'REGISTER requests answered with 200')
      .child();
    this.rejected = metrics.counter(
      'registrar_rejected_registrations',
      'REGISTER requests answered with an error, by reason',
      ['reason'],
    );
    this.retransmissions = metrics
      .counter('registrar_retransmissions', 'REGISTER retransmissions answered or absorbed without change')
      .child();
    this.authFailures = metrics
      .counter('registrar_auth_failures', 'REGISTER requests whose digest credentials were wrong')
      .child();
  }

  reject(reason: RegisterRejectReason): void {
    let c = this.rejectedChildren.get(reason);
    if (!c) {
      c = this.rejected.child(reason);
      this.rejectedChildren.set(reason, c);
    }
    c.inc();
  }
}
