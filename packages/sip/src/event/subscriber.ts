import type { Logger, MetricsRegistry } from '@beckon/ops';
import type { SipRequest } from '../message/sip-request.js';
import type { SipResponse } from '../message/sip-response.js';
import type { ServerContext } from '../ua/server-context.js';
import type { CreateRequestInit, RequestHandler, RequestTarget } from '../ua/sip-endpoint.js';
import type { RequestOptions } from '../ua/uac-request.js';
import {
  ClientSubscription,
  type ClientSubscriptionHost,
  type ClientTiming,
  type SubscribeOptions,
} from './client-subscription.js';
import { parseEventHeader, parseSubscriptionState } from './event-header.js';
import { SubscriberMetrics } from './event-metrics.js';

/** The part of `SipEndpoint` the subscriber uses. */
export interface SubscriberEndpoint {
  onRequest(method: string, handler: RequestHandler): void;
  offRequest(method: string): void;
  request(req: SipRequest, target?: RequestTarget, opts?: RequestOptions): Promise<SipResponse>;
  createRequest(method: string, uri: string, init: CreateRequestInit): SipRequest;
}

export interface SubscriberComponents {
  log: Logger;
  metrics: MetricsRegistry;
  endpoint: SubscriberEndpoint;
}

export interface SubscriberInit {
  /** T1 in ms (Timer N = 64*T1, RFC 6665 §4.1.2.4); default 500. */
  t1?: number;
  /** First resubscribe back-off, ms (default 2000). */
  retryBaseMs?: number;
  /** Largest back-off, ms (default 900000 = 15 min). */
  retryMaxMs?: number;
}

/**
 * The subscriber role of RFC 6665 on a SIP endpoint (used by `beckon device`): makes subscriptions,
 * keeps them refreshed, and routes incoming NOTIFYs to them (it registers the endpoint's NOTIFY handler).
 */
export class Subscriber implements ClientSubscriptionHost {
  readonly log: Logger;
  readonly timing: ClientTiming;
  private readonly endpoint: SubscriberEndpoint;
  private readonly metrics: SubscriberMetrics;
  private readonly routes = new Map<string, ClientSubscription>();
  private readonly all = new Set<ClientSubscription>();
  private readonly live = new Map<string, number>();
  private stopped = false;

  constructor(components: SubscriberComponents, init: SubscriberInit = {}) {
    this.log = components.log.child({ component: 'sip.event.subscriber' });
    this.endpoint = components.endpoint;
    this.timing = {
      timerN: 64 * (init.t1 ?? 500),
      retryBaseMs: init.retryBaseMs ?? 2000,
      retryMaxMs: init.retryMaxMs ?? 900_000,
    };
    this.metrics = new SubscriberMetrics(components.metrics, () =>
      [...this.live].map(([event, value]) => ({ labels: [event], value })),
    );
    this.endpoint.onRequest('NOTIFY', (ctx) => this.onNotify(ctx));
  }

  /** Starts a subscription (the SUBSCRIBE is sent at once). */
  subscribe(opts: SubscribeOptions): ClientSubscription {
    const sub = new ClientSubscription(this, opts);
    this.all.add(sub);
    if (!this.stopped) sub.start();
    return sub;
  }

  subscriptions(): IterableIterator<ClientSubscription> {
    return this.all.values();
  }

  /** Unsubscribes everything (bounded by the SUBSCRIBE transactions) and releases the NOTIFY handler. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all([...this.all].map((s) => s.unsubscribe()));
    for (const s of this.all) s.dispose();
    this.all.clear();
    this.routes.clear();
    this.endpoint.offRequest('NOTIFY');
  }

  // ---- ClientSubscriptionHost ----------------------------------------------------------------------

  request(req: SipRequest, target?: RequestTarget, opts?: RequestOptions): Promise<SipResponse> {
    return this.endpoint.request(req, target, opts);
  }

  createRequest(method: string, uri: string, init: CreateRequestInit): SipRequest {
    return this.endpoint.createRequest(method, uri, init);
  }

  route(key: string, sub: ClientSubscription | undefined): void {
    if (sub) this.routes.set(key, sub);
    else this.routes.delete(key);
  }

  counted(event: string, delta: 1 | -1): void {
    const n = (this.live.get(event) ?? 0) + delta;
    if (n > 0) this.live.set(event, n);
    else this.live.delete(event);
  }

  failed(event: string, status: number): void {
    this.metrics.subscribeFailed.child(event, String(status)).inc();
  }

  delivered(event: string): void {
    this.metrics.notifyReceived.child(event).inc();
  }

  // ---- NOTIFY ----------------------------------------------------------------------------------------

  private async onNotify(ctx: ServerContext): Promise<void> {
    const req = ctx.request;
    const callId = req.tryCallId();
    const toTag = req.toTag;
    const fromTag = req.fromTag;
    if (!callId.ok || toTag === undefined || fromTag === undefined) {
      ctx.respond(481, 'Subscription Does Not Exist');
      return;
    }
    // In-dialog first (Call-ID, local tag = To tag, remote tag = From tag), then the SUBSCRIBE still
    // waiting for its dialog (Call-ID + our From tag).
    const sub =
      this.routes.get(callId.value + '\u0000' + toTag + '\u0000' + fromTag) ??
      this.routes.get(callId.value + '\u0000' + toTag);
    if (!sub) {
      // RFC 6665 §4.1.3 (paraphrase): a NOTIFY that matches no subscription is answered 481.
      ctx.respond(481, 'Subscription Does Not Exist');
      return;
    }
    const ev = parseEventHeader(req.get('event'));
    // RFC 6665 §4.1.3 (paraphrase): a NOTIFY whose Event (type and id) matches no subscription of the
    // dialog gets 489 (Bad Event).
    if (!ev.ok || ev.value.event !== sub.event || ev.value.id !== sub.eventId) {
      ctx.respond(489, 'Bad Event');
      return;
    }
    // RFC 6665 §8.2.3: NOTIFY requests MUST contain a Subscription-State header field.
    const state = parseSubscriptionState(req.get('subscription-state'));
    if (!state.ok) {
      ctx.respond(400, 'Missing or Bad Subscription-State');
      return;
    }
    await sub.receiveNotify(ctx, state.value);
  }
}
