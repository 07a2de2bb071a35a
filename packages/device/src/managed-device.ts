import type { ConnectionOptions } from 'node:tls';
import type { Counter, Logger, MetricsRegistry } from '@beckon/ops';
import {
  type ClientSubscription,
  type DigestServer,
  type NotifyAuthOutcome,
  type ReceivedNotify,
  type RequestTarget,
  type ServerContext,
  type SipEndpoint,
  type Subscriber,
} from '@beckon/sip';
import { callHome, type CallHomeResult } from './call-home-client.js';
import { CloseDeviceSession, type DeviceSessionHandler } from './device-session-handler.js';
import { formatMac, macToInstanceUrn } from './mac-address.js';
import { managementUris, type ManagementUriOverride } from './management-uri.js';
import { decodeProtosNotify, encodeProtosList, MGMT_PROTOS_LIST_TYPE, protoParam } from '@beckon/mgmt';

/** Lifecycle of a managed device agent. */
export enum ManagedDeviceState {
  Idle = 'idle',
  Registering = 'registering',
  Subscribing = 'subscribing',
  Subscribed = 'subscribed',
  Stopped = 'stopped',
}

export interface ManagedDeviceComponents {
  log: Logger;
  metrics: MetricsRegistry;
  /** Shared by many devices in a simulator. */
  endpoint: Pick<SipEndpoint, 'createRequest' | 'request'>;
  /** The endpoint's subscriber (one per endpoint: it owns the NOTIFY handler). */
  subscriber: Subscriber;
  /** Checks the station's digest answer when the device challenges NOTIFYs (seed 000 §6). */
  notifyDigest?: DigestServer;
  sessions?: DeviceSessionHandler;
}

/** How the device identifies its instrument (seed 002). */
export type InstrumentIdentification = 'digest-username' | 'sip-instance' | 'both';

export interface ManagedDeviceInit {
  /** MAC address of the device (any usual spelling). */
  mac: string;
  /** Authentication user and password. */
  user: string;
  password: string;
  /** Management / SIP domain. */
  domain: string;
  /** Seed 002: `user/MAC` digest username, `+sip.instance` with a v1 UUID from the MAC, or both. */
  identification?: InstrumentIdentification;
  /** Where Contact points: this device's SIP listener as the station should see it. */
  contact: { host: string; port: number; transport: 'udp' | 'tcp' | 'tls' };
  /** Register first (omit to only subscribe). */
  registrar?: { target: RequestTarget; expiresSec?: number };
  /** §4.6 discovery overrides and the destination of the SUBSCRIBE (default: resolve the Request-URI). */
  management?: ManagementUriOverride & { target?: RequestTarget };
  /** Offered protocols, preference order (seed 000 §4.3). */
  protocols: readonly string[];
  /** Extra Accept types (notification types implying a protocol, §4.6). */
  accept?: readonly string[];
  /** Requested subscription duration (s), default 3600. */
  expiresSec?: number;
  /** Call-home safety: only these `host:port` destinations are called (seed 000 §6). */
  callHome: {
    allowed: readonly string[];
    tls?: ConnectionOptions;
    /** Least time between two call-home attempts (ms), default 10000; a later NOTIFY waits its turn. */
    minIntervalMs?: number;
    timeoutMs?: number;
  };
  /** Challenge NOTIFYs with digest (needs `notifyDigest`): 'non-empty' (default when set) or 'all'. */
  challengeNotify?: 'all' | 'non-empty';
  /** Resubscribe back-off etc. are the subscriber's. */
}

/** One call-home outcome (simulator statistics, tests). */
export interface CallHomeEvent {
  requestId: string;
  protocol: string;
  /** Epoch ms the NOTIFY was received and the connection was accepted (or failed). */
  notifiedAt: number;
  doneAt: number;
  result: 'ok' | 'refused' | 'failed' | 'not-allowed' | 'bad-notify';
  detail?: string;
}

/**
 * A managed device (the `beckon device` agent): registers with instrument identification, subscribes to
 * management-req (seed 000 §4.6) with its protocol list, keeps the subscription alive (the subscriber
 * refreshes and resubscribes), and calls home at once on a non-empty NOTIFY — only to an allowed
 * station address, at most once per `minIntervalMs`.
 */
export class ManagedDevice {
  state = ManagedDeviceState.Idle;
  readonly mac: string;
  readonly deviceUri: string;
  readonly requestUri: string;
  readonly instance: string | undefined;
  private readonly log: Logger;
  private readonly c: ManagedDeviceComponents;
  private readonly init: ManagedDeviceInit;
  private readonly sessions: DeviceSessionHandler;
  private sub: ClientSubscription | undefined;
  private regTimer: NodeJS.Timeout | undefined;
  private regCallId: string | undefined;
  private regSeq = 0;
  private lastAttempt = 0;
  private pending: { notify: ReceivedNotify; at: number } | undefined;
  private pendingTimer: NodeJS.Timeout | undefined;
  private readonly listeners: ((e: CallHomeEvent) => void)[] = [];
  private readonly outcomes: Counter;

  constructor(components: ManagedDeviceComponents, init: ManagedDeviceInit) {
    const mac = formatMac(init.mac);
    const uris = mac !== undefined ? managementUris(init.domain, mac, init.management) : undefined;
    if (mac === undefined || uris === undefined)
      throw new Error(`ManagedDevice: bad MAC or domain (${init.mac})`);
    this.mac = mac;
    this.deviceUri = uris.deviceUri;
    this.requestUri = uris.requestUri;
    this.c = components;
    this.init = init;
    this.log = components.log.child({ component: 'device.agent', mac });
    this.sessions = components.sessions ?? new CloseDeviceSession();
    const ident = init.identification ?? 'digest-username';
    this.instance = ident === 'digest-username' ? undefined : macToInstanceUrn(mac, Date.UTC(2024, 0, 1), 0);
    this.outcomes = components.metrics.counter('device_callhome', 'Call-home attempts by outcome', [
      'result',
    ]);
  }

  /** Told about every call-home outcome. */
  onCallHome(fn: (e: CallHomeEvent) => void): void {
    this.listeners.push(fn);
  }

  /** The digest username: `user/MAC` with the digest-username method (seed 002 §3). */
  get authUsername(): string {
    const ident = this.init.identification ?? 'digest-username';
    return ident === 'sip-instance' ? this.init.user : `${this.init.user}/${this.mac}`;
  }

  /** Registers (when configured) and subscribes. Resolves after the REGISTER; the subscription goes on. */
  async start(): Promise<{ ok: boolean; status?: number }> {
    if (this.state === ManagedDeviceState.Stopped) return { ok: false };
    if (this.init.registrar) {
      this.state = ManagedDeviceState.Registering;
      const status = await this.register(this.init.registrar.expiresSec ?? 3600);
      if (status < 200 || status >= 300) {
        this.log.warn({ status }, 'registration failed');
        this.state = ManagedDeviceState.Idle;
        return { ok: false, status };
      }
    }
    this.subscribe();
    return { ok: true };
  }

  /** Stops: unsubscribes (and unregisters) unless `silent` (a crash-like stop for tests). */
  async stop(opts: { silent?: boolean } = {}): Promise<void> {
    if (this.state === ManagedDeviceState.Stopped) return;
    this.state = ManagedDeviceState.Stopped;
    if (this.regTimer) clearTimeout(this.regTimer);
    if (this.pendingTimer) clearTimeout(this.pendingTimer);
    this.regTimer = undefined;
    this.pendingTimer = undefined;
    const sub = this.sub;
    this.sub = undefined;
    if (!sub) return;
    if (opts.silent) sub.dispose();
    else {
      await sub.unsubscribe();
      if (this.init.registrar) await this.register(0);
    }
  }

  get subscription(): ClientSubscription | undefined {
    return this.sub;
  }

  private contactUri(): string {
    const c = this.init.contact;
    const host = c.host.includes(':') ? `[${c.host}]` : c.host;
    const tp = c.transport === 'udp' ? '' : `;transport=${c.transport}`;
    return `sip:MAC%3a${this.mac}@${host}:${c.port}${tp}`;
  }

  private contactHeader(): string {
    return (
      `<${this.contactUri()}>` + (this.instance !== undefined ? `;+sip.instance="<${this.instance}>"` : '')
    );
  }

  /** RFC 3261 §10.2 REGISTER (same Call-ID, rising CSeq), refreshed before expiry. */
  private async register(expires: number): Promise<number> {
    const reg = this.init.registrar;
    if (!reg) return 0;
    this.regCallId ??= `${this.mac}-${Math.random().toString(36).slice(2)}`;
    this.regSeq++;
    const aor = `<sip:${this.init.user}@${this.init.domain}>`;
    const req = this.c.endpoint.createRequest('REGISTER', `sip:${this.init.domain}`, {
      from: aor,
      to: aor,
      callId: this.regCallId,
      cseq: this.regSeq,
      contact: this.contactHeader(),
      headers: [['Expires', String(expires)]],
    });
    const res = await this.c.endpoint.request(req, reg.target, {
      credentials: { username: this.authUsername, password: this.init.password },
    });
    const cseq = res.tryCSeq();
    if (cseq.ok && cseq.value.seq > this.regSeq) this.regSeq = cseq.value.seq;
    if (res.status >= 200 && res.status < 300 && expires > 0 && this.state !== ManagedDeviceState.Stopped) {
      const granted = Number(res.get('expires') ?? expires) || expires;
      this.regTimer = setTimeout(() => void this.register(expires), Math.max(1000, granted * 900));
      this.regTimer.unref();
    }
    return res.status;
  }

  private subscribe(): void {
    this.state = ManagedDeviceState.Subscribing;
    const body = encodeProtosList(this.init.protocols.map((token) => ({ token })));
    if (!body.ok) throw new Error(`ManagedDevice: bad protocol list: ${body.error.message}`);
    const target = this.init.management?.target;
    this.sub = this.c.subscriber.subscribe({
      uri: this.requestUri,
      event: 'management-req',
      from: `<${this.deviceUri}>`,
      to: `<${this.deviceUri}>`,
      contact: this.contactHeader(),
      expires: this.init.expiresSec ?? 3600,
      accept: [MGMT_PROTOS_LIST_TYPE, ...(this.init.accept ?? [])],
      body: body.value,
      contentType: MGMT_PROTOS_LIST_TYPE,
      credentials: { username: this.authUsername, password: this.init.password },
      ...(target !== undefined ? { target } : {}),
      onNotify: (n) => this.onNotify(n),
      onStateChange: (s) => {
        if (this.state === ManagedDeviceState.Stopped) return;
        this.state =
          s === 'active' || s === 'pending' ? ManagedDeviceState.Subscribed : ManagedDeviceState.Subscribing;
      },
      authorizeNotify: (ctx) => this.authorizeNotify(ctx),
    });
  }

  /**
   * Seed 000 §6: "The authenticity of the NOTIFY source ... SHOULD be ensured". A NOTIFY for a
   * subscription made over TLS must come over TLS (§4.8: "the notifier SHOULD send the NOTIFY message over
   * the same security association"), and with `notifyDigest` the device challenges it (RFC 3261 §22).
   */
  private async authorizeNotify(ctx: ServerContext): Promise<NotifyAuthOutcome> {
    if (this.init.contact.transport === 'tls' && !ctx.flow.secure)
      return { ok: false, status: 403, reason: 'NOTIFY Must Use TLS' };
    const digest = this.c.notifyDigest;
    if (!digest) return { ok: true };
    const mode = this.init.challengeNotify ?? 'non-empty';
    if (mode === 'non-empty' && ctx.request.body.length === 0) return { ok: true };
    const r = await digest.verify('NOTIFY', ctx.request.get('authorization'));
    if (r.ok) return { ok: true };
    if (
      r.reason === 'missing' ||
      r.reason === 'stale' ||
      r.reason === 'bad-nonce' ||
      r.reason === 'wrong-realm'
    )
      return {
        ok: false,
        status: 401,
        headers: digest
          .challenge({ stale: r.reason === 'stale' })
          .map((v) => ['WWW-Authenticate', v] as [string, string]),
      };
    this.log.warn({ reason: r.reason }, 'NOTIFY authentication failed');
    return { ok: false, status: 403, reason: 'NOTIFY Authentication Failed' };
  }

  /**
   * Seed 000 §4.9: "If the NOTIFY message body is empty ... no further action is required. Otherwise, the
   * subscriber MUST immediately attempt to establish a management session". §6: "a form of denial of
   * service (DOS) attack may result of the managed device does not rate limit its own attempts".
   */
  private onNotify(n: ReceivedNotify): void {
    if (n.body.length === 0 || this.state === ManagedDeviceState.Stopped) return;
    const now = Date.now();
    const min = this.init.callHome.minIntervalMs ?? 10_000;
    if (this.lastAttempt !== 0 && now - this.lastAttempt < min) {
      // Only the newest waits: it names the request the station wants now.
      this.pending = { notify: n, at: now };
      if (!this.pendingTimer) {
        this.pendingTimer = setTimeout(
          () => {
            this.pendingTimer = undefined;
            const p = this.pending;
            this.pending = undefined;
            if (p) void this.attempt(p.notify, p.at);
          },
          this.lastAttempt + min - now,
        );
        this.pendingTimer.unref();
      }
      this.outcomes.child('deferred').inc();
      return;
    }
    void this.attempt(n, now);
  }

  private async attempt(n: ReceivedNotify, notifiedAt: number): Promise<void> {
    const emit = (e: Omit<CallHomeEvent, 'notifiedAt' | 'doneAt'>): void => {
      const ev: CallHomeEvent = { ...e, notifiedAt, doneAt: Date.now() };
      this.outcomes.child(ev.result).inc();
      for (const l of this.listeners) l(ev);
    };
    const type = (n.contentType ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== MGMT_PROTOS_LIST_TYPE)
      return emit({ requestId: '', protocol: '', result: 'bad-notify', detail: `type ${type}` });
    const d = decodeProtosNotify(n.body);
    if (!d.ok) return emit({ requestId: '', protocol: '', result: 'bad-notify', detail: d.error.message });
    const e = d.value;
    const addr = protoParam(e, 'addr');
    const via = protoParam(e, 'via') ?? 'tcp';
    const req = protoParam(e, 'req');
    if (
      typeof addr !== 'string' ||
      typeof req !== 'string' ||
      (via !== 'tcp' && via !== 'tls') ||
      !this.init.protocols.includes(e.token)
    )
      return emit({
        requestId: req ?? '',
        protocol: e.token,
        result: 'bad-notify',
        detail: 'missing or unusable parameters',
      });
    // Seed 000 §6: "a forged or altered NOTIFY message will result in directing the managed device to an
    // attacker": only configured station addresses are called.
    if (!this.init.callHome.allowed.includes(addr)) {
      this.log.warn({ addr }, 'call-home address not allowed; NOTIFY ignored');
      return emit({ requestId: req, protocol: e.token, result: 'not-allowed', detail: addr });
    }
    const hp = splitHostPort(addr);
    if (!hp) return emit({ requestId: req, protocol: e.token, result: 'bad-notify', detail: addr });
    this.lastAttempt = Date.now();
    const r: CallHomeResult = await callHome(
      {
        host: hp.host,
        port: hp.port,
        carrier: via,
        ...(this.init.callHome.tls ? { tls: this.init.callHome.tls } : {}),
      },
      { requestId: req, protocol: e.token, device: this.mac.toLowerCase() },
      this.init.callHome.timeoutMs ?? 5000,
    );
    if (!r.ok) {
      this.log.info({ error: r.error, status: r.status, addr }, 'call-home failed');
      return emit({
        requestId: req,
        protocol: e.token,
        result: r.error === 'refused' ? 'refused' : 'failed',
        detail: r.reason ?? r.error,
      });
    }
    emit({ requestId: req, protocol: e.token, result: 'ok' });
    try {
      await this.sessions.handle({
        socket: r.socket,
        initialData: r.rest,
        protocol: e.token,
        requestId: req,
        secure: r.secure,
      });
    } catch (err) {
      this.log.error({ err }, 'device session handler failed');
      r.socket.destroy();
    }
  }
}

function splitHostPort(s: string): { host: string; port: number } | undefined {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(s) ?? /^([^:[\]]+):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const port = Number(m[2]);
  return port > 0 && port < 65536 ? { host: m[1] as string, port } : undefined;
}
