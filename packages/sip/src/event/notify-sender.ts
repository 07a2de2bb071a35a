import type { Logger } from '@beckon/ops';
import type { SipRequest } from '../message/sip-request.js';
import type { SipResponse } from '../message/sip-response.js';
import type { Flow, SendTarget } from '../transport/transport-types.js';
import { formatHostPort } from '../transport/transport-types.js';
import { headerRows, type HeaderInit } from '../ua/server-context.js';
import type { RequestHandler, RequestTarget } from '../ua/sip-endpoint.js';
import type { RequestCredentials, RequestOptions } from '../ua/uac-request.js';
import { formatEventHeader, formatSubscriptionState } from './event-header.js';
import type { NotifierMetrics } from './event-metrics.js';
import { SubscriptionState, type NotifierSubscription, type QueuedNotify } from './notifier-subscription.js';
import type { FlowRecord } from './subscription-store.js';

/** CSeq numbers one NOTIFY may use: its own and one digest retry (RFC 3261 §22.2). */
const RETRY_HEADROOM = 2;

const OWNED: RequestOptions = Object.freeze({ owned: true });

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

/** Outcome of one NOTIFY. `superseded`: newer content replaced it before it was sent. */
export type NotifyOutcome =
  | { ok: true; status: number }
  | {
      ok: false;
      status: number;
      reason: 'no-subscription' | 'superseded' | 'failed' | 'terminated' | 'bad-target';
    };

/** A NOTIFY to send, with whoever waits for its outcome. */
export interface NotifyJob extends QueuedNotify {
  waiters: ((o: NotifyOutcome) => void)[];
}

/** What the sender asks of its notifier. */
export interface NotifySenderHost {
  /** True once the subscription was taken out of the notifier's tables. */
  isEnded(sub: NotifierSubscription): boolean;
  /** A NOTIFY failed in a way that ends the subscription (RFC 6665 §4.2.2). */
  notifyFailed(sub: NotifierSubscription, reason: string): void;
  /**
   * Extends and stores the subscription's local CSeq reservation (`seqReserved`); resolves once stored.
   * Undefined when there is nothing to wait for (no store).
   */
  reserveSeq(sub: NotifierSubscription): Promise<void> | undefined;
}

export interface NotifySenderInit {
  contact?: string;
  notifyCredentials?: (sub: NotifierSubscription) => RequestCredentials | undefined;
  now: () => number;
}

/**
 * Sends a notifier's NOTIFYs, one at a time per subscription, over the subscription's flow. RFC 6665
 * §4.2.2 (paraphrase): a notifier does not send a new NOTIFY in a dialog before the previous one got its
 * final response or timed out — a NOTIFY waits for the one in flight, and only the newest waiting
 * content is kept (older waiters resolve as `superseded`).
 */
export class NotifySender {
  private readonly contacts = new WeakMap<Flow, string>();

  constructor(
    private readonly log: Logger,
    private readonly endpoint: NotifierEndpoint,
    private readonly metrics: NotifierMetrics,
    private readonly flows: FlowLookup | undefined,
    private readonly init: NotifySenderInit,
    private readonly host: NotifySenderHost,
  ) {}

  enqueue(sub: NotifierSubscription, job: NotifyJob): void {
    if (!sub.notifyInFlight) {
      void this.send(sub, job);
      return;
    }
    const prev = sub.queued as NotifyJob | undefined;
    if (prev?.terminate && !job.terminate) {
      // The final NOTIFY is already waiting: later state is moot.
      for (const w of job.waiters) w({ ok: false, status: 0, reason: 'terminated' });
      return;
    }
    if (prev) for (const w of prev.waiters) w({ ok: false, status: 0, reason: 'superseded' });
    sub.queued = job;
  }

  /** Contact of our 2xx and NOTIFYs: configured, else the local address of the flow. */
  contactFor(flow: Flow | undefined, rec?: FlowRecord): string {
    if (this.init.contact !== undefined) return this.init.contact;
    if (flow !== undefined) {
      // A flow's local address never changes: one Contact string per flow.
      let c = this.contacts.get(flow);
      if (c === undefined) {
        c = this.formatContact(flow, undefined);
        this.contacts.set(flow, c);
      }
      return c;
    }
    return this.formatContact(undefined, rec);
  }

  private formatContact(flow: Flow | undefined, rec: FlowRecord | undefined): string {
    const transport = flow?.transport ?? rec?.transport ?? 'udp';
    const address = flow?.local.address ?? rec?.localAddress ?? '127.0.0.1';
    const port = flow?.local.port ?? rec?.localPort ?? 5060;
    const tp = transport === 'udp' ? '' : `;transport=${transport}`;
    return `<sip:${formatHostPort(address, port)}${tp}>`;
  }

  private async send(sub: NotifierSubscription, job: NotifyJob): Promise<void> {
    sub.notifyInFlight = true;
    const outcome = await this.sendOne(sub, job);
    sub.notifyInFlight = false;
    for (const w of job.waiters) w(outcome);
    const next = sub.queued as NotifyJob | undefined;
    sub.queued = undefined;
    if (next) {
      if (this.host.isEnded(sub) && !next.terminate) {
        for (const w of next.waiters) w({ ok: false, status: 0, reason: 'terminated' });
        return;
      }
      void this.send(sub, next);
    }
  }

  private async sendOne(sub: NotifierSubscription, job: NotifyJob): Promise<NotifyOutcome> {
    // RFC 3261 §12.2.1.1: "Requests within a dialog MUST contain strictly monotonically increasing and
    // contiguous CSeq sequence numbers". The stored record reserves a block of numbers; before this NOTIFY
    // (or its digest retry, CSeq + 1) would pass the stored reservation, a new one is stored first, so a
    // restart never reuses a number. An ended subscription is out of the store: nothing to reserve.
    if (sub.localSeq + RETRY_HEADROOM > sub.seqReserved && !this.host.isEnded(sub)) {
      const stored = this.host.reserveSeq(sub);
      if (stored) await stored;
    }
    const req = sub.createRequest('NOTIFY');
    if (!req) {
      this.metrics.notifyFailedOne(sub.event, 'bad-target');
      if (!job.terminate) this.host.notifyFailed(sub, 'notify-failed');
      return { ok: false, status: 0, reason: 'bad-target' };
    }
    // RFC 6665 §8.2.3: Event and Subscription-State are mandatory in NOTIFY. §4.2.2: "If the value of the
    // "Subscription-State" header field is "active" or "pending", the notifier SHOULD also include in the
    // "Subscription-State" header field an "expires" parameter".
    req.add('Event', formatEventHeader(sub.event, sub.eventId));
    const t = job.terminate;
    req.add(
      'Subscription-State',
      t
        ? formatSubscriptionState('terminated', { reason: t.reason, retryAfter: t.retryAfter })
        : formatSubscriptionState(sub.state === SubscriptionState.Pending ? 'pending' : 'active', {
            expires: sub.remaining(this.init.now()),
          }),
    );
    req.add('Contact', this.contactFor(sub.flow, sub.flowRecord));
    const c = job.content;
    if (c.headers) for (const [n, v] of headerRows(c.headers as HeaderInit)) req.add(n, v);
    if (c.body !== undefined && c.body.length > 0) {
      req.add('Content-Type', c.contentType ?? 'application/octet-stream');
      req.body = typeof c.body === 'string' ? Buffer.from(c.body) : c.body;
    }
    const creds = this.init.notifyCredentials?.(sub);
    // The request was built for this send alone: the endpoint may add its Via in place.
    const res = await this.endpoint.request(
      req,
      this.targetFor(sub),
      creds ? { credentials: creds, owned: true } : OWNED,
    );
    // A digest retry (RFC 3261 §22.2) used CSeq+1: keep the dialog's local sequence number in step.
    const rc = res.tryCSeq();
    if (rc.ok && rc.value.seq > sub.localSeq) sub.localSeq = rc.value.seq;
    if (res.status >= 200 && res.status < 300) {
      this.metrics.notifySentOne(sub.event);
      return { ok: true, status: res.status };
    }
    this.metrics.notifyFailedOne(sub.event, String(res.status));
    this.log.debug({ id: sub.id, event: sub.event, status: res.status }, 'NOTIFY failed');
    if (!this.host.isEnded(sub)) {
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
        this.host.notifyFailed(sub, reason);
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
    // Connection ids (`tcp#17`) are counters that restart with the process: only a flow that still goes
    // to the recorded remote address and port is the same one.
    const again = this.flows?.getFlow(rec.flowId);
    if (
      again &&
      !again.closed &&
      again.transport === rec.transport &&
      again.remote.address === rec.remoteAddress &&
      again.remote.port === rec.remotePort
    ) {
      sub.flow = again;
      return again;
    }
    const target: SendTarget = { transport: rec.transport, address: rec.remoteAddress, port: rec.remotePort };
    return target;
  }
}
