import type { Counter, CounterChild, MetricsRegistry } from '@beckon/ops';

/** Notifier counters (names fixed by the station's metrics catalogue). Children are cached. */
export class NotifierMetrics {
  private readonly created: Counter;
  private readonly terminated: Counter;
  private readonly notifySent: Counter;
  private readonly notifyFailed: Counter;
  private readonly cache = new Map<string, CounterChild>();
  /** Children of the one-label counters, per event (no key string built per call). */
  private readonly perEvent = new Map<string, { created: CounterChild; notifySent: CounterChild }>();

  constructor(metrics: MetricsRegistry, active: () => { labels: string[]; value: number }[]) {
    this.created = metrics.counter('sip_subscriptions_created', 'Subscriptions created by the notifier', [
      'event',
    ]);
    this.terminated = metrics.counter('sip_subscriptions_terminated', 'Notifier subscriptions ended', [
      'event',
      'reason',
    ]);
    this.notifySent = metrics.counter('sip_notify_sent', 'NOTIFY requests sent', ['event']);
    this.notifyFailed = metrics.counter('sip_notify_failed', 'NOTIFY requests that failed', [
      'event',
      'reason',
    ]);
    metrics.gauge('sip_subscriptions_active', 'Live notifier subscriptions', active, ['event']);
  }

  private child(c: Counter, a: string, b?: string): CounterChild {
    const key = c.name + '\u0000' + a + '\u0000' + (b ?? '');
    let ch = this.cache.get(key);
    if (!ch) {
      ch = b === undefined ? c.child(a) : c.child(a, b);
      this.cache.set(key, ch);
    }
    return ch;
  }

  private ofEvent(event: string): { created: CounterChild; notifySent: CounterChild } {
    let e = this.perEvent.get(event);
    if (e === undefined) {
      e = { created: this.child(this.created, event), notifySent: this.child(this.notifySent, event) };
      this.perEvent.set(event, e);
    }
    return e;
  }

  subscriptionCreated(event: string): void {
    this.ofEvent(event).created.inc();
  }

  subscriptionTerminated(event: string, reason: string): void {
    this.child(this.terminated, event, reason).inc();
  }

  notifySentOne(event: string): void {
    this.ofEvent(event).notifySent.inc();
  }

  notifyFailedOne(event: string, reason: string): void {
    this.child(this.notifyFailed, event, reason).inc();
  }
}

/** Subscriber counters. */
export class SubscriberMetrics {
  readonly notifyReceived: Counter;
  readonly subscribeFailed: Counter;

  constructor(metrics: MetricsRegistry, active: () => { labels: string[]; value: number }[]) {
    this.notifyReceived = metrics.counter(
      'sip_notify_received',
      'NOTIFY requests accepted by the subscriber',
      ['event'],
    );
    this.subscribeFailed = metrics.counter('sip_subscribe_failed', 'SUBSCRIBE requests that failed', [
      'event',
      'status',
    ]);
    metrics.gauge('sip_client_subscriptions_active', 'Live subscriber subscriptions', active, ['event']);
  }
}
