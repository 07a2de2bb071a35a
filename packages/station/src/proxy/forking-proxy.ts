import type { Counter, CounterChild, Logger, MetricsRegistry } from '@beckon/ops';
import {
  createResponse,
  isSipUri,
  responseChannel,
  parseNameAddr,
  parseUri,
  type Flow,
  type SendResult,
  type SendTarget,
  SipRequest,
  type SipResponse,
  type SipUri,
} from '@beckon/sip';
import type { BindingRecord, LocationService } from '../location/index.js';
import type { TempGruuCodec } from '../gruu/index.js';
import { bestResponseIndex } from './best-response.js';
import { hasLooped, loopHash, PROXY_BRANCH_PREFIX } from './loop-detection.js';
import type {
  ProxyChannel,
  ProxyClientTransaction,
  ProxyEndpoint,
  ProxyServerContext,
} from './proxy-endpoint.js';
import { resolveTargets } from './resolve-targets.js';
import { hopFromUri, type NextHop, type ProxyListener, uriTarget } from './next-hop.js';

/** The transport operations the proxy needs (TransportLayer implements them). */
export interface ProxyTransport {
  send(target: SendTarget | Flow, data: Buffer): Promise<SendResult>;
  getFlow(id: string): Flow | undefined;
}

export interface ForkingProxyComponents {
  readonly log: Logger;
  readonly metrics: MetricsRegistry;
  readonly location: LocationService;
  readonly endpoint: ProxyEndpoint;
  readonly transport: ProxyTransport;
}

export interface ForkingProxyInit {
  /** Domains this proxy is responsible for. */
  readonly domains: readonly string[];
  /** Where the station listens (Via sent-by, Record-Route, recognising its own Route entries). */
  readonly listeners: () => readonly ProxyListener[];
  /** User-part prefix of instrument URIs (seed 002; default '~~in~'). */
  readonly instrumentPrefix?: string;
  /** Insert Record-Route in dialog-creating requests (default false). */
  readonly recordRoute?: boolean;
  /** Forward requests for other domains (default false: 403, no open relay). */
  readonly openRelay?: boolean;
  /** Whether a user exists although it has no binding (480 instead of 404). */
  readonly knownUser?: (user: string) => boolean;
  /** Routes GRUUs (RFC 5627 §6) issued with this temporary-GRUU key; absent: GRUU routing off. */
  readonly gruu?: TempGruuCodec;
}

/** Methods the proxy forwards (others get 405 from the SIP core). */
export const PROXIED_METHODS = [
  'INVITE',
  'OPTIONS',
  'MESSAGE',
  'SUBSCRIBE',
  'NOTIFY',
  'BYE',
  'INFO',
  'UPDATE',
  'REFER',
  'PRACK',
  'PUBLISH',
] as const;

const DIALOG_CREATING = new Set(['INVITE', 'SUBSCRIBE', 'REFER']);

interface Branch {
  readonly request: SipRequest;
  readonly channel: ProxyChannel;
  tx: ProxyClientTransaction | undefined;
  provisional: boolean;
  done: boolean;
  cancelWanted: boolean;
  cancelSent: boolean;
}

interface ResponseContext {
  readonly ctx: ProxyServerContext;
  readonly invite: boolean;
  readonly branches: Branch[];
  readonly finals: SipResponse[];
  pending: number;
  finalSent: boolean;
}

/**
 * A stateful forking proxy (RFC 3261 §16) for the station's domain: requests for registered AORs and for
 * the instrument URIs of seed 002 are forked in parallel to every matching contact, each over the flow
 * the contact registered on (NAT traversal, RFC 5626) or along its Path (RFC 3327). Best-response
 * selection per §16.7, CANCEL of pending INVITE branches, optional Record-Route, Max-Forwards and loop
 * detection (§16.3).
 */
export class ForkingProxy {
  private readonly log: Logger;
  private readonly location: LocationService;
  private readonly endpoint: ProxyEndpoint;
  private readonly transport: ProxyTransport;
  private readonly domains: Set<string>;
  private readonly listeners: () => readonly ProxyListener[];
  private readonly prefix: string;
  private readonly recordRoute: boolean;
  private readonly openRelay: boolean;
  private readonly knownUser: ((user: string) => boolean) | undefined;
  private readonly gruu: TempGruuCodec | undefined;
  private readonly requestsCounter: Counter;
  private readonly responsesCounter: Counter;
  private readonly forks: CounterChild;
  private readonly children = new Map<string, CounterChild>();
  private branchCounter = 0;

  constructor(components: ForkingProxyComponents, init: ForkingProxyInit) {
    this.log = components.log.child({ component: 'station.proxy' });
    this.location = components.location;
    this.endpoint = components.endpoint;
    this.transport = components.transport;
    this.domains = new Set(init.domains.map((d) => d.toLowerCase()));
    this.listeners = init.listeners;
    this.prefix = init.instrumentPrefix ?? '~~in~';
    this.recordRoute = init.recordRoute ?? false;
    this.openRelay = init.openRelay ?? false;
    this.knownUser = init.knownUser;
    this.gruu = init.gruu;
    const m = components.metrics;
    this.requestsCounter = m.counter('proxy_requests', 'Requests received by the proxy, by method', [
      'method',
    ]);
    this.responsesCounter = m.counter(
      'proxy_responses',
      'Final responses sent upstream by the proxy, by code',
      ['code'],
    );
    this.forks = m.counter('proxy_forks', 'Branches (client transactions) created by the proxy').child();
  }

  /** Registers the proxy as the handler of every proxied method on the endpoint. */
  attach(): void {
    for (const method of PROXIED_METHODS) this.endpoint.onRequest(method, (ctx) => this.handle(ctx));
    this.endpoint.onRequest('ACK', (ctx) => this.forwardAck(ctx.request));
  }

  /** Handles one request received in a server transaction. */
  handle(ctx: ProxyServerContext): void {
    const req = ctx.request;
    this.count(this.requestsCounter, req.method);
    // §16.3 step 3: "If the request does not contain a Max-Forwards header field, this check is passed. If
    // the request contains a Max-Forwards header field with a field value of zero (0), the element MUST NOT
    // forward the request. [...] Otherwise, the element MUST return a 483 (Too many hops) response."
    const mf = req.maxForwards();
    if (mf === 0) return this.answer(ctx, 483);
    // §16.3 step 4: loop detection (see loopHash).
    const hash = loopHash(req);
    if (hasLooped(req, hash)) return this.answer(ctx, 482);

    // §16.3 step 5: "If the request contains a Proxy-Require header field [...] with one or more
    // option-tags this element does not understand, the element MUST return a 420 (Bad Extension)
    // response. The response MUST include an Unsupported [...] header field listing those option-tags".
    const proxyRequire = req
      .getAll('proxy-require')
      .map((t) => t.trim())
      .filter((t) => t !== '');
    if (proxyRequire.length > 0)
      return this.answer(ctx, 420, undefined, [['Unsupported', proxyRequire.join(', ')]]);

    const base = req.clone();
    // §16.4: "If the first value in the Route header field indicates this proxy, the proxy MUST remove
    // that value from the request."
    let poppedRoute = false;
    const routes = base.getAll('route');
    if (routes.length > 0 && this.isMine(routes[0] as string)) {
      base.removeFirstValue('route');
      poppedRoute = true;
    }
    // §16.6 step 3: "the proxy MUST decrement the Max-Forwards value by one" (or add it with 70).
    base.set('Max-Forwards', String(mf === undefined ? 70 : mf - 1));

    const next = base.getAll('route')[0];
    if (next !== undefined) {
      const hop = routeHop(next);
      if (!hop) return this.answer(ctx, 400, 'Bad Route Header');
      return this.fork(ctx, base, hash, [{ hop }]);
    }
    const ruri = base.uri;
    if (!isSipUri(ruri)) return this.answer(ctx, 416);
    if (this.isLocalHost(ruri)) {
      // A request for the station itself (no user part): OPTIONS is answered here (§11), others are 404.
      if (ruri.user === undefined || ruri.user === '') {
        if (base.method === 'OPTIONS')
          return this.answer(ctx, 200, undefined, [
            ['Allow', ['REGISTER', ...PROXIED_METHODS, 'ACK', 'CANCEL'].join(', ')],
          ]);
        return this.answer(ctx, 404);
      }
      const r = resolveTargets(ruri, this.location, {
        instrumentPrefix: this.prefix,
        ...(this.knownUser ? { knownUser: this.knownUser } : {}),
        ...(this.gruu ? { gruu: this.gruu } : {}),
      });
      if (r.kind === 'unknown') return this.answer(ctx, 404);
      // §21.4.18 480 Temporarily Unavailable: "The callee's end system was contacted successfully but
      // the callee is currently unavailable (for example, is not logged in)".
      if (r.kind === 'unavailable') return this.answer(ctx, 480);
      return this.fork(
        ctx,
        base,
        hash,
        r.bindings.map((binding) => ({ binding })),
      );
    }
    // Not our domain: in-dialog requests routed through us, or an open relay, go to the Request-URI.
    if ((poppedRoute && base.toTag !== undefined) || this.openRelay) {
      const hop = uriTarget(ruri);
      if (!hop) return this.answer(ctx, 404);
      return this.fork(ctx, base, hash, [{ hop }]);
    }
    return this.answer(ctx, 403, 'Relaying Denied');
  }

  private fork(
    ctx: ProxyServerContext,
    base: SipRequest,
    hash: string,
    targets: readonly { binding?: BindingRecord; hop?: HopTarget }[],
  ): void {
    const rc: ResponseContext = {
      ctx,
      invite: base.method === 'INVITE',
      branches: [],
      finals: [],
      pending: 0,
      finalSent: false,
    };
    if (rc.invite) ctx.onCancel(() => this.cancelPending(rc));
    for (const t of targets) {
      const made = t.binding ? this.bindingBranch(base, hash, t.binding) : this.hopBranch(base, hash, t.hop!);
      if (!made) continue;
      rc.branches.push(made);
      rc.pending++;
    }
    if (rc.branches.length === 0) return this.answer(ctx, 480);
    for (const b of rc.branches) this.start(rc, b);
  }

  private bindingBranch(base: SipRequest, hash: string, b: BindingRecord): Branch | undefined {
    const contact = parseUri(b.contact);
    if (!contact.ok) return undefined;
    const r = base.clone();
    // §16.6 step 2: "The proxy MUST place the Request-URI into the Request-URI of the copy".
    r.uri = contact.value;
    // RFC 3327 §5.3: the stored Path becomes the route set of requests to the contact.
    if (b.path && b.path.length > 0) {
      for (let i = b.path.length - 1; i >= 0; i--) r.prepend('Route', b.path[i] as string);
      const hop = routeHop(b.path[0] as string);
      if (!hop) return undefined;
      return this.branch(r, hash, this.hopChannel(hop), hop.transport);
    }
    const f = b.flow;
    if (f) {
      // RFC 5626 §5.3 / RFC 3581: send over the flow the registration came on (the NAT binding).
      const live =
        f.flowId !== undefined && f.transport !== 'udp' ? this.transport.getFlow(f.flowId) : undefined;
      if (live && !live.closed) return this.branch(r, hash, flowChannel(live), live.transport);
      if (f.transport === 'udp') {
        const target: SendTarget = { transport: 'udp', address: f.remoteAddress, port: f.remotePort };
        return this.branch(r, hash, this.targetChannel(target), 'udp');
      }
    }
    if (!isSipUri(contact.value)) return undefined;
    const hop = uriTarget(contact.value);
    if (!hop) return undefined;
    return this.branch(r, hash, this.hopChannel(hop), hop.transport);
  }

  private hopBranch(base: SipRequest, hash: string, hop: HopTarget): Branch | undefined {
    return this.branch(base.clone(), hash, this.hopChannel(hop), hop.transport);
  }

  private branch(r: SipRequest, hash: string, channel: ProxyChannel, transport: string): Branch | undefined {
    const l = this.listenerFor(transport);
    if (!l) return undefined;
    const sentBy = l.address.includes(':') ? `[${l.address}]:${l.port}` : `${l.address}:${l.port}`;
    if (this.recordRoute && DIALOG_CREATING.has(r.method)) {
      // §16.6 step 4: "The URI placed in the Record-Route header field value MUST be a SIP or SIPS URI
      // [...] the URI SHOULD contain the lr parameter".
      r.prepend('Record-Route', `<sip:${sentBy};transport=${l.transport};lr>`);
    }
    // §16.6 step 8: "the proxy MUST insert a Via header field value into the copy before the existing Via
    // header field values", with a branch unique to this client transaction.
    const branch = `${PROXY_BRANCH_PREFIX}${hash}.${(this.branchCounter++).toString(36)}`;
    r.prepend('Via', `SIP/2.0/${l.transport.toUpperCase()} ${sentBy};branch=${branch};rport`);
    return {
      request: r,
      channel,
      tx: undefined,
      provisional: false,
      done: false,
      cancelWanted: false,
      cancelSent: false,
    };
  }

  private start(rc: ResponseContext, b: Branch): void {
    const created = this.endpoint.transactions.createClient(b.request, b.channel, {
      onResponse: (res) => this.onResponse(rc, b, res),
      onTimeout: () => this.onBranchFinal(rc, b, createResponse(rc.ctx.request, 408)),
      onTransportError: (err) => {
        this.log.debug({ err: err.message }, 'branch transport error');
        this.onBranchFinal(rc, b, createResponse(rc.ctx.request, 503));
      },
    });
    if (!created.ok) {
      this.log.warn({ error: created.error }, 'branch not created');
      this.onBranchFinal(rc, b, createResponse(rc.ctx.request, 503));
      return;
    }
    b.tx = created.transaction;
    this.forks.inc();
    created.transaction.start();
  }

  private onResponse(rc: ResponseContext, b: Branch, res: SipResponse): void {
    // §16.7 step 3: "The proxy removes the topmost Via header field value from the response."
    res.removeFirstValue('via');
    if (res.status < 200) {
      b.provisional = true;
      if (b.cancelWanted && !b.cancelSent) this.sendCancel(b);
      // §16.7 step 5: provisional responses other than 100 are forwarded immediately.
      if (res.status !== 100 && !rc.finalSent) rc.ctx.send(res);
      return;
    }
    if (rc.invite && res.status < 300) {
      // §16.7 step 5: "Any 2xx responses to INVITE [...] MUST be forwarded immediately" (every one of them),
      // and §16.7 step 10 / §16.10: pending branches are cancelled.
      if (!b.done) {
        b.done = true;
        rc.pending--;
      }
      this.forwardFinal(rc, res);
      this.cancelPending(rc);
      return;
    }
    this.onBranchFinal(rc, b, res);
  }

  private onBranchFinal(rc: ResponseContext, b: Branch, res: SipResponse): void {
    if (b.done) return;
    b.done = true;
    rc.pending--;
    if (res.status < 300 && !rc.invite) {
      if (!rc.finalSent) this.forwardFinal(rc, res);
    } else {
      rc.finals.push(res);
      // §16.7 step 5 (6xx): "the proxy SHOULD cancel all client pending transactions".
      if (res.status >= 600 && rc.invite) this.cancelPending(rc);
    }
    if (rc.pending === 0 && !rc.finalSent) this.sendBest(rc);
  }

  private sendBest(rc: ResponseContext): void {
    const i = bestResponseIndex(rc.finals.map((r) => r.status));
    if (i < 0) return this.answerContext(rc, 408);
    const best = rc.finals[i] as SipResponse;
    // §16.7 step 6: "If the selected response is a 503 (Service Unavailable), the proxy MUST generate a 500".
    if (best.status === 503) return this.answerContext(rc, 500);
    // §16.7 step 7: "If the selected response is a 401 (Unauthorized) or 407 (Proxy Authentication
    // Required), the proxy MUST collect any WWW-Authenticate and Proxy-Authenticate header field values from
    // all other 401 (Unauthorized) and 407 (Proxy Authentication Required) responses received so far in this
    // response context and add them to this response without modification".
    if (best.status === 401 || best.status === 407) {
      for (const other of rc.finals) {
        if (other === best || (other.status !== 401 && other.status !== 407)) continue;
        for (const h of ['WWW-Authenticate', 'Proxy-Authenticate'])
          for (const v of other.getRows(h)) best.add(h, v);
      }
    }
    this.forwardFinal(rc, best);
  }

  private forwardFinal(rc: ResponseContext, res: SipResponse): void {
    this.count(this.responsesCounter, String(res.status));
    if (!rc.finalSent) {
      rc.finalSent = true;
      // §16.7 step 5 / §17.2.1: a 2xx to INVITE ends the INVITE server transaction; retransmitting it until
      // the ACK is the UAS's job, not the proxy's, so it bypasses the UAS-core 2xx retransmission of the
      // server context and goes to the transaction directly.
      if (rc.invite && res.status < 300) {
        if (rc.ctx.transaction?.respond(res.status, res.serialize())) return;
      } else if (rc.ctx.send(res)) return;
    }
    // A further 2xx to INVITE (another fork answered): forwarded outside the finished server transaction.
    const via = res.topVia();
    if (!via) return;
    try {
      const p = responseChannel(this.transport, rc.ctx.flow, via).send(res.serialize());
      if (p !== undefined) p.then(undefined, () => undefined);
    } catch {
      // Transport refused: the UAC retransmits its INVITE/ACK or times out; nothing else to do.
    }
  }

  private answerContext(rc: ResponseContext, status: number): void {
    rc.finalSent = true;
    this.answer(rc.ctx, status);
  }

  private answer(
    ctx: ProxyServerContext,
    status: number,
    reason?: string,
    headers?: [string, string][],
  ): void {
    this.count(this.responsesCounter, String(status));
    ctx.respond(status, reason, headers);
  }

  /** §9.1 / §16.10: CANCEL every INVITE branch without a final response. */
  private cancelPending(rc: ResponseContext): void {
    if (!rc.invite) return;
    for (const b of rc.branches) {
      if (b.done || b.cancelWanted) continue;
      b.cancelWanted = true;
      // §9.1: "If no provisional response has been received, the CANCEL request MUST NOT be sent; rather,
      // the client MUST wait for the arrival of a provisional response before sending the request."
      if (b.provisional) this.sendCancel(b);
    }
  }

  /**
   * §9.1: "The Request-URI, Call-ID, To, the numeric part of CSeq, and From header fields in the CANCEL
   * request MUST be identical to those in the request being cancelled, including tags. A CANCEL
   * constructed by a client MUST have only a single Via header field value matching the top Via value in
   * the request being cancelled." Route header fields are copied too.
   */
  private sendCancel(b: Branch): void {
    b.cancelSent = true;
    const inv = b.request;
    const c = inv.clone();
    const cancel = createCancel(c);
    if (!cancel) return;
    const created = this.endpoint.transactions.createClient(cancel, b.channel, {
      onResponse: () => undefined,
      onTimeout: () => undefined,
      onTransportError: () => undefined,
    });
    if (created.ok) created.transaction.start();
  }

  /** A 2xx ACK routed through us (Record-Route): forwarded statelessly (§16.11 style). */
  private forwardAck(ack: SipRequest): void {
    const r = ack.clone();
    const routes = r.getAll('route');
    if (routes.length > 0 && this.isMine(routes[0] as string)) r.removeFirstValue('route');
    const mf = r.maxForwards();
    if (mf === 0) return;
    r.set('Max-Forwards', String(mf === undefined ? 70 : mf - 1));
    const next = r.getAll('route')[0];
    let hop: HopTarget | undefined;
    if (next !== undefined) hop = routeHop(next);
    else if (isSipUri(r.uri)) hop = this.hopForUri(r.uri);
    if (!hop) return;
    const l = this.listenerFor(hop.transport);
    if (!l) return;
    const sentBy = l.address.includes(':') ? `[${l.address}]:${l.port}` : `${l.address}:${l.port}`;
    r.prepend(
      'Via',
      `SIP/2.0/${l.transport.toUpperCase()} ${sentBy};branch=${PROXY_BRANCH_PREFIX}ack.${(this.branchCounter++).toString(36)}`,
    );
    void this.transport.send(hop.target, r.serialize());
  }

  /** Registered contact with this URI (the UAS behind NAT) -> its flow; else the URI itself. */
  private hopForUri(uri: SipUri): HopTarget | undefined {
    return uriTarget(uri);
  }

  private hopChannel(hop: HopTarget): ProxyChannel {
    return this.targetChannel(hop.target);
  }

  private targetChannel(target: SendTarget): ProxyChannel {
    const transport = this.transport;
    return {
      reliable: target.transport !== 'udp',
      async send(data: Buffer): Promise<void> {
        const r = await transport.send(target, data);
        if (!r.ok) throw new Error(`send failed: ${r.error}`);
      },
    };
  }

  private listenerFor(transport: string): ProxyListener | undefined {
    const all = this.listeners();
    return all.find((l) => l.transport === transport) ?? all.find((l) => l.transport === 'udp');
  }

  private isLocalHost(uri: SipUri): boolean {
    const host = uri.host.toLowerCase();
    if (this.domains.has(host)) return true;
    const port = uri.port ?? 5060;
    return this.listeners().some((l) => l.address === host && l.port === port);
  }

  /** True when a Route value names this proxy (one of its listeners, or its domain without a user). */
  private isMine(route: string): boolean {
    const na = parseNameAddr(route);
    if (!na.ok || !isSipUri(na.value.uri)) return false;
    const u = na.value.uri;
    const host = u.host.toLowerCase();
    const port = u.port ?? 5060;
    if (this.listeners().some((l) => l.address === host && l.port === port)) return true;
    return u.user === undefined && this.domains.has(host);
  }

  private count(counter: Counter, label: string): void {
    const key = counter.name + '\u0000' + label;
    let c = this.children.get(key);
    if (!c) {
      c = counter.child(label);
      this.children.set(key, c);
    }
    c.inc();
  }
}

type HopTarget = NextHop;

function routeHop(route: string): HopTarget | undefined {
  const na = parseNameAddr(route);
  if (!na.ok || !isSipUri(na.value.uri)) return undefined;
  return hopFromUri(na.value.uri);
}

function flowChannel(flow: Flow): ProxyChannel {
  return {
    reliable: flow.reliable,
    send(data: Buffer): void {
      const r = flow.send(data);
      if (!r.ok) throw new Error(`send failed: ${r.error}`);
    },
  };
}

function createCancel(invite: SipRequest): SipRequest | undefined {
  const cseq = invite.tryCSeq();
  const via = invite.getAll('via')[0];
  if (!cseq.ok || via === undefined) return undefined;
  const c = new SipRequest('CANCEL', invite.uri, invite.rawUri);
  c.add('Via', via);
  for (const h of ['From', 'To', 'Call-ID']) {
    const v = invite.get(h);
    if (v !== undefined) c.add(h, v);
  }
  c.add('CSeq', `${cseq.value.seq} CANCEL`);
  for (const r of invite.getRows('route')) c.add('Route', r);
  c.add('Max-Forwards', '70');
  return c;
}
