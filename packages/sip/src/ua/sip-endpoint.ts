import { BadInputReporter, type Logger, type MetricsRegistry } from '@beckon/ops';
import { DigestClient } from '../auth/digest-client.js';
import type { Uri } from '../grammar/uri.js';
import { createErrorResponse, createResponse } from '../message/create-response.js';
import { parseMessage } from '../message/parse-message.js';
import type { SipParseError } from '../message/sip-parse-error.js';
import { SipRequest } from '../message/sip-request.js';
import type { SipResponse } from '../message/sip-response.js';
import { InviteServerTransaction } from '../transaction/invite-server-transaction.js';
import { flatKey, MAGIC_COOKIE } from '../transaction/transaction-key.js';
import { serverKey, TransactionLayer, type ServerTransaction } from '../transaction/transaction-layer.js';
import type { TransactionChannel } from '../transaction/transaction-channel.js';
import type { TransactionTimerInit } from '../transaction/transaction-timers.js';
import type {
  Flow,
  FlowCloseReason,
  ListenerInfo,
  SendTarget,
  StartResult,
  TransportUser,
} from '../transport/transport-types.js';
import { formatHostPort } from '../transport/transport-types.js';
import { EndpointMetrics } from './endpoint-metrics.js';
import type { FlowChannelCache, TargetSender } from './flow-channel.js';
import { checkRequest } from './request-checks.js';
import { targetFromUri, UacTargets } from './uac-targets.js';
import { RequestRouter, type DialogRouteId, type RequestFilter } from './request-router.js';
import { responseChannel } from './response-channel.js';
import { headerRows, ServerContext, type HeaderInit, type ServerContextHost } from './server-context.js';
import { stampVia } from './stamp-via.js';
import { TokenSource } from './token-source.js';
import { runUacRequest, type RequestOptions } from './uac-request.js';

/** The part of the transport layer the endpoint uses (`TransportLayer` implements it). */
export interface EndpointTransport extends TargetSender {
  setUser(user: TransportUser | undefined): void;
  listeners(): ListenerInfo[];
  start?(): Promise<StartResult>;
  stop?(): Promise<void>;
}

export interface SipEndpointComponents {
  log: Logger;
  metrics: MetricsRegistry;
  /** The transport layer below; the endpoint registers itself as its user. */
  transport: EndpointTransport;
  /** Shared digest client (nonce-counts); one is created when absent. */
  digestClient?: DigestClient;
}

export interface SipEndpointInit {
  /** T1/T2/T4 in milliseconds. */
  timers?: TransactionTimerInit;
  /** Server header of responses (default `Beckon`; empty string: none). */
  serverHeader?: string;
  /** User-Agent header of requests made by `createRequest` (default `Beckon`; empty string: none). */
  userAgent?: string;
  /** Option tags this UAS supports (Supported of OPTIONS, Require check). Default none. */
  supported?: readonly string[];
  /** Body types listed in Accept of the OPTIONS answer (default `application/sdp`). */
  accept?: readonly string[];
  /** Host written in Via sent-by / Contact when a listener is bound to a wildcard address. */
  advertisedHost?: string;
  /** An INVITE without a final response from its handler is answered 408 after this long (default 180000). */
  inviteTimeoutMs?: number;
  /** Interval of the bad-input summary log line, ms (default 10000). */
  badInputLogIntervalMs?: number;
  /**
   * Methods answered without a server transaction (RFC 3261 §8.2.7 stateless UAS; like Kamailio's
   * `sl_send_reply`). A retransmitted request is then handled again instead of being absorbed, so only
   * idempotent methods belong here: typically `['OPTIONS']` for liveness probes at high rates. INVITE,
   * ACK and CANCEL are ignored. Default none.
   */
  statelessMethods?: readonly string[];
}

/** Handler of requests of one method. May respond later; a thrown error or rejection answers 500. */
export type RequestHandler = (ctx: ServerContext) => void | Promise<void>;

/** Where `request()` sends: an existing flow, or a transport/address/port. */
export type RequestTarget = Flow | SendTarget;

export interface CreateRequestInit {
  /** From as name-addr (`<sip:beckon@host>`); a tag is added when missing. */
  from: string;
  /** To as name-addr; default `<` + request URI + `>`. */
  to?: string;
  callId?: string;
  cseq?: number;
  contact?: string;
  headers?: HeaderInit;
  body?: Buffer | string;
}

/**
 * The SIP user-agent core (RFC 3261 §8): TransportLayer -> parse -> transaction layer -> handlers.
 *
 * Inbound requests are stamped (RFC 3581), matched to server transactions, checked (§8.2) and handed to
 * the handler registered for their method; OPTIONS is answered by default. Outbound requests go through
 * `request()`, which resolves with the final response.
 */
export class SipEndpoint implements TransportUser, ServerContextHost {
  readonly log: Logger;
  readonly metrics: EndpointMetrics;
  readonly transactions: TransactionLayer;
  readonly digest: DigestClient;
  readonly serverHeader: string | undefined;
  private readonly transport: EndpointTransport;
  private readonly userAgent: string | undefined;
  private readonly supported: Set<string>;
  private readonly accept: string;
  private readonly badInput: BadInputReporter;
  private readonly handlers = new Map<string, RequestHandler>();
  private allowValue = '';
  private optionsRows: [string, string][] = [];
  private readonly statelessMethods: ReadonlySet<string>;
  private readonly inviteContexts = new Map<ServerTransaction, ServerContext>();
  private readonly awaitingAck = new Map<string, ServerContext>();
  private readonly liveRequests = new Map<string, string>();
  private readonly flowChannels: FlowChannelCache = new WeakMap();
  private readonly router = new RequestRouter();
  private readonly targets: UacTargets;
  private stopped = false;
  private readonly tokens = new TokenSource();
  private readonly inviteTimeoutMs: number;

  constructor(components: SipEndpointComponents, init: SipEndpointInit = {}) {
    this.log = components.log.child({ component: 'sip.ua' });
    this.metrics = new EndpointMetrics(components.metrics);
    this.transactions = new TransactionLayer(components, {
      timers: init.timers,
      onServerTerminated: (tx) => this.serverTransactionEnded(tx),
    });
    this.transport = components.transport;
    this.digest = components.digestClient ?? new DigestClient();
    this.serverHeader = emptyToUndefined(init.serverHeader ?? 'Beckon');
    this.userAgent = emptyToUndefined(init.userAgent ?? 'Beckon');
    this.supported = new Set((init.supported ?? []).map((t) => t.toLowerCase()));
    this.accept = (init.accept ?? ['application/sdp']).join(', ');
    this.targets = new UacTargets(components.transport, init.advertisedHost);
    this.inviteTimeoutMs = init.inviteTimeoutMs ?? 180_000;
    this.statelessMethods = new Set(
      (init.statelessMethods ?? []).filter((m) => m !== 'INVITE' && m !== 'ACK' && m !== 'CANCEL'),
    );
    this.badInput = new BadInputReporter(
      this.log,
      components.metrics.counter('sip_parse_errors', 'SIP messages that failed to parse', ['reason']),
      init.badInputLogIntervalMs,
    );
    this.updateAllow();
    this.transport.setUser(this);
  }

  /** ServerContextHost: a To/From tag, 48 random bits. */
  newTag(): string {
    return this.tokens.hex(6);
  }

  /** UacHost: §8.1.1.7 branch, the magic cookie and 80 random bits. */
  newBranch(): string {
    return MAGIC_COOKIE + this.tokens.base64url(10);
  }

  get timers(): TransactionLayer['timers'] {
    return this.transactions.timers;
  }

  /** Starts the transport when the endpoint drives it (a transport with `start`). */
  async start(): Promise<StartResult> {
    if (this.transport.start) return this.transport.start();
    return { ok: true, listeners: this.transport.listeners() };
  }

  /** Ends every transaction and timer, detaches from the transport and stops it (when it can). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const ctx of this.awaitingAck.values()) ctx._dispose();
    this.awaitingAck.clear();
    this.transactions.dispose();
    this.inviteContexts.clear();
    this.liveRequests.clear();
    this.badInput.dispose();
    this.transport.setUser(undefined);
    if (this.transport.stop) await this.transport.stop();
  }

  /** Registers the handler of a method (replacing an earlier one). `ACK` handlers get 2xx ACKs. */
  onRequest(method: string, handler: RequestHandler): void {
    this.handlers.set(method, handler);
    this.updateAllow();
  }

  offRequest(method: string): void {
    this.handlers.delete(method);
    this.updateAllow();
  }

  /** Value of the Allow header this endpoint sends. */
  get allow(): string {
    return this.allowValue;
  }

  // ---- outbound ----------------------------------------------------------------------------

  /**
   * Builds a request with the mandatory headers of §8.1.1: Call-ID (random unless given), CSeq (1 unless
   * given), From with a tag, To, Max-Forwards 70, User-Agent.
   */
  createRequest(method: string, uri: string | Uri, init: CreateRequestInit): SipRequest {
    const req = new SipRequest(method, uri);
    const from = /;\s*tag\s*=/i.test(init.from) ? init.from : `${init.from};tag=${this.newTag()}`;
    req.add('Max-Forwards', '70');
    req.add('From', from);
    req.add('To', init.to ?? `<${req.rawUri}>`);
    req.add('Call-ID', init.callId ?? this.tokens.base64url(12));
    req.add('CSeq', `${init.cseq ?? 1} ${method}`);
    if (init.contact !== undefined) req.add('Contact', init.contact);
    if (this.userAgent !== undefined) req.add('User-Agent', this.userAgent);
    if (init.headers) for (const [n, v] of headerRows(init.headers)) req.add(n, v);
    if (init.body !== undefined)
      req.body = typeof init.body === 'string' ? Buffer.from(init.body) : init.body;
    return req;
  }

  /**
   * Sends a request and resolves with its final response (never rejects): a timeout resolves as a local
   * 408, a transport failure or an unresolvable target as a local 503 (RFC 3261 §8.1.3.1); such responses
   * have `res.local === true` and `res.localReason` set. Without a
   * target the Request-URI is used (IP literal or A/AAAA lookup; no RFC 3263 NAPTR/SRV).
   */
  request(req: SipRequest, target?: RequestTarget, opts?: RequestOptions): Promise<SipResponse> {
    if (this.stopped)
      return Promise.resolve(createResponse(req, 503, 'Service Unavailable').markLocal('stopped'));
    // With a target (a flow, for in-dialog requests) nothing is awaited before the send.
    if (target !== undefined) return this.requestTo(req, target, opts);
    return targetFromUri(req.uri).then((dest) =>
      dest
        ? this.requestTo(req, dest, opts)
        : createResponse(req, 503, 'Service Unavailable').markLocal('no-route'),
    );
  }

  private requestTo(
    req: SipRequest,
    dest: RequestTarget,
    opts: RequestOptions | undefined,
  ): Promise<SipResponse> {
    const route = this.targets.routeFor(dest);
    if (!route) return Promise.resolve(createResponse(req, 503, 'Service Unavailable').markLocal('no-route'));
    return runUacRequest(this, req, route, opts);
  }

  // ---- inbound -----------------------------------------------------------------------------

  /** TransportUser: one complete message from a flow. */
  onMessage(data: Buffer, flow: Flow): void {
    if (this.stopped) return;
    const parsed = parseMessage(data, { requireContentLength: flow.reliable });
    if (!parsed.ok) {
      this.onParseError(parsed.error, flow);
      return;
    }
    const msg = parsed.message;
    if (msg.kind === 'response') this.onResponse(msg);
    else this.onIncomingRequest(msg, flow);
  }

  onFlowClosed(_flow: Flow, _reason: FlowCloseReason): void {
    // Transactions on a closed flow find out when they next send (transport error).
  }

  private onParseError(error: SipParseError, flow: Flow): void {
    this.badInput.report(error.code, { flow: flow.id, detail: error.reason, header: error.header });
    // RFC 3261 §21.4.1 400 Bad Request: "The request could not be understood due to malformed syntax. The
    // Reason-Phrase SHOULD identify the syntax problem in more detail". Answered statelessly, and only
    // when the top Via could be read so that the response can be routed (§18.2.2).
    const res = createErrorResponse(error, this.newTag());
    if (!res) return;
    stampVia(res, flow);
    if (this.serverHeader !== undefined) res.add('Server', this.serverHeader);
    // §20.43: warn-agent = hostport / pseudonym; 399 is the "Miscellaneous warning" code.
    res.add(
      'Warning',
      `399 ${formatHostPort(this.targets.hostFor(flow.local.address), flow.local.port)} "${error.reason.replace(/["\\\r\n]/g, ' ')}"`,
    );
    const via = res.topVia();
    if (!via) return;
    this.sendStateless(responseChannel(this.transport, flow, via), res);
  }

  /** Sends a response outside any transaction (§8.2.7 stateless UAS behaviour); failures are logged. */
  private sendStateless(channel: TransactionChannel, res: SipResponse): void {
    const failed = (err: unknown): void =>
      this.log.debug({ err, status: res.status }, 'stateless response not sent');
    try {
      const p = channel.send(res.serialize());
      if (p !== undefined) p.then(undefined, failed);
      this.metrics.responseOut(cseqMethod(res), res.status);
    } catch (err) {
      failed(err);
    }
  }

  /** Responses absorbed as retransmissions are counted in `sip_retransmissions_received`, not here. */
  private onResponse(res: SipResponse): void {
    const tx = this.transactions.findClient(res);
    if (!tx) {
      this.metrics.responseIn(cseqMethod(res), res.status);
      // §18.1.2 / §17.1.3: a response that matches no client transaction goes to the core; for a UAC core
      // without dialogs there is nothing to do with it.
      this.log.debug({ status: res.status, callId: res.get('call-id') }, 'stray response dropped');
      return;
    }
    if (!tx.receiveResponse(res)) this.metrics.responseIn(cseqMethod(res), res.status);
  }

  /** Requests absorbed as retransmissions are counted in `sip_retransmissions_received`, not here. */
  private onIncomingRequest(req: SipRequest, flow: Flow): void {
    if (!stampVia(req, flow)) return;
    if (req.method === 'ACK') {
      this.onAck(req, flow);
      return;
    }
    if (this.statelessMethods.has(req.method)) {
      this.onStatelessRequest(req, flow);
      return;
    }
    const id = serverKey(req, req.method);
    if (id === undefined) return;
    const existing = this.transactions.findServerById(id);
    if (existing) {
      existing.receiveRequestRetransmission();
      return;
    }
    this.metrics.requestIn(req.method);
    const via = req.topVia();
    if (!via) return;
    const created = this.transactions.createServer(
      req,
      responseChannel(this.transport, flow, via, this.flowChannels),
      undefined,
      id,
    );
    if (!created.ok) return;
    const tx = created.transaction;
    const ctx = new ServerContext(this, req, flow, tx);
    if (tx instanceof InviteServerTransaction) {
      this.inviteContexts.set(tx, ctx);
      tx.setUser({
        onAck: (ack) => ctx._ack(ack),
        onTerminated: () => {
          this.inviteContexts.delete(tx);
          ctx._dispose();
        },
      });
      // §17.2.1: "the server transaction MUST generate a 100 (Trying) response unless it knows that the
      // TU will generate a provisional or final response within 200 ms".
      ctx.respond(100);
    } else {
      tx.setUser(ctx);
    }
    if (req.method === 'CANCEL') {
      this.onCancel(ctx);
      return;
    }
    if (this.isMergedRequest(req, tx)) {
      // §8.2.2.2: "If the From tag, Call-ID, and CSeq exactly match those associated with an ongoing
      // transaction, but the request does not match that transaction [...], the UAS core SHOULD generate
      // a 482 (Loop Detected) response and pass it to the server transaction."
      ctx.respond(482);
      return;
    }
    this.route(req, ctx);
  }

  /**
   * Picks the handler of a request: a dialog route (in-dialog requests, matched by Call-ID and tags), then
   * the request filters in the order they were added, then the handler of the method; runs the §8.2 checks
   * and dispatches.
   */
  private route(req: SipRequest, ctx: ServerContext): void {
    const claimed = this.router.claim(req, ctx.flow);
    const rejection = checkRequest(req, {
      handled: claimed ? ALL_METHODS : this.handlers,
      allow: this.allowValue,
      supported: this.supported,
    });
    if (rejection) {
      ctx.respond(rejection.status, rejection.reason, rejection.headers);
      return;
    }
    const handler = claimed ?? this.handlers.get(req.method);
    if (!handler) {
      if (req.method === 'OPTIONS') this.answerOptions(ctx);
      return;
    }
    this.dispatch(handler, ctx);
  }

  /**
   * Adds a request filter, consulted for every new request (not ACKs of 2xx, not CANCEL) before the
   * handler of its method: the first filter that returns a handler gets the request, and the method's own
   * handler does not see it. Filters run in the order added and must be cheap (they see every request).
   * Returns a function that removes the filter. Methods only reachable through filters are not listed in
   * Allow (register a method handler as well to advertise them).
   */
  addRequestFilter(filter: RequestFilter): () => void {
    return this.router.addFilter(filter);
  }

  /**
   * Routes the in-dialog requests of one dialog to `handler`, whatever their method (RFC 3261 §12.2.2: a
   * request with a To tag is matched to a dialog by Call-ID, local tag and remote tag). `localTag` is our
   * tag (the To tag of incoming in-dialog requests), `remoteTag` the peer's (their From tag). Dialog routes
   * come before request filters and method handlers. Returns a function that removes the route.
   */
  routeDialog(dialog: DialogRouteId, handler: RequestHandler): () => void {
    return this.router.addDialog(dialog, handler);
  }

  /** §8.2.7: a request of a `statelessMethods` method: checks, then the handler, no server transaction. */
  private onStatelessRequest(req: SipRequest, flow: Flow): void {
    this.metrics.requestIn(req.method);
    const via = req.topVia();
    if (!via) return;
    const ctx = new ServerContext(
      this,
      req,
      flow,
      undefined,
      responseChannel(this.transport, flow, via, this.flowChannels),
    );
    this.route(req, ctx);
  }

  private dispatch(handler: RequestHandler, ctx: ServerContext): void {
    const tx = ctx.transaction;
    if (tx instanceof InviteServerTransaction) {
      // Like a proxy's Timer C (§16.6), an INVITE nobody answers is ended with 408 (Request Timeout).
      ctx._armDeadline(this.inviteTimeoutMs, () => ctx.respond(408));
    } else if (ctx.stateless) {
      ctx._armDeadline(this.transactions.timers.t1x64, () =>
        this.log.warn(
          { method: ctx.method, callId: ctx.request.get('call-id') },
          'handler sent no final response',
        ),
      );
    } else if (tx) {
      // After 64*T1 the client transaction has timed out (Timer F): a late answer reaches no one.
      ctx._armTransactionDeadline(this.transactions.lanes, this.transactions.timers.t1x64);
    }
    const fail = (err: unknown): void => {
      this.log.error({ err, method: ctx.method }, 'request handler failed');
      // §21.5.1 500 Server Internal Error: "The server encountered an unexpected condition".
      ctx.respond(500);
    };
    try {
      const p = handler(ctx);
      if (p !== undefined) p.then(undefined, fail);
    } catch (err) {
      fail(err);
    }
  }

  /**
   * §11.2: "The response to an OPTIONS is constructed using the standard rules for a SIP response [...].
   * Allow, Accept, Accept-Encoding, Accept-Language, and Supported header fields SHOULD be present".
   */
  private answerOptions(ctx: ServerContext): void {
    ctx.respond(200, undefined, this.optionsRows);
  }

  /**
   * §9.2: "If the UAS did not find a matching transaction for the CANCEL according to the procedure above,
   * it SHOULD respond to the CANCEL with a 481 (Call Leg/Transaction Does Not Exist). [...] If the
   * original request was an INVITE, the UAS SHOULD immediately respond to the INVITE with a 487 (Request
   * Terminated). [...] a CANCEL request has no impact on the processing of transactions with any other
   * method [...]. The response to the CANCEL is a 200 (OK) regardless."
   */
  private onCancel(ctx: ServerContext): void {
    const target = this.transactions.findCancelTarget(ctx.request);
    const inviteCtx = target ? this.inviteContexts.get(target) : undefined;
    if (!target || !inviteCtx) {
      ctx.respond(481);
      return;
    }
    ctx.respond(200);
    inviteCtx._cancel();
  }

  /** ACKs: for a non-2xx they belong to the INVITE server transaction; 2xx ACKs are end-to-end. */
  private onAck(ack: SipRequest, flow: Flow): void {
    const tx = this.transactions.findServer(ack);
    if (tx instanceof InviteServerTransaction) {
      if (!tx.receiveAck(ack)) this.metrics.requestIn('ACK');
      return;
    }
    this.metrics.requestIn('ACK');
    const key = ackKey(ack);
    const waiting = key === undefined ? undefined : this.awaitingAck.get(key);
    if (waiting) {
      waiting._ack(ack);
      return;
    }
    const handler = this.handlers.get('ACK');
    if (handler) {
      this.dispatch(handler, new ServerContext(this, ack, flow, undefined));
      return;
    }
    // A stray ACK (its transaction gone, or never ours) is absorbed.
    this.log.debug({ callId: ack.get('call-id') }, 'stray ACK absorbed');
  }

  /** ServerContextHost: a 2xx to an INVITE was sent; its ACK is matched by Call-ID, CSeq, tags. */
  awaitAck(ctx: ServerContext): void {
    const key = ackKey(ctx.request, ctx.localTag);
    if (key !== undefined) this.awaitingAck.set(key, ctx);
  }

  ackDone(ctx: ServerContext): void {
    const key = ackKey(ctx.request, ctx.localTag);
    if (key !== undefined && this.awaitingAck.get(key) === ctx) this.awaitingAck.delete(key);
  }

  private isMergedRequest(req: SipRequest, tx: ServerTransaction): boolean {
    if (req.toTag !== undefined) return false;
    const cseq = req.tryCSeq();
    const callId = req.tryCallId();
    if (!cseq.ok || !callId.ok) return false;
    const key = flatKey(
      (req.fromTag ?? '') + '|' + callId.value + '|' + cseq.value.seq + '|' + cseq.value.method,
    );
    const other = this.liveRequests.get(key);
    if (other !== undefined && other !== tx.id) return true;
    this.liveRequests.set(key, tx.id);
    tx.tuKey = key;
    return false;
  }

  private serverTransactionEnded(tx: ServerTransaction): void {
    const key = tx.tuKey;
    if (key !== undefined && this.liveRequests.get(key) === tx.id) this.liveRequests.delete(key);
  }

  private updateAllow(): void {
    const methods = new Set<string>(['OPTIONS', ...this.handlers.keys()]);
    if (methods.has('INVITE')) {
      methods.add('ACK');
      methods.add('CANCEL');
    }
    this.allowValue = [...methods].join(', ');
    this.optionsRows = [
      ['Allow', this.allowValue],
      ['Accept', this.accept],
      ['Accept-Encoding', 'identity'],
      ['Accept-Language', 'en'],
      ['Supported', [...this.supported].join(', ')],
    ];
  }
}

const ALL_METHODS = { has: (): boolean => true };

function emptyToUndefined(s: string): string | undefined {
  return s === '' ? undefined : s;
}

/** Call-ID, CSeq number, From tag and To tag: what ties a 2xx ACK to its INVITE (§13.3.1.4, §12). */
function ackKey(req: SipRequest, localTag?: string): string | undefined {
  const callId = req.tryCallId();
  const cseq = req.tryCSeq();
  if (!callId.ok || !cseq.ok) return undefined;
  const toTag = localTag ?? req.toTag ?? '';
  return callId.value + '|' + cseq.value.seq + '|' + (req.fromTag ?? '') + '|' + toTag;
}

/** The CSeq method of a response (parsed and checked by parseMessage; 'other' when unreadable). */
function cseqMethod(res: SipResponse): string {
  const c = res.tryCSeq();
  return c.ok ? c.value.method : 'other';
}
