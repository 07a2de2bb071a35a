import { flatCopy, ShardedMap, type Logger, type MetricsRegistry } from '@beckon/ops';
import type { Flow } from '../transport/transport-types.js';
import type { ServerContext } from '../ua/server-context.js';
import type { RequestCredentials } from '../ua/uac-request.js';
import { mediaType, parseEventHeader, type TerminationReason } from './event-header.js';
import { NotifierMetrics } from './event-metrics.js';
import type { EventPackage, NotifyContent, StateNotifyCause } from './event-package.js';
import { EventPackageRegistry } from './event-package-registry.js';
import { ExpiryQueue } from './expiry-queue.js';
import { NotifierSubscription, SubscriptionState } from './notifier-subscription.js';
import { NotifySender, type FlowLookup, type NotifierEndpoint, type NotifyOutcome } from './notify-sender.js';
import { firstContact, flowRecordOf, recordFromSubscribe } from './record-from-subscribe.js';
import type { FlowRecord, SubscriptionRecord, SubscriptionStore } from './subscription-store.js';

/**
 * Local CSeq numbers reserved per store write: the stored `localSeq` runs this far ahead of the NOTIFYs
 * sent, so a subscription is written once when created, not again after each NOTIFY.
 */
const SEQ_BLOCK = 100;

/** Waiters of a NOTIFY nobody waits for (never pushed to). */
const NO_WAITERS: ((o: NotifyOutcome) => void)[] = [];

function isPromiseLike<T>(v: T | PromiseLike<T>): v is PromiseLike<T> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
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
  /** Interval of the per-event info summary (created/terminated since the last one, live), ms. Default
   * 300000; 0 turns it off. Nothing is logged for an interval without changes. */
  summaryIntervalMs?: number;
}

export interface RestoreSummary {
  restored: number;
  /** Records of unknown packages, left in the store. */
  skipped: number;
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
  private readonly sender: NotifySender;
  private readonly metrics: NotifierMetrics;
  /** Sharded: one entry per subscription (see ShardedMap: no long pause when it grows). */
  private readonly byId = new ShardedMap<string, NotifierSubscription>();
  /** One frozen FlowRecord per flow, shared by the subscriptions that came over it. */
  private readonly flowRecords = new WeakMap<Flow, FlowRecord>();
  /** Subscriptions whose id is not their local tag (records not made by this notifier), by local tag. */
  private readonly byOtherTag = new Map<string, NotifierSubscription>();
  private readonly activeCount = new Map<string, number>();
  private readonly expiries: ExpiryQueue<NotifierSubscription>;
  private readonly ended = new WeakSet<NotifierSubscription>();
  private readonly now: () => number;
  private readonly init: NotifierInit;
  private readonly changes = new Map<string, { created: number; terminated: number }>();
  private summaryTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(components: NotifierComponents, init: NotifierInit = {}) {
    this.log = components.log.child({ component: 'sip.event.notifier' });
    this.endpoint = components.endpoint;
    this.store = components.store;
    this.packages = components.packages ?? new EventPackageRegistry();
    this.init = init;
    this.now = init.now ?? Date.now;
    this.metrics = new NotifierMetrics(components.metrics, () =>
      [...this.activeCount].map(([event, value]) => ({ labels: [event], value })),
    );
    this.sender = new NotifySender(
      this.log,
      this.endpoint,
      this.metrics,
      components.flows,
      { contact: init.contact, notifyCredentials: init.notifyCredentials, now: this.now },
      {
        isEnded: (sub) => this.ended.has(sub),
        notifyFailed: (sub, reason) => void this.end(sub, reason, { notify: false, retryAfter: undefined }),
        reserveSeq: (sub) => this.persist(sub),
      },
    );
    this.expiries = new ExpiryQueue((sub) => this.onExpired(sub), { now: this.now });
    this.endpoint.onRequest('SUBSCRIBE', (ctx) => this.onSubscribe(ctx));
    const every = init.summaryIntervalMs ?? 300_000;
    if (every > 0) {
      this.summaryTimer = setInterval(() => this.logSummary(), every);
      this.summaryTimer.unref();
    }
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
    if (this.summaryTimer) clearInterval(this.summaryTimer);
    this.summaryTimer = undefined;
    this.endpoint.offRequest('SUBSCRIBE');
    this.expiries.dispose();
    this.byId.clear();
    this.byOtherTag.clear();
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
    return new Promise((resolve) => this.sender.enqueue(sub, { content, waiters: [resolve] }));
  }

  /** Pending -> Active, with a NOTIFY of current state (RFC 6665 §4.2.1.1 "pending" then authorized). */
  async activate(id: string): Promise<NotifyOutcome> {
    const sub = this.byId.get(id);
    if (!sub) return { ok: false, status: 0, reason: 'no-subscription' };
    if (sub.state === SubscriptionState.Pending) {
      sub.state = SubscriptionState.Active;
      void this.persist(sub);
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

  /** Not async itself: the promise of the create or refresh path is handed to the endpoint as it is. */
  private onSubscribe(ctx: ServerContext): Promise<void> | undefined {
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
    if (req.toTag !== undefined) return this.onRefresh(ctx, pkg, ev.value.id, expires);
    return this.onCreate(ctx, pkg, ev.value.id, expires);
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
    const accepted = pkg.accept(req, {
      server: ctx,
      flow: ctx.flow,
      eventId,
      expires,
      existing: undefined,
    });
    // A package that decides at once costs no turn of the microtask queue.
    const outcome = isPromiseLike(accepted) ? await accepted : accepted;
    if (!outcome.ok) {
      ctx.respond(outcome.status, outcome.reason, outcome.headers);
      return;
    }
    const rec = recordFromSubscribe(req, {
      localTag: ctx.localTag,
      flow: ctx.flow,
      flowRecord: this.flowRecordFor(ctx.flow),
      event: pkg.name.toLowerCase(),
      eventId,
      expires,
      state: outcome.state ?? 'active',
      packageState: outcome.packageState,
      now: this.now(),
    });
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
      this.changed(sub.event, 'created');
      const content = await this.stateContent(sub, 'fetch');
      this.ended.add(sub);
      sub.state = SubscriptionState.Terminated;
      await new Promise<NotifyOutcome>((resolve) =>
        this.sender.enqueue(sub, {
          content,
          terminate: { reason: 'timeout', retryAfter: undefined },
          waiters: [resolve],
        }),
      );
      this.finish(sub, 'timeout', false);
      return;
    }
    if (this.store) {
      // The record is stored once: its local CSeq reservation covers the first SEQ_BLOCK NOTIFYs.
      rec.localSeq = SEQ_BLOCK;
      try {
        await this.store.save(rec);
        sub.seqReserved = SEQ_BLOCK;
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
    this.changed(sub.event, 'created');
    // RFC 6665 §4.2.1.1: "the 200-class response ... MUST contain an "Expires" header field" (duration
    // granted). §4.2.1.2: "Upon successfully accepting or refreshing a subscription, notifiers MUST send a
    // NOTIFY request immediately to communicate the current resource state to the subscriber."
    ctx.respond(200, undefined, this.okHeaders(ctx, expires));
    if (this.log.isLevelEnabled('debug')) {
      this.log.debug({ id: sub.id, event: sub.event, expires, flow: ctx.flow.id }, 'subscription created');
    }
    const pending = this.stateContent(sub, 'created');
    const content = isPromiseLike(pending) ? await pending : pending;
    this.sender.enqueue(sub, { content, waiters: NO_WAITERS });
  }

  private async onRefresh(
    ctx: ServerContext,
    pkg: EventPackage,
    eventId: string | undefined,
    expires: number,
  ) {
    const req = ctx.request;
    // RFC 3261 §12.2.2: the dialog is matched by Call-ID, local tag (the request's To tag) and remote tag
    // (its From tag). The local tag is the subscription id: one lookup by id, then the other two compared.
    const toTag = req.toTag ?? '';
    const found = this.byId.get(toTag) ?? this.byOtherTag.get(toTag);
    const sub =
      found !== undefined &&
      found.localTag === req.toTag &&
      found.callId === req.callId &&
      found.remoteTag === (req.fromTag ?? '')
        ? found
        : undefined;
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
    if (contact !== undefined) sub.remoteTarget = flatCopy(contact);
    if (outcome.packageState !== undefined) sub.packageState = outcome.packageState;
    sub.expiresAt = this.now() + expires * 1000;
    this.expiries.schedule(sub, sub.expiresAt);
    if (this.store) {
      try {
        const reserve = Math.max(sub.seqReserved, sub.localSeq + SEQ_BLOCK);
        await this.store.update(sub.toRecord(reserve));
        if (reserve > sub.seqReserved) sub.seqReserved = reserve;
      } catch (err) {
        this.log.warn({ err, id: sub.id }, 'refresh not stored; SUBSCRIBE refused');
        ctx.respond(500, 'Subscription Not Stored');
        return;
      }
    }
    ctx.respond(200, undefined, this.okHeaders(ctx, expires));
    this.log.debug({ id: sub.id, event: sub.event, expires, flow: ctx.flow.id }, 'subscription refreshed');
    const content = await this.stateContent(sub, 'refreshed');
    if (!this.ended.has(sub)) this.sender.enqueue(sub, { content, waiters: [] });
  }

  private okHeaders(ctx: ServerContext, expires: number): [string, string][] {
    return [
      ['Expires', String(expires)],
      ['Contact', this.sender.contactFor(ctx.flow)],
    ];
  }

  private takeFlow(sub: NotifierSubscription, flow: Flow): void {
    sub.flow = flow;
    if (sub.flowRecord.flowId !== flow.id) sub.flowRecord = this.flowRecordFor(flow);
  }

  private flowRecordFor(flow: Flow): FlowRecord {
    let r = this.flowRecords.get(flow);
    if (r === undefined) {
      r = Object.freeze(flowRecordOf(flow));
      this.flowRecords.set(flow, r);
    }
    return r;
  }

  private changed(event: string, what: 'created' | 'terminated'): void {
    let c = this.changes.get(event);
    if (!c) {
      c = { created: 0, terminated: 0 };
      this.changes.set(event, c);
    }
    c[what]++;
  }

  private logSummary(): void {
    for (const [event, c] of this.changes) {
      this.log.info({ event, ...c, live: this.activeCount.get(event) ?? 0 }, 'subscriptions summary');
    }
    this.changes.clear();
  }

  private insert(sub: NotifierSubscription): void {
    this.byId.set(sub.id, sub);
    if (sub.id !== sub.localTag) this.byOtherTag.set(sub.localTag, sub);
    this.activeCount.set(sub.event, (this.activeCount.get(sub.event) ?? 0) + 1);
    this.expiries.schedule(sub, sub.expiresAt);
  }

  private remove(sub: NotifierSubscription): void {
    if (this.byId.get(sub.id) !== sub) return;
    this.byId.delete(sub.id);
    if (sub.id !== sub.localTag && this.byOtherTag.get(sub.localTag) === sub)
      this.byOtherTag.delete(sub.localTag);
    this.expiries.cancel(sub);
    const n = (this.activeCount.get(sub.event) ?? 1) - 1;
    if (n > 0) this.activeCount.set(sub.event, n);
    else this.activeCount.delete(sub.event);
  }

  /** The package's state NOTIFY content; a plain value when the package answers synchronously. */
  private stateContent(
    sub: NotifierSubscription,
    cause: StateNotifyCause,
  ): NotifyContent | Promise<NotifyContent> {
    const pkg = this.packages.get(sub.event);
    if (!pkg) return {};
    const failed = (err: unknown): NotifyContent => {
      this.log.error(
        { err, id: sub.id, event: sub.event },
        'package initialNotify failed; empty NOTIFY sent',
      );
      return {};
    };
    try {
      const c = pkg.initialNotify(sub, cause);
      return isPromiseLike(c) ? Promise.resolve(c).then(undefined, failed) : c;
    } catch (err) {
      return failed(err);
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
      this.sender.enqueue(sub, {
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
    this.changed(sub.event, 'terminated');
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

  /**
   * Stores the subscription with a local CSeq reservation SEQ_BLOCK above its last CSeq; once committed,
   * NOTIFYs up to it need no write. Resolves after the write (never rejects: failures are logged).
   * Undefined without a store (nothing to reserve: no reservation limits the CSeq).
   */
  private persist(sub: NotifierSubscription): Promise<void> | undefined {
    if (!this.store) {
      sub.seqReserved = Number.MAX_SAFE_INTEGER;
      return undefined;
    }
    const reserve = Math.max(sub.seqReserved, sub.localSeq + SEQ_BLOCK);
    return this.store.update(sub.toRecord(reserve)).then(
      () => {
        if (reserve > sub.seqReserved) sub.seqReserved = reserve;
      },
      (err: unknown) => this.log.warn({ err, id: sub.id }, 'store update failed'),
    );
  }
}
