import { randomBytes } from 'node:crypto';
import type { Logger } from '@beckon/ops';
import { Dialog, dialogKey } from '../dialog/dialog.js';
import type { SipRequest } from '../message/sip-request.js';
import type { SipResponse } from '../message/sip-response.js';
import type { Flow } from '../transport/transport-types.js';
import type { HeaderInit, ServerContext } from '../ua/server-context.js';
import { headerRows } from '../ua/server-context.js';
import type { CreateRequestInit, RequestTarget } from '../ua/sip-endpoint.js';
import type { RequestCredentials, RequestOptions } from '../ua/uac-request.js';
import { deltaSeconds, formatEventHeader, type SubscriptionStateHeader } from './event-header.js';

/** States of a subscription at the subscriber (RFC 6665 §4.1). */
export enum ClientSubscriptionState {
  /** SUBSCRIBE sent, no final response nor NOTIFY yet. */
  Subscribing = 'subscribing',
  /** 2xx received, waiting for the first NOTIFY (Timer N). */
  NotifyWait = 'notify-wait',
  Pending = 'pending',
  Active = 'active',
  /** Ended; a new subscription is scheduled (back-off / retry-after). */
  Terminated = 'terminated',
  /** Ended for good (unsubscribed, closed, or a reason that forbids retrying). */
  Closed = 'closed',
}

/** A NOTIFY as handed to the package code. */
export interface ReceivedNotify {
  contentType: string | undefined;
  body: Buffer;
  subscriptionState: SubscriptionStateHeader;
  request: SipRequest;
  flow: Flow;
}

/** What the application decides about an incoming NOTIFY (digest check of NOTIFY authenticity). */
export type NotifyAuthOutcome =
  { ok: true } | { ok: false; status: number; reason?: string; headers?: HeaderInit };

export interface SubscribeOptions {
  /** Request-URI of the initial SUBSCRIBE. */
  uri: string;
  event: string;
  eventId?: string;
  /** From as name-addr (a tag is added). */
  from: string;
  /** To as name-addr; default `<uri>`. */
  to?: string;
  /** Contact as name-addr. */
  contact: string;
  /** Requested duration, seconds (default 3600). */
  expires?: number;
  /** Accept header values. */
  accept?: readonly string[];
  body?: Buffer | string;
  contentType?: string;
  headers?: HeaderInit;
  /** Digest credentials for the SUBSCRIBEs (one challenge per request answered). */
  credentials?: RequestCredentials;
  /** Where every SUBSCRIBE of this subscription goes (the outbound flow or proxy). Default: Request-URI. */
  target?: RequestTarget;
  /** Create a new subscription after termination (default true; reasons that forbid it win). */
  resubscribe?: boolean;
  onNotify?: (notify: ReceivedNotify, sub: ClientSubscription) => void;
  onStateChange?: (
    state: ClientSubscriptionState,
    sub: ClientSubscription,
    detail: StateChangeDetail,
  ) => void;
  /** Runs before a NOTIFY is accepted; a refusal is sent as the response and the NOTIFY is ignored. */
  authorizeNotify?: (
    ctx: ServerContext,
    sub: ClientSubscription,
  ) => NotifyAuthOutcome | Promise<NotifyAuthOutcome>;
}

export interface StateChangeDetail {
  reason?: string;
  status?: number;
  /** When the next attempt is planned (ms from now). */
  retryInMs?: number;
}

/** What a client subscription needs from its {@link Subscriber}. */
export interface ClientSubscriptionHost {
  readonly log: Logger;
  request(req: SipRequest, target?: RequestTarget, opts?: RequestOptions): Promise<SipResponse>;
  createRequest(method: string, uri: string, init: CreateRequestInit): SipRequest;
  /** Registers `key` (pending Call-ID + From tag, or dialog key) for NOTIFY routing; undefined removes. */
  route(key: string, sub: ClientSubscription | undefined): void;
  readonly timing: ClientTiming;
  counted(event: string, delta: 1 | -1): void;
  failed(event: string, status: number): void;
  delivered(event: string): void;
}

export interface ClientTiming {
  /** Timer N = 64*T1 (RFC 6665 §4.1.2.4), ms. */
  timerN: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

/**
 * One subscription made by a {@link Subscriber}: initial SUBSCRIBE, refreshes, NOTIFY processing,
 * resubscription with back-off, unsubscribe. Explicit state machine ({@link ClientSubscriptionState});
 * timers (refresh, Timer N, retry) are cleared on close.
 *
 * Refresh timing: at `max(0.9 * E, E - 60 s)` after the 2xx, E being the granted duration (the later of
 * "10 % before" and "one minute before"): an hour-long subscription refreshes one minute early, a
 * 30 s one 3 s early.
 */
export class ClientSubscription {
  state = ClientSubscriptionState.Subscribing;
  readonly event: string;
  readonly eventId: string | undefined;
  /** The dialog once the 2xx or the first NOTIFY arrived. */
  dialog: Dialog | undefined;
  /** Granted duration of the latest successful SUBSCRIBE, seconds. */
  expires = 0;
  /** Epoch ms of the subscription's end as last known. */
  expiresAt = 0;
  private readonly host: ClientSubscriptionHost;
  private readonly opts: SubscribeOptions;
  private callId = '';
  private fromTag = '';
  private localSeq = 0;
  private attempts = 0;
  private pendingKey: string | undefined;
  private dialogKeyValue: string | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private timerN: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(host: ClientSubscriptionHost, opts: SubscribeOptions) {
    this.host = host;
    this.opts = opts;
    this.event = opts.event.toLowerCase();
    this.eventId = opts.eventId;
  }

  get options(): Readonly<SubscribeOptions> {
    return this.opts;
  }

  /** Sends the initial SUBSCRIBE (called by the subscriber). */
  start(): void {
    void this.subscribe(this.opts.expires ?? 3600);
  }

  /**
   * Unsubscribes (RFC 6665 §4.1.2.3: "a subscriber sends a SUBSCRIBE request with an "Expires" header field
   * of 0") and closes; resolves when the SUBSCRIBE transaction is over (or at once when there is no dialog).
   */
  async unsubscribe(): Promise<void> {
    if (this.state === ClientSubscriptionState.Closed) return;
    this.closing = true;
    this.clearTimers();
    const live =
      this.dialog !== undefined &&
      (this.state === ClientSubscriptionState.Active ||
        this.state === ClientSubscriptionState.Pending ||
        this.state === ClientSubscriptionState.NotifyWait);
    this.setState(ClientSubscriptionState.Closed, { reason: 'unsubscribed' });
    if (live && this.dialog) {
      const req = this.inDialogSubscribe(0);
      const res = await this.host.request(req, this.opts.target, this.requestOptions());
      this.syncSeq(res);
      if (res.status >= 200 && res.status < 300 && this.dialogKeyValue !== undefined) {
        // The final NOTIFY follows the 2xx: keep the dialog routable for it (at most Timer N), so that it
        // gets a 200 rather than a 481.
        this.timerN = setTimeout(() => {
          this.timerN = undefined;
          this.unroute();
        }, this.host.timing.timerN);
        this.timerN.unref();
        return;
      }
    }
    this.unroute();
  }

  /** Closes without signalling (shutdown paths that cannot send). */
  dispose(): void {
    this.closing = true;
    this.clearTimers();
    if (this.state !== ClientSubscriptionState.Closed) this.setState(ClientSubscriptionState.Closed, {});
    this.unroute();
  }

  // ---- SUBSCRIBE -------------------------------------------------------------------------------

  private async subscribe(expires: number, minRetry = false): Promise<void> {
    this.unroute();
    this.dialog = undefined;
    this.callId = randomBytes(12).toString('base64url');
    this.fromTag = randomBytes(6).toString('hex');
    this.localSeq = 1;
    this.pendingKey = this.callId + '\u0000' + this.fromTag;
    this.host.route(this.pendingKey, this);
    this.setState(ClientSubscriptionState.Subscribing, {});
    const req = this.host.createRequest('SUBSCRIBE', this.opts.uri, {
      from: `${this.opts.from};tag=${this.fromTag}`,
      to: this.opts.to,
      callId: this.callId,
      cseq: this.localSeq,
      contact: this.opts.contact,
    });
    this.addSubscribeHeaders(req, expires);
    // RFC 6665 §4.1.2.4 (paraphrase): the subscriber waits Timer N (64*T1) for the first NOTIFY after
    // sending a SUBSCRIBE; when it fires without one, the subscription is considered failed.
    this.startTimerN();
    const res = await this.host.request(req, this.opts.target, this.requestOptions());
    // Closed, replaced by a newer attempt, or already given up (Timer N fired first).
    if (this.closing || this.callId !== req.callId) return;
    if ((this.state as ClientSubscriptionState) === ClientSubscriptionState.Terminated) return;
    this.syncSeq(res);
    if (res.status >= 200 && res.status < 300) {
      // The dialog may already exist: a NOTIFY can overtake the 2xx.
      const existing = this.dialog as Dialog | undefined;
      if (!existing) {
        const d = Dialog.fromUac(req, res);
        if (d.ok) this.adoptDialog(d.dialog);
      } else {
        existing.receiveResponse(res, true);
      }
      this.granted(res, expires);
      if ((this.state as ClientSubscriptionState) === ClientSubscriptionState.Subscribing) {
        this.setState(ClientSubscriptionState.NotifyWait, {});
      }
      return;
    }
    this.clearTimerN();
    this.host.failed(this.event, res.status);
    // RFC 3261 §21.4.17 / RFC 6665 §4.1.2.1: 423 carries Min-Expires; the SUBSCRIBE may be retried with it.
    const min = deltaSeconds(res.get('min-expires')?.trim());
    if (res.status === 423 && min !== undefined && !minRetry) {
      void this.subscribe(min, true);
      return;
    }
    this.terminated(`status-${res.status}`, retryAfterHeader(res), res.status);
  }

  /** RFC 6665 §4.1.2.1: the 2xx "Expires" is the duration granted (may be shorter than asked). */
  private granted(res: SipResponse, asked: number): void {
    const e = deltaSeconds(res.get('expires')?.trim()) ?? asked;
    this.expires = e;
    this.expiresAt = Date.now() + e * 1000;
    this.scheduleRefresh(e);
  }

  private scheduleRefresh(seconds: number): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    if (seconds <= 0) return;
    const at = Math.max(0.9 * seconds, seconds - 60);
    this.refreshTimer = setTimeout(() => void this.refresh(this.opts.expires ?? 3600), Math.floor(at * 1000));
    this.refreshTimer.unref();
  }

  /**
   * RFC 6665 §4.1.2.2: refreshing is a SUBSCRIBE in the dialog. "If a SUBSCRIBE request to refresh a
   * subscription receives a 404, 405, 410, 416, 480-485, 489, 501, or 604 response, the subscriber MUST
   * consider the subscription terminated"; other failures leave it valid until it expires (paraphrase).
   */
  private async refresh(expires: number, minRetry = false): Promise<void> {
    this.refreshTimer = undefined;
    const dialog = this.dialog;
    if (this.closing || !dialog) return;
    const callId = this.callId;
    const req = this.inDialogSubscribe(expires);
    const res = await this.host.request(req, this.opts.target, this.requestOptions());
    if (this.closing || this.callId !== callId) return;
    this.syncSeq(res);
    if (res.status >= 200 && res.status < 300) {
      dialog.receiveResponse(res, true);
      this.granted(res, expires);
      return;
    }
    this.host.failed(this.event, res.status);
    const min = deltaSeconds(res.get('min-expires')?.trim());
    if (res.status === 423 && min !== undefined && !minRetry) {
      void this.refresh(min, true);
      return;
    }
    if (TERMINAL_REFRESH.has(res.status)) {
      this.terminated(`refresh-${res.status}`, undefined, res.status);
      return;
    }
    const left = this.expiresAt - Date.now();
    if (left <= 1000) {
      this.terminated('timeout', undefined, res.status);
      return;
    }
    // Try again before the subscription runs out.
    const wait = Math.min(this.backoff(), Math.floor(left / 2));
    this.refreshTimer = setTimeout(() => void this.refresh(expires), wait);
    this.refreshTimer.unref();
  }

  private inDialogSubscribe(expires: number): SipRequest {
    const d = this.dialog as Dialog;
    d.localSeq = this.localSeq;
    const req = d.createRequest('SUBSCRIBE');
    this.localSeq = d.localSeq;
    req.add('Contact', this.opts.contact);
    this.addSubscribeHeaders(req, expires);
    return req;
  }

  private addSubscribeHeaders(req: SipRequest, expires: number): void {
    req.set('Event', formatEventHeader(this.event, this.eventId));
    req.set('Expires', String(expires));
    if (this.opts.accept && this.opts.accept.length > 0) req.set('Accept', this.opts.accept.join(', '));
    if (this.opts.headers) for (const [n, v] of headerRows(this.opts.headers)) req.add(n, v);
    if (this.opts.body !== undefined && this.opts.body.length > 0) {
      req.set('Content-Type', this.opts.contentType ?? 'application/octet-stream');
      req.body = typeof this.opts.body === 'string' ? Buffer.from(this.opts.body) : this.opts.body;
    }
  }

  private requestOptions(): RequestOptions | undefined {
    return this.opts.credentials ? { credentials: this.opts.credentials } : undefined;
  }

  /** A digest retry used CSeq+1 (RFC 3261 §22.2): keep the local sequence number in step. */
  private syncSeq(res: SipResponse): void {
    const c = res.tryCSeq();
    if (c.ok && c.value.seq > this.localSeq) this.localSeq = c.value.seq;
    if (this.dialog && (this.dialog.localSeq ?? 0) < this.localSeq) this.dialog.localSeq = this.localSeq;
  }

  // ---- NOTIFY ----------------------------------------------------------------------------------

  /**
   * @internal Called by the subscriber with a NOTIFY routed to this subscription (by dialog, or by Call-ID
   * and our From tag while no dialog exists). RFC 6665 §4.1.4 / §4.5.2: one SUBSCRIBE makes at most one
   * subscription here — a NOTIFY from another dialog (a fork) is refused with 481, as the management-req
   * package requires (seed 000 §4.10).
   */
  async receiveNotify(ctx: ServerContext, state: SubscriptionStateHeader): Promise<void> {
    const req = ctx.request;
    if (this.dialog && this.dialog.id.remoteTag !== req.fromTag) {
      ctx.respond(481, 'Subscription Does Not Exist');
      return;
    }
    if (this.opts.authorizeNotify) {
      const verdict = await this.opts.authorizeNotify(ctx, this);
      if (!verdict.ok) {
        ctx.respond(verdict.status, verdict.reason, verdict.headers);
        return;
      }
    }
    if (!this.dialog) {
      // RFC 6665 §4.1.2.4 (paraphrase): a NOTIFY may arrive before the 2xx; it creates the dialog.
      const d = Dialog.fromUas(req, this.fromTag);
      if (!d.ok) {
        ctx.respond(400, 'Cannot Create Dialog');
        return;
      }
      d.dialog.localSeq = this.localSeq;
      this.adoptDialog(d.dialog);
    } else {
      // RFC 6665 §4.1.3 (paraphrase): NOTIFY is a target refresh request.
      const check = this.dialog.receiveRequest(req, true);
      if (!check.ok) {
        ctx.respond(check.status, check.reason);
        return;
      }
    }
    // RFC 6665 §4.1.3: "... the subscriber MUST send a 200-class response" to a valid NOTIFY.
    ctx.respond(200);
    this.clearTimerN();
    this.host.delivered(this.event);
    this.applyState(state);
    try {
      this.opts.onNotify?.(
        {
          contentType: req.contentType,
          body: req.body,
          subscriptionState: state,
          request: req,
          flow: ctx.flow,
        },
        this,
      );
    } catch (err) {
      this.host.log.error({ err, event: this.event }, 'onNotify handler failed');
    }
  }

  private applyState(s: SubscriptionStateHeader): void {
    if (this.closing) {
      if (s.state === 'terminated') {
        this.clearTimerN();
        this.unroute();
      }
      return;
    }
    if (s.state === 'terminated') {
      this.terminated(s.reason ?? 'no-reason', s.retryAfter, undefined);
      return;
    }
    if (s.expires !== undefined) {
      // RFC 6665 §4.1.3 (paraphrase): an "expires" parameter shorter than what the subscriber knew
      // replaces it; refreshes are rescheduled accordingly.
      const at = Date.now() + s.expires * 1000;
      if (this.expiresAt === 0 || at < this.expiresAt - 1000) {
        this.expires = s.expires;
        this.expiresAt = at;
        this.scheduleRefresh(s.expires);
      }
    }
    if (s.state === 'active') {
      this.attempts = 0;
      if (this.state !== ClientSubscriptionState.Active) this.setState(ClientSubscriptionState.Active, {});
    } else if (this.state !== ClientSubscriptionState.Pending) {
      this.setState(ClientSubscriptionState.Pending, {});
    }
  }

  /**
   * RFC 6665 §4.1.3 reasons: "deactivated: ... the subscriber SHOULD retry immediately with a new
   * subscription"; "probation: ... the subscriber SHOULD retry at some later time. If a "retry-after"
   * parameter is also present, the client SHOULD wait at least the number of seconds specified by that
   * parameter"; "rejected", "noresource", "invariant": the subscriber SHOULD NOT re-subscribe (paraphrase);
   * "timeout: ... MAY re-subscribe immediately"; "giveup": like probation. Unknown or absent reason: "MAY
   * attempt to re-subscribe at any time" — we use the back-off.
   */
  private terminated(reason: string, retryAfter: number | undefined, status: number | undefined): void {
    this.clearTimers();
    this.unroute();
    const allowed = this.opts.resubscribe !== false && !NO_RETRY.has(reason);
    if (!allowed) {
      this.setState(ClientSubscriptionState.Closed, { reason, status });
      return;
    }
    let wait: number;
    if (reason === 'deactivated' || reason === 'timeout') wait = this.attempts === 0 ? 0 : this.backoff();
    else wait = Math.max(this.backoff(), (retryAfter ?? 0) * 1000);
    this.attempts++;
    this.setState(ClientSubscriptionState.Terminated, { reason, status, retryInMs: wait });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.closing) void this.subscribe(this.opts.expires ?? 3600);
    }, wait);
    this.retryTimer.unref();
  }

  /** Exponential back-off with jitter: base * 2^attempts, capped, times 0.5..1. */
  private backoff(): number {
    const { retryBaseMs, retryMaxMs } = this.host.timing;
    const raw = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(this.attempts, 20));
    return Math.floor(raw * (0.5 + Math.random() / 2));
  }

  private adoptDialog(d: Dialog): void {
    this.dialog = d;
    this.dialogKeyValue = dialogKey(d.id);
    this.host.route(this.dialogKeyValue, this);
  }

  private unroute(): void {
    if (this.pendingKey !== undefined) this.host.route(this.pendingKey, undefined);
    if (this.dialogKeyValue !== undefined) this.host.route(this.dialogKeyValue, undefined);
    this.pendingKey = undefined;
    this.dialogKeyValue = undefined;
  }

  private startTimerN(): void {
    this.clearTimerN();
    this.timerN = setTimeout(() => {
      this.timerN = undefined;
      if (
        this.state === ClientSubscriptionState.Subscribing ||
        this.state === ClientSubscriptionState.NotifyWait
      ) {
        this.terminated('no-notify', undefined, undefined);
      }
    }, this.host.timing.timerN);
    this.timerN.unref();
  }

  private clearTimerN(): void {
    if (this.timerN) clearTimeout(this.timerN);
    this.timerN = undefined;
  }

  private clearTimers(): void {
    this.clearTimerN();
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.refreshTimer = undefined;
    this.retryTimer = undefined;
  }

  private setState(state: ClientSubscriptionState, detail: StateChangeDetail): void {
    const was = this.state;
    if (was === state && state !== ClientSubscriptionState.Terminated) return;
    const live = (s: ClientSubscriptionState): boolean =>
      s === ClientSubscriptionState.Active || s === ClientSubscriptionState.Pending;
    if (live(state) && !live(was)) this.host.counted(this.event, 1);
    if (!live(state) && live(was)) this.host.counted(this.event, -1);
    this.state = state;
    this.host.log.debug({ event: this.event, from: was, to: state, ...detail }, 'subscription state');
    try {
      this.opts.onStateChange?.(state, this, detail);
    } catch (err) {
      this.host.log.error({ err, event: this.event }, 'onStateChange handler failed');
    }
  }
}

/** RFC 6665 §4.1.2.2 responses to a refresh that end the subscription. */
const TERMINAL_REFRESH = new Set([404, 405, 410, 416, 480, 481, 482, 483, 484, 485, 489, 501, 604]);

/** Reasons after which the subscriber does not resubscribe by itself. */
const NO_RETRY = new Set(['rejected', 'noresource', 'invariant']);

function retryAfterHeader(res: SipResponse): number | undefined {
  const v = res.get('retry-after');
  if (v === undefined) return undefined;
  const m = /^\s*(\d+)/.exec(v);
  return m ? deltaSeconds(m[1]) : undefined;
}
