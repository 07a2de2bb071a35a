import { randomBytes } from 'node:crypto';
import type { Logger, MetricsRegistry } from '@beckon/ops';
import { formatNameAddr, type NameAddr } from '../grammar/name-addr.js';
import { formatUri } from '../grammar/uri.js';
import type { SipRequest } from '../message/sip-request.js';
import type { SipResponse } from '../message/sip-response.js';
import type { Flow, SendTarget } from '../transport/transport-types.js';
import { formatHostPort } from '../transport/transport-types.js';
import { headerRows, type HeaderInit, type ServerContext } from '../ua/server-context.js';
import type { RequestHandler, RequestTarget } from '../ua/sip-endpoint.js';
import type { RequestCredentials, RequestOptions } from '../ua/uac-request.js';
import {
  formatEventHeader,
  formatSubscriptionState,
  mediaType,
  parseEventHeader,
  type TerminationReason,
} from './event-header.js';
import { NotifierMetrics } from './event-metrics.js';
import type { EventPackage, NotifyContent, StateNotifyCause } from './event-package.js';
import { EventPackageRegistry } from './event-package-registry.js';
import { ExpiryQueue } from './expiry-queue.js';
import { NotifierSubscription, SubscriptionState, type QueuedNotify } from './notifier-subscription.js';
import type { FlowRecord, SubscriptionRecord, SubscriptionStore } from './subscription-store.js';

/** The part of `SipEndpoint` the notifier uses. */
export interface NotifierEndpoint {
  onRequest(method: string, handler: RequestHandler): void;
  offRequest(method: string): void;
  request(req: SipRequest, target?: RequestTarget, opts?: RequestOptions): Promise<SipResponse>;
}

/** Finds a live flow by id (`TransportLayer.getFlow`). */
export interface FlowLookup {
  getFlow(id: string): Flow | undefined;
}

export interface NotifierComponents {
  log: Logger;
  metrics: MetricsRegistry;
  endpoint: NotifierEndpoint;
  /** Packages; one is created when absent (`notifier.packages`). */
  packages?: EventPackageRegistry;
  /** Durable subscriptions; without it subscriptions live in memory only. */
  store?: SubscriptionStore;
  /** Lets a restored subscription reuse a connection that is still open (by recorded flow id). */
  flows?: FlowLookup;
}

export interface NotifierInit {
  /** Contact of 2xx responses and NOTIFYs (name-addr). Default: built from the flow's local address. */
  contact?: string;
  /** Credentials to answer a subscriber's digest challenge to a NOTIFY (RFC 3261 §22.2). */
  notifyCredentials?: (sub: NotifierSubscription) => RequestCredentials | undefined;
  /** How many final NOTIFYs `terminateAll` keeps in flight at once (default 200). */
  terminateConcurrency?: number;
  /** Clock, epoch ms (tests). */
  now?: () => number;
}

/** Outcome of one NOTIFY. `superseded`: newer content replaced it before it was sent. */
export type NotifyOutcome =
  | { ok: true; status: number }
  | {
      ok: false;
      status: number;
      reason: 'no-subscription' | 'superseded' | 'failed' | 'terminated' | 'bad-target';
    };

export interface RestoreSummary {
  restored: number;
  /** Records of unknown packages, left in the store. */
  skipped: number;
}

interface Waiting extends QueuedNotify {
  waiters: ((o: NotifyOutcome) => void)[];
}

/**
 * The notifier role of RFC 6665 on a SIP endpoint: answers SUBSCRIBE, keeps subscriptions (one dialog
 * each), sends NOTIFYs over the flow the SUBSCRIBE (or its latest refresh) came on, expires them with one
 * shared timer, and keeps them in a {@link SubscriptionStore} so that they outlive a restart.
 */
export class Notifier {
  readonly packages: EventPackageRegistry;
  private readonly log: Logger;
  private readonly endpoint: NotifierEndpoint;
  private readonly store: SubscriptionStore | undefined;
  private readonly flows: FlowLookup | undefined;
  private readonly metrics: NotifierMetrics;
  private readonly byId = new Map<string, NotifierSubscription>();
  private readonly byDialog = new Map<string, NotifierSubscription>();
  private readonly activeCount = new Map<string, number>();
  private readonly expiries: ExpiryQueue<NotifierSubscription>;
  private readonly ended = new WeakSet<NotifierSubscription>();
  private readonly now: () => number;
  private readonly init: NotifierInit;
  private stopped = false;

  constructor(components: NotifierComponents, init: NotifierInit = {}) {
    this.log = components.log.child({ component: 'sip.event.notifier' });
    this.endpoint = components.endpoint;
    this.store = components.store;
    this.flows = components.flows;
    this.packages = components.packages ?? new EventPackageRegistry();
    this.init = init;
    this.now = init.now ?? Date.now;
    this.metrics = new NotifierMetrics(components.metrics, () =>
      [...this.activeCount].map(([event, value]) => ({ labels: [event], value })),
    );
    this.expiries = new ExpiryQueue((sub) => this.onExpired(sub), { now: this.now });
    this.endpoint.onRequest('SUBSCRIBE', (ctx) => this.onSubscribe(ctx));
  }

  /** Live subscriptions. */
  get size(): number {
    return this.byId.size;
  }

  get(id: string): NotifierSubscription | undefined {
    return this.byId.get(id);
  }

  subscriptions(event?: string): IterableIterator<NotifierSubscription> {
    const all = this.byId.values();
    if (event === undefined) return all;
    const ev = event.toLowerCase();
    return (function* () {
      for (const s of all) if (s.event === ev) yield s;
    })();
  }

  /**
   * Loads the stored subscriptions (call once, before traffic). Their NOTIFYs go to the recorded flow:
   * the same connection when `flows` still has it, else the recorded remote address and port (for UDP
   * that is what a NAT binding expects; for TCP/TLS a new connection is tried, which a NAT will refuse).
   * Subscriptions already past their expiry are ended with a `timeout` NOTIFY.
   */
  async start(): Promise<RestoreSummary> {
    const summary: RestoreSummary = { restored: 0, skipped: 0 };
    if (!this.store) return summary;
    const loaded = this.store.loadAll();
    const iter: AsyncIterable<SubscriptionRecord> | Iterable<SubscriptionRecord> =
      Symbol.asyncIterator in loaded ? (loaded as AsyncIterable<SubscriptionRecord>) : await loaded;
    for await (const rec of iter) {
      if (!this.packages.get(rec.event) || this.byId.has(rec.id)) {
        summary.skipped++;
        continue;
      }
      const sub = new NotifierSubscription(rec, undefined);
      this.insert(sub);
      summary.restored++;
    }
    this.log.info(summary, 'subscriptions restored');
    return summary;
  }

  /** Stops answering SUBSCRIBE and clears timers; stored subscriptions stay in the store. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.endpoint.offRequest('SUBSCRIBE');
    this.expiries.dispose();
    this.byId.clear();
    this.byDialog.clear();
    this.activeCount.clear();
  }

  /**
   * Sends a NOTIFY with new state to one subscription. RFC 6665 §4.2.2: "Notifiers MUST NOT send a new
   * NOTIFY request to the same dialog unless they have received a final response from the previous one or
   * the previous NOTIFY request has timed out" (paraphrase) — a NOTIFY waits for the one in flight, and
   * only the newest waiting content is kept.
   */
  notify(id: string, content: NotifyContent): Promise<NotifyOutcome> {
    const sub = this.byId.get(id);
    if (!sub) return Promise.resolve({ ok: false, status: 0, reason: 'no-subscription' });
    return new Promise((resolve) => this.enqueue(sub, { content, waiters: [resolve] }));
  }

  /** Pending -> Active, with a NOTIFY of current state (RFC 6665 §4.2.1.1 "pending" then authorized). */
  async activate(id: string): Promise<NotifyOutcome> {
    const sub = this.byId.get(id);
    if (!sub) return { ok: false, status: 0, reason: 'no-subscription' };
    if (sub.state === SubscriptionState.Pending) {
      sub.state = SubscriptionState.Active;
      this.persist(sub);
    }
    const content = await this.stateContent(sub, 'activated');
    return this.notify(id, content);
  }

  /**
   * Ends one subscription with a final NOTIFY (`terminated;reason=...`, RFC 6665 §4.2.2). Resolves when the
   * final NOTIFY transaction is over.
   */
  terminate(id: string, reason: TerminationReason, retryAfter?: number): Promise<NotifyOutcome> {
    const sub = this.byId.get(id);
    if (!sub) return Promise.resolve({ ok: false, status: 0, reason: 'no-subscription' });
    return this.end(sub, reason, { notify: true, retryAfter });
  }

  /**
   * Ends every subscription (shutdown, migration), with at most `terminateConcurrency` final NOTIFYs in
   * flight. seed 000 §4.8: "The notifier MAY send a NOTIFY with ... a 'Subscription-State' header value of
   * 'terminated', and a 'reason' code of 'deactivated' or 'probation' to end the subscription in the event
   * of shutdown."
   */
  async terminateAll(
    reason: TerminationReason,
    retryAfter?: number,
  ): Promise<{ notified: number; failed: number }> {
    const all = [...this.byId.values()];
    const limit = Math.max(1, this.init.terminateConcurrency ?? 200);
    let next = 0;
    let notified = 0;
    let failed = 0;
    const worker = async (): Promise<void> => {
      while (next < all.length) {
        const sub = all[next++] as NotifierSubscription;
        const o = await this.end(sub, reason, { notify: true, retryAfter });
        if (o.ok) notified++;
        else failed++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, all.length) }, () => worker()));
    this.log.info({ reason, notified, failed }, 'all subscriptions terminated');
    return { notified, failed };
  }

  // ---- SUBSCRIBE -----------------------------------------------------------------------------

  private async onSubscribe(ctx: ServerContext): Promise<void> {
    const req = ctx.request;
    const ev = parseEventHeader(req.get('event'));
    if (!ev.ok) {
      // RFC 6665 §8.2.1: the Event header field is mandatory in SUBSCRIBE; a request without a usable one
      // is malformed.
      ctx.respond(400, 'Missing or Bad Event Header');
      return;
    }
    const pkg = this.packages.get(ev.value.event);
    if (!pkg) {
      // RFC 6665 §4.2.1.1: "If the notifier is unable to process the request because it does not
      // understand the event package specified in the "Event" header field, the notifier MUST respond
      // with a 489 (Bad Event) response" and §8.3.1: "489 Bad Event ... The response MUST include an
      // Allow-Events header field".
      ctx.respond(489, 'Bad Event', [['Allow-Events', this.packages.allowEvents()]]);
      return;
    }
    const expires = this.negotiateExpires(ctx, pkg);
    if (expires === undefined) return;
    if (!this.checkBody(ctx, pkg)) return;
    if (req.toTag !== undefined) await this.onRefresh(ctx, pkg, ev.value.id, expires);
    else await this.onCreate(ctx, pkg, ev.value.id, expires);
  }

  /**
   * RFC 6665 §4.2.1.1: "The notifier MAY reduce the expiration time ... If the notifier ... [finds the]
   * expiration time too short, it MAY respond with a 423 (Interval Too Brief)" and §4.1.2.1 "If no
   * "Expires" header field is present in a SUBSCRIBE request, the implied default MUST be defined by the
   * event package being used". Returns undefined when a response was sent.
   */
  private negotiateExpires(ctx: ServerContext, pkg: EventPackage): number | undefined {
    const raw = ctx.request.get('expires');
    if (raw === undefined) return pkg.defaultExpires;
    const asked = ctx.request.expires();
    if (asked === undefined) {
      ctx.respond(400, 'Bad Expires');
      return undefined;
    }
    if (asked !== 0 && asked < pkg.minExpires) {
      ctx.respond(423, 'Interval Too Brief', [['Min-Expires', String(pkg.minExpires)]]);
      return undefined;
    }
    return Math.min(asked, pkg.maxExpires);
  }

  /** RFC 3261 §21.4.13: 415 with Accept when the SUBSCRIBE body type is not one the package takes. */
  private checkBody(ctx: ServerContext, pkg: EventPackage): boolean {
    const types = pkg.subscribeBodyTypes;
    if (types === undefined || ctx.request.body.length === 0) return true;
    const ct = ctx.request.contentType;
    if (ct !== undefined && types.includes(mediaType(ct))) return true;
    ctx.respond(415, undefined, [['Accept', types.join(', ')]]);
    return false;
  }

  private async onCreate(
    ctx: ServerContext,
    pkg: EventPackage,
    eventId: string | undefined,
    expires: number,
  ) {
    const req = ctx.request;
    const outcome = await pkg.accept(req, {
      server: ctx,
      flow: ctx.flow,
      eventId,
      expires,
      existing: undefined,
    });
    if (!outcome.ok) {
      ctx.respond(outcome.status, outcome.reason, outcome.headers);
      return;
    }
    const rec = this.recordFromRequest(
      ctx,
      pkg,
      eventId,
      expires,
      outcome.state ?? 'active',
      outcome.packageState,
    );
    if (!rec) {
      // RFC 3261 §8.1.1.8: "The Contact header field MUST be present and contain exactly one SIP or SIPS
      // URI in any request that can result in the establishment of a dialog."
      ctx.respond(400, 'Missing or Bad Contact');
      return;
    }
    const sub = new NotifierSubscription(rec, ctx.flow);
    if (expires === 0) {
      // RFC 6665 §4.2.1.1 / §4.4.3 fetch: a SUBSCRIBE with "Expires: 0" gets the current state once and
      // the subscription ends at once (final NOTIFY).
      ctx.respond(200, undefined, this.okHeaders(ctx, 0));
      this.metrics.subscriptionCreated(sub.event);
      const content = await this.stateContent(sub, 'fetch');
      this.ended.add(sub);
      sub.state = SubscriptionState.Terminated;
      await new Promise<NotifyOutcome>((resolve) =>
        this.enqueue(sub, {
          content,
          terminate: { reason: 'timeout', retryAfter: undefined },
          waiters: [resolve],
        }),
      );
      this.finish(sub, 'timeout', false);
      return;
    }
    if (this.store) {
      try {
        await this.store.save(rec);
      } catch (err) {
        this.log.warn({ err, event: sub.event }, 'subscription not stored; SUBSCRIBE refused');
        ctx.respond(500, 'Subscription Not Stored');
        return;
      }
    }
    if (this.stopped) {
      ctx.respond(503);
      return;
    }
    this.insert(sub);
    this.metrics.subscriptionCreated(sub.event);
    // RFC 6665 §4.2.1.1: "the 200-class response ... MUST contain an "Expires" header field" (duration
    // granted). §4.2.1.2: "Upon successfully accepting or refreshing a subscription, notifiers MUST send a
    // NOTIFY request immediately to communicate the current resource state to the subscriber."
    ctx.respond(200, undefined, this.okHeaders(ctx, expires));
    this.log.debug({ id: sub.id, event: sub.event, expires, flow: ctx.flow.id }, 'subscription created');
    const content = await this.stateContent(sub, 'created');
    this.enqueue(sub, { content, waiters: [] });
  }

  private async onRefresh(
    ctx: ServerContext,
    pkg: EventPackage,
    eventId: string | undefined,
    expires: number,
  ) {
    const req = ctx.request;
    const key = req.callId + '\u0000' + (req.toTag ?? '') + '\u0000' + (req.fromTag ?? '');
    const sub = this.byDialog.get(key);
    // RFC 6665 §4.2.1.3 (paraphrase): a SUBSCRIBE within a dialog that matches no subscription of this
    // notifier is answered 481 (Subscription Does Not Exist). One subscription per dialog here: another
    // event or id in the same dialog is refused as well.
    if (!sub || sub.event !== pkg.name.toLowerCase() || sub.eventId !== eventId) {
      ctx.respond(481, 'Subscription Does Not Exist');
      return;
    }
    const cseq = req.tryCSeq();
    // RFC 3261 §12.2.2: "If the remote sequence number was not empty, but the sequence number of the
    // request is lower than the remote sequence number, the request is out of order and MUST be rejected
    // with a 500 (Server Internal Error) response."
    if (!cseq.ok || cseq.value.seq < sub.remoteSeq) {
      ctx.respond(500, 'CSeq Out of Order');
      return;
    }
    sub.remoteSeq = cseq.value.seq;
    this.takeFlow(sub, ctx.flow);
    if (expires === 0) {
      // RFC 6665 §4.2.1.4 (unsubscribing, paraphrase): the notifier answers 200 and sends a final NOTIFY
      // with "Subscription-State: terminated"; reason "timeout" as for an expired subscription.
      ctx.respond(200, undefined, this.okHeaders(ctx, 0));
      this.log.debug({ id: sub.id, event: sub.event }, 'unsubscribed');
      await this.end(sub, 'timeout', { notify: true, retryAfter: undefined });
      return;
    }
    const outcome = await pkg.accept(req, { server: ctx, flow: ctx.flow, eventId, expires, existing: sub });
    if (!outcome.ok) {
      ctx.respond(outcome.status, outcome.reason, outcome.headers);
      return;
    }
    if (this.ended.has(sub)) {
      ctx.respond(481, 'Subscription Does Not Exist');
      return;
    }
    // RFC 6665 §4.1.2.1 (paraphrase): SUBSCRIBE is a target refresh request; its Contact replaces the
    // remote target.
    const contact = firstContact(req);
    if (contact !== undefined) sub.remoteTarget = contact;
    if (outcome.packageState !== undefined) sub.packageState = outcome.packageState;
    sub.expiresAt = this.now() + expires * 1000;
    this.expiries.schedule(sub, sub.expiresAt);
    if (this.store) {
      try {
        await this.store.update(sub.toRecord());
      } catch (err) {
        this.log.warn({ err, id: sub.id }, 'refresh not stored; SUBSCRIBE refused');
        ctx.respond(500, 'Subscription Not Stored');
        return;
      }
    }
    ctx.respond(200, undefined, this.okHeaders(ctx, expires));
    this.log.debug({ id: sub.id, event: sub.event, expires, flow: ctx.flow.id }, 'subscription refreshed');
    const content = await this.stateContent(sub, 'refreshed');
    if (!this.ended.has(sub)) this.enqueue(sub, { content, waiters: [] });
  }

  private okHeaders(ctx: ServerContext, expires: number): [string, string][] {
    return [
      ['Expires', String(expires)],
      ['Contact', this.contactFor(ctx.flow)],
    ];
  }

  private contactFor(flow: Flow | undefined, rec?: FlowRecord): string {
    if (this.init.contact !== undefined) return this.init.contact;
    const transport = flow?.transport ?? rec?.transport ?? 'udp';
    const address = flow?.local.address ?? rec?.localAddress ?? '127.0.0.1';
    const port = flow?.local.port ?? rec?.localPort ?? 5060;
    const tp = transport === 'udp' ? '' : `;transport=${transport}`;
    return `<sip:${formatHostPort(address, port)}${tp}>`;
  }

  /** The dialog of RFC 3261 §12.1.1 (UAS side) as a plain record. */
  private recordFromRequest(
    ctx: ServerContext,
    pkg: EventPackage,
    eventId: string | undefined,
    expires: number,
    state: 'active' | 'pending',
    packageState: unknown,
  ): SubscriptionRecord | undefined {
    const req = ctx.request;
    const from = req.tryFrom();
    const to = req.tryTo();
    const cseq = req.tryCSeq();
    const remoteTag = req.fromTag;
    const target = firstContact(req);
    if (!from.ok || !to.ok || !cseq.ok || remoteTag === undefined || target === undefined) return undefined;
    const now = this.now();
    return {
      id: ctx.localTag,
      event: pkg.name.toLowerCase(),
      eventId: eventId ?? null,
      state,
      callId: req.callId,
      localTag: ctx.localTag,
      remoteTag,
      localUri: withoutTag(to.value),
      remoteUri: withoutTag(from.value),
      localSeq: 0,
      remoteSeq: cseq.value.seq,
      remoteTarget: target,
      routeSet: req.getAll('record-route'),
      expiresAt: now + expires * 1000,
      createdAt: now,
      flow: flowRecord(ctx.flow),
      packageState: packageState ?? null,
    };
  }

  private takeFlow(sub: NotifierSubscription, flow: Flow): void {
    sub.flow = flow;
    if (sub.flowRecord.flowId !== flow.id) sub.flowRecord = flowRecord(flow);
  }

  private insert(sub: NotifierSubscription): void {
    this.byId.set(sub.id, sub);
    this.byDialog.set(sub.dialogKey, sub);
    this.activeCount.set(sub.event, (this.activeCount.get(sub.event) ?? 0) + 1);
    this.expiries.schedule(sub, sub.expiresAt);
  }

  private remove(sub: NotifierSubscription): void {
    if (this.byId.get(sub.id) !== sub) return;
    this.byId.delete(sub.id);
    this.byDialog.delete(sub.dialogKey);
    this.expiries.cancel(sub);
    const n = (this.activeCount.get(sub.event) ?? 1) - 1;
    if (n > 0) this.activeCount.set(sub.event, n);
    else this.activeCount.delete(sub.event);
  }

  private async stateContent(sub: NotifierSubscription, cause: StateNotifyCause): Promise<NotifyContent> {
    const pkg = this.packages.get(sub.event);
    if (!pkg) return {};
    try {
      return await pkg.stateNotify(sub, cause);
    } catch (err) {
      this.log.error({ err, id: sub.id, event: sub.event }, 'package stateNotify failed; empty NOTIFY sent');
      return {};
    }
  }

  /**
   * RFC 6665 §4.2.2: "When a subscription expires, the notifier SHOULD send a NOTIFY request ... with a
   * "Subscription-State" value of "terminated" and a "reason" parameter of "timeout"" (paraphrase).
   */
  private onExpired(sub: NotifierSubscription): void {
    this.log.debug({ id: sub.id, event: sub.event }, 'subscription expired');
    void this.end(sub, 'timeout', { notify: true, retryAfter: undefined });
  }

  /** Takes the subscription out of the tables at once; with `notify`, a final NOTIFY follows. */
  private end(
    sub: NotifierSubscription,
    reason: TerminationReason,
    opts: { notify: boolean; retryAfter: number | undefined },
  ): Promise<NotifyOutcome> {
    if (this.ended.has(sub)) return Promise.resolve({ ok: false, status: 0, reason: 'terminated' });
    this.ended.add(sub);
    this.remove(sub);
    sub.state = SubscriptionState.Terminated;
    if (!opts.notify) {
      this.finish(sub, reason, true);
      return Promise.resolve({ ok: true, status: 0 });
    }
    return new Promise<NotifyOutcome>((resolve) => {
      this.enqueue(sub, {
        content: {},
        terminate: { reason, retryAfter: opts.retryAfter },
        waiters: [
          (o) => {
            this.finish(sub, reason, true);
            resolve(o);
          },
        ],
      });
    });
  }

  /** Bookkeeping once a subscription is over: store, metrics, package hook. */
  private finish(sub: NotifierSubscription, reason: string, stored: boolean): void {
    this.metrics.subscriptionTerminated(sub.event, reason);
    if (stored && this.store) {
      this.store
        .remove(sub.id)
        .catch((err: unknown) => this.log.warn({ err, id: sub.id }, 'store remove failed'));
    }
    this.log.debug({ id: sub.id, event: sub.event, reason }, 'subscription terminated');
    try {
      this.packages.get(sub.event)?.onTerminated?.(sub, reason);
    } catch (err) {
      this.log.error({ err, id: sub.id }, 'package onTerminated failed');
    }
  }

  private enqueue(sub: NotifierSubscription, item: Waiting): void {
    if (!sub.notifyInFlight) {
      void this.send(sub, item);
      return;
    }
    const prev = sub.queued as Waiting | undefined;
    if (prev?.terminate && !item.terminate) {
      // The final NOTIFY is already waiting: later state is moot.
      for (const w of item.waiters) w({ ok: false, status: 0, reason: 'terminated' });
      return;
    }
    if (prev) for (const w of prev.waiters) w({ ok: false, status: 0, reason: 'superseded' });
    sub.queued = item;
  }

  private async send(sub: NotifierSubscription, item: Waiting): Promise<void> {
    sub.notifyInFlight = true;
    const outcome = await this.sendOne(sub, item);
    sub.notifyInFlight = false;
    for (const w of item.waiters) w(outcome);
    const next = sub.queued as Waiting | undefined;
    sub.queued = undefined;
    if (next) {
      if (this.ended.has(sub) && !next.terminate) {
        for (const w of next.waiters) w({ ok: false, status: 0, reason: 'terminated' });
        return;
      }
      void this.send(sub, next);
    }
  }

  private async sendOne(sub: NotifierSubscription, item: Waiting): Promise<NotifyOutcome> {
    const req = sub.createRequest('NOTIFY');
    if (!req) {
      this.metrics.notifyFailedOne(sub.event, 'bad-target');
      if (!item.terminate) void this.end(sub, 'notify-failed', { notify: false, retryAfter: undefined });
      return { ok: false, status: 0, reason: 'bad-target' };
    }
    const now = this.now();
    // RFC 6665 §8.2.3: Event and Subscription-State are mandatory in NOTIFY. §4.2.2: "If the value of the
    // "Subscription-State" header field is "active" or "pending", the notifier SHOULD also include in the
    // "Subscription-State" header field an "expires" parameter".
    req.add('Event', formatEventHeader(sub.event, sub.eventId));
    const t = item.terminate;
    req.add(
      'Subscription-State',
      t
        ? formatSubscriptionState('terminated', { reason: t.reason, retryAfter: t.retryAfter })
        : formatSubscriptionState(sub.state === SubscriptionState.Pending ? 'pending' : 'active', {
            expires: sub.remaining(now),
          }),
    );
    req.add('Contact', this.contactFor(sub.flow, sub.flowRecord));
    const c = item.content;
    if (c.headers) for (const [n, v] of headerRows(c.headers as HeaderInit)) req.add(n, v);
    if (c.body !== undefined && c.body.length > 0) {
      req.add('Content-Type', c.contentType ?? 'application/octet-stream');
      req.body = typeof c.body === 'string' ? Buffer.from(c.body) : c.body;
    }
    const creds = this.init.notifyCredentials?.(sub);
    const res = await this.endpoint.request(
      req,
      this.targetFor(sub),
      creds ? { credentials: creds } : undefined,
    );
    // A digest retry (RFC 3261 §22.2) used CSeq+1: keep the dialog's local sequence number in step.
    const rc = res.tryCSeq();
    if (rc.ok && rc.value.seq > sub.localSeq) sub.localSeq = rc.value.seq;
    if (res.status >= 200 && res.status < 300) {
      this.metrics.notifySentOne(sub.event);
      if (!this.ended.has(sub)) this.persist(sub);
      return { ok: true, status: res.status };
    }
    this.metrics.notifyFailedOne(sub.event, String(res.status));
    this.log.debug({ id: sub.id, event: sub.event, status: res.status }, 'NOTIFY failed');
    if (!this.ended.has(sub)) {
      // RFC 6665 §4.2.2: "A NOTIFY request is considered failed if the response times out, or a
      // non-200-class response code is received which has no "Retry-After" header field and no implied
      // further action which can be taken to retry the request". "If the NOTIFY request fails due to a
      // timeout condition, and the subscription was installed using a soft-state mechanism (such as
      // SUBSCRIBE), the notifier SHOULD remove the subscription." "If a NOTIFY request receives a 481
      // response, the notifier MUST remove the corresponding subscription". A local 503 (transport error)
      // counts as a failure too (RFC 3261 §8.1.3.1).
      if (res.status === 481 || !res.has('retry-after')) {
        const reason =
          res.status === 481 ? 'notify-481' : res.status === 408 ? 'notify-timeout' : 'notify-failed';
        void this.end(sub, reason, { notify: false, retryAfter: undefined });
      }
    }
    return { ok: false, status: res.status, reason: 'failed' };
  }

  /**
   * The flow a NOTIFY goes over: the live flow of the latest SUBSCRIBE; else (restored, or the connection
   * closed) the recorded flow by id; else the recorded remote address and port over the recorded transport.
   * The Contact is never resolved: behind a NAT only the SUBSCRIBE's source is reachable.
   */
  private targetFor(sub: NotifierSubscription): RequestTarget {
    if (sub.flow && !sub.flow.closed) return sub.flow;
    const rec = sub.flowRecord;
    const again = this.flows?.getFlow(rec.flowId);
    if (again && !again.closed) {
      sub.flow = again;
      return again;
    }
    const target: SendTarget = { transport: rec.transport, address: rec.remoteAddress, port: rec.remotePort };
    return target;
  }

  private persist(sub: NotifierSubscription): void {
    if (!this.store) return;
    this.store
      .update(sub.toRecord())
      .catch((err: unknown) => this.log.warn({ err, id: sub.id }, 'store update failed'));
  }
}

function flowRecord(flow: Flow): FlowRecord {
  return {
    transport: flow.transport,
    localAddress: flow.local.address,
    localPort: flow.local.port,
    remoteAddress: flow.remote.address,
    remotePort: flow.remote.port,
    flowId: flow.id,
    secure: flow.secure,
  };
}

function firstContact(req: SipRequest): string | undefined {
  const c = req.tryContacts();
  if (!c.ok) return undefined;
  const first = c.value[0];
  if (!first || first.star) return undefined;
  return formatUri(first.uri);
}

function withoutTag(na: NameAddr): string {
  const params = new Map(na.params);
  params.delete('tag');
  return formatNameAddr({ ...na, params });
}

/** A fresh subscription id / tag (exported for tests and stores that pre-allocate ids). */
export function newSubscriptionId(): string {
  return randomBytes(8).toString('hex');
}
