import type { TempGruuCodec } from './gruu/index.js';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BeckonConfig } from '@beckon/config';
import type { Logger, MetricsRegistry } from '@beckon/ops';
import type { TransportAddress } from '@beckon/snmp';
import {
  DigestServer,
  Notifier,
  parseEventHeader,
  type CredentialStore,
  type DigestServerAlgorithm,
  type FlowLookup,
  type ListenerInfo,
  type NotifierEndpoint,
  type RequestCredentials,
  type RequestHandler,
  type SipEndpoint,
} from '@beckon/sip';
import type { SqliteDatabase } from '@beckon/store';
import type { CallHomeStack } from './callhome/call-home-stack.js';
import { HttpApi, type HttpRoutes } from './http/index.js';
import { normalizeInstrumentId } from './instrument/index.js';
import type { LocationService } from './location/index.js';
import {
  CallHomeListener,
  ManagementService,
  notifyCredentialsResolver,
  openManagementDatabase,
  SqliteManagementStore,
  SqliteSubscriptionStore,
  type CallHomeAddresses,
  type CallHomeSessionHandler,
  type ManagementProtocolRegistry,
} from './management/index.js';
import type { ProxyServerContext } from './proxy/index.js';
import { RegEventPackage } from './reg-event/index.js';
import { REGISTRAR_SUPPORTED } from './registrar/index.js';
import { stationSnmpFromConfig, type StationSnmp } from './snmp/index.js';
import { callHomeStackFromConfig } from './station-call-home-stack.js';
import { credentialStoreFromConfig } from './station-credentials.js';
import { managementRoutes } from './station-services-routes.js';
import { taskHttpRoutes } from './tasks/task-http-routes.js';

/** What the services need from a started (or starting) Station; `Station` fits. */
export interface StationHandles {
  readonly endpoint: SipEndpoint;
  readonly location: LocationService;
  /** Bound SIP listeners (read live). */
  listeners(): ListenerInfo[];
  /** SUBSCRIBEs of other event packages go on to the proxy. */
  readonly proxy?: { handle(ctx: ProxyServerContext): void };
  /** The transport layer: lets restored subscriptions reuse a connection still open. */
  readonly transport?: FlowLookup;
  /** The registrar's digest server; without it one is built from `auth` (or options.credentials). */
  readonly digest?: DigestServer | undefined;
  /** Domains served (the `reg` package answers 404 for others); default `[sip.domain]`. */
  readonly domains?: readonly string[];
  /** The registrar's temporary-GRUU key: `reg` documents then carry GRUUs (RFC 5628). */
  readonly gruuCodec?: TempGruuCodec | undefined;
}

export interface StationServicesComponents {
  readonly log: Logger;
  readonly metrics: MetricsRegistry;
}

export interface StationServicesOptions {
  /** Authenticate SUBSCRIBE with digest (default true; mirrors StationOptions.authenticate). */
  readonly authenticate?: boolean;
  /** Credential store for SUBSCRIBE authentication (default: from `auth.users`). */
  readonly credentials?: CredentialStore;
  /** Record-Route as the proxy does (shown in the SIP MIB). */
  readonly recordRoute?: boolean;
  /** Management database file (default: management.sqlite next to storage.sqlitePath, or :memory:). */
  readonly managementDbPath?: string;
  /** What runs in a matched call-home session (default: close it: the request is done). */
  readonly callHomeSessions?: CallHomeSessionHandler;
  /** Management protocols the station serves (default: the management service's defaults). */
  readonly protocols?: ManagementProtocolRegistry;
  /**
   * Hook for more REST routes (the task service's `/api/v1/tasks`), given the running management
   * service; called before the HTTP server starts.
   */
  readonly routes?: (management: ManagementService) => HttpRoutes[];
  /** Told of each call-home session outcome (the demo prints them). */
  readonly onSessionEnded?: (groupId: string, outcome: { ok: boolean; detail?: string }) => void;
}

/** Where everything listens once started (ports resolved). */
export interface StationAddresses {
  sip: ListenerInfo[];
  http: { host: string; port: number } | undefined;
  snmp: TransportAddress[];
  callHome: CallHomeAddresses;
  /** `host:port` written in NOTIFYs. */
  advertisedCallHome: string;
}

export enum StationServicesState {
  Idle = 'idle',
  Starting = 'starting',
  Running = 'running',
  Stopping = 'stopping',
  Stopped = 'stopped',
}

/** What `start` opened, for `stop`. */
interface Opened {
  db?: SqliteDatabase;
  taskDb?: SqliteDatabase;
  callHomeStack?: CallHomeStack;
  subscriptions?: SqliteSubscriptionStore;
  mgmtStore?: SqliteManagementStore;
  notifier?: Notifier;
  management?: ManagementService;
  regEvent?: RegEventPackage;
  callHome?: CallHomeListener;
  snmp?: StationSnmp;
  http?: HttpApi;
  restoreSubscribe?: () => void;
}

/**
 * The station's services on top of its SIP core: the RFC 6665 notifier with the management-req package
 * (subscriptions in SQLite), the management service and its call-home listener, the SNMP agent (SIP MIB)
 * and the HTTP server (REST API, web UI, /metrics) with the management-request routes. Started after
 * the core is built and stopped before it (the final NOTIFYs need the SIP endpoint).
 */
export class StationServices {
  private readonly log: Logger;
  private stateValue = StationServicesState.Idle;
  private o: Opened = {};
  private callHomeAddrs: CallHomeAddresses = {};
  private advertised = '';

  constructor(
    private readonly station: StationHandles,
    private readonly config: BeckonConfig,
    private readonly components: StationServicesComponents,
    private readonly options: StationServicesOptions = {},
  ) {
    this.log = components.log.child({ component: 'station.services' });
  }

  get state(): StationServicesState {
    return this.stateValue;
  }

  get management(): ManagementService {
    return this.need(this.o.management, 'management service');
  }

  get notifier(): Notifier {
    return this.need(this.o.notifier, 'notifier');
  }

  get snmp(): StationSnmp {
    return this.need(this.o.snmp, 'SNMP agent');
  }

  get http(): HttpApi {
    return this.need(this.o.http, 'HTTP API');
  }

  /** The task service (present when `management.callHomeSnmp` is configured). */
  get tasks(): CallHomeStack['tasks'] | undefined {
    return this.o.callHomeStack?.tasks;
  }

  get managementDb(): SqliteDatabase {
    return this.need(this.o.db, 'management database');
  }

  addresses(): StationAddresses {
    return {
      sip: this.station.listeners(),
      http: this.o.http?.address,
      snmp: this.o.snmp?.listeners() ?? [],
      callHome: this.callHomeAddrs,
      advertisedCallHome: this.advertised,
    };
  }

  /** Starts every service; rejects (after undoing what was started) when one cannot start. */
  async start(): Promise<void> {
    if (this.stateValue !== StationServicesState.Idle) throw new Error(`services already ${this.stateValue}`);
    this.stateValue = StationServicesState.Starting;
    try {
      await this.openDatabase();
      this.createNotifier();
      await this.startManagement();
      // After the notifier restored its subscriptions (in startManagement).
      this.o.regEvent?.start();
      await this.startSnmp();
      await this.startHttp();
    } catch (err) {
      await this.closeAll(false);
      this.stateValue = StationServicesState.Stopped;
      throw err;
    }
    this.stateValue = StationServicesState.Running;
    const a = this.addresses();
    this.log.info(
      {
        http: a.http ? `http://${a.http.host}:${a.http.port}/` : null,
        snmp: a.snmp.map((s) => `udp:${s.address}:${s.port}`),
        callHome: a.callHome.tcp ? `${a.callHome.tcp.address}:${a.callHome.tcp.port}` : null,
        callHomeTls: a.callHome.tls ? `${a.callHome.tls.address}:${a.callHome.tls.port}` : null,
        advertisedCallHome: a.advertisedCallHome,
      },
      'station services ready',
    );
  }

  /**
   * Ends the management-req subscriptions (seed 000 §4.8, `management.shutdown`), then stops the HTTP
   * server, the SNMP agent, the call-home listener and the notifier, and closes the management database.
   */
  async stop(): Promise<void> {
    if (this.stateValue !== StationServicesState.Running) return;
    this.stateValue = StationServicesState.Stopping;
    await this.closeAll(true);
    this.stateValue = StationServicesState.Stopped;
  }

  // ------------------------------------------------------------------ services

  /** A database file of the services next to the station's SQLite file (`:memory:` without one). */
  private dbPath(name: string): string {
    const s = this.config.storage;
    return s.driver === 'sqlite' && s.sqlitePath !== ':memory:'
      ? join(dirname(s.sqlitePath), name)
      : ':memory:';
  }

  private async openDatabase(): Promise<void> {
    const path = this.options.managementDbPath ?? this.dbPath('management.sqlite');
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const r = openManagementDatabase(path, { log: this.components.log });
    if (!r.ok) throw new Error(`management database ${path}: ${r.error}`);
    this.o.db = r.db;
    this.o.subscriptions = new SqliteSubscriptionStore({
      db: r.db,
      log: this.components.log,
      metrics: this.components.metrics,
    });
    this.o.mgmtStore = new SqliteManagementStore({
      db: r.db,
      log: this.components.log,
      metrics: this.components.metrics,
    });
    if (this.config.storage.sqliteWriterThread) await r.db.startWriterThread();
  }

  /**
   * The notifier takes SUBSCRIBE from the endpoint; the proxy had it (for subscriptions to users). A
   * dispatcher keeps both: SUBSCRIBEs of a package the notifier serves go to it, the others to the proxy.
   */
  private createNotifier(): void {
    const { log, metrics } = this.components;
    const endpoint = this.station.endpoint;
    const proxy = this.station.proxy;
    let notifierHandler: RequestHandler | undefined;
    const ref: { notifier?: Notifier } = {};
    const dispatch: RequestHandler = (ctx) => {
      const n = ref.notifier;
      const ev = parseEventHeader(ctx.request.get('event'));
      if (n && notifierHandler && (!proxy || (ev.ok && n.packages.get(ev.value.event))))
        return notifierHandler(ctx);
      if (proxy) return proxy.handle(ctx);
      ctx.respond(489, 'Bad Event');
    };
    const restore = (): void => {
      if (proxy) endpoint.onRequest('SUBSCRIBE', (ctx) => proxy.handle(ctx));
      else endpoint.offRequest('SUBSCRIBE');
    };
    const wrapped: NotifierEndpoint = {
      onRequest: (method, handler) => {
        if (method !== 'SUBSCRIBE') return endpoint.onRequest(method, handler);
        notifierHandler = handler;
        endpoint.onRequest('SUBSCRIBE', dispatch);
      },
      offRequest: (method) => {
        if (method !== 'SUBSCRIBE') return endpoint.offRequest(method);
        notifierHandler = undefined;
        restore();
      },
      request: (req, target, opts) => endpoint.request(req, target, opts),
    };
    const m = this.config.management;
    const byDevice = new Map<string, RequestCredentials>();
    for (const c of m.notifyCredentials)
      byDevice.set(c.device, {
        username: c.username,
        password: c.password,
        ...(c.realm !== undefined ? { realm: c.realm } : {}),
      });
    const fb = m.notifyCredentialsFallback;
    const notifier = new Notifier(
      {
        log,
        metrics,
        endpoint: wrapped,
        store: this.o.subscriptions,
        ...(this.station.transport ? { flows: this.station.transport } : {}),
      },
      {
        notifyCredentials: notifyCredentialsResolver({
          byDevice: expandDeviceKeys(byDevice),
          ...(fb.username !== ''
            ? {
                fallback: {
                  username: fb.username,
                  password: fb.password,
                  ...(fb.realm !== '' ? { realm: fb.realm } : {}),
                },
              }
            : {}),
        }),
      },
    );
    ref.notifier = notifier;
    this.o.notifier = notifier;
    this.o.restoreSubscribe = restore;
    this.createRegEvent(notifier);
  }

  /**
   * The `reg` event package (RFC 3680) when `registrar.regEvent.enabled`: registered before the notifier
   * starts, so that stored `reg` subscriptions are restored; started once they are.
   */
  private createRegEvent(notifier: Notifier): void {
    const cfg = this.config.registrar;
    if (!cfg.regEvent.enabled) return;
    const digest = this.digest();
    const pkg = new RegEventPackage(
      {
        log: this.components.log,
        metrics: this.components.metrics,
        location: this.station.location,
        notifier,
        ...(digest ? { digest } : {}),
        ...(this.station.gruuCodec ? { gruu: this.station.gruuCodec } : {}),
      },
      {
        domains: this.station.domains ?? [this.config.sip.domain],
        instrumentPrefix: cfg.instrumentPrefix,
        watchers: cfg.regEvent.watchers,
      },
    );
    if (!notifier.packages.register(pkg)) throw new Error('event package reg registered twice');
    this.o.regEvent = pkg;
  }

  /** Call-home listener first (its bound port goes into NOTIFYs), then the service, then the restore. */
  private async startManagement(): Promise<void> {
    const { log, metrics } = this.components;
    const m = this.config.management;
    const notifier = this.o.notifier as Notifier;
    const ref: { service?: ManagementService } = {};
    const onEnded = this.options.onSessionEnded;
    const tlsCfg = m.callHomeTls;
    if ((tlsCfg.certFile === '') !== (tlsCfg.keyFile === ''))
      throw new Error('management.callHomeTls: certFile and keyFile go together');
    const stack = this.createCallHomeStack(() => ref.service as ManagementService);
    const sessions = this.options.callHomeSessions ?? stack?.handler;
    const protocols = this.options.protocols ?? stack?.protocols;
    const listener = new CallHomeListener(
      {
        log,
        metrics,
        matcher: {
          matchCallHome: (h, p) =>
            ref.service ? ref.service.matchCallHome(h, p) : { ok: false, status: 503, reason: 'Not Ready' },
          sessionEnded: (g, o) => {
            ref.service?.sessionEnded(g, o);
            onEnded?.(g, o);
          },
        },
        ...(sessions ? { sessions } : {}),
      },
      {
        tcp: { host: m.callHomeListen.host, port: m.callHomeListen.port },
        ...(tlsCfg.certFile !== ''
          ? {
              tls: {
                host: tlsCfg.listen.host,
                port: tlsCfg.listen.port,
                cert: readFileSync(tlsCfg.certFile),
                key: readFileSync(tlsCfg.keyFile),
              },
            }
          : {}),
      },
    );
    this.o.callHome = listener;
    this.callHomeAddrs = await listener.start();
    const tcp = this.callHomeAddrs.tcp;
    this.advertised =
      m.advertisedCallHomeAddress !== ''
        ? m.advertisedCallHomeAddress
        : tcp
          ? `${hostPort(tcp.address, tcp.port)}`
          : '';
    const tls = this.callHomeAddrs.tls;
    const digest = this.digest();
    const service = new ManagementService(
      {
        log,
        metrics,
        notifier,
        store: this.o.mgmtStore as SqliteManagementStore,
        location: this.station.location,
        ...(digest ? { digest } : {}),
        ...(protocols ? { protocols } : {}),
      },
      {
        callHome: {
          ...(this.advertised !== '' ? { tcp: this.advertised } : {}),
          ...(tls ? { tls: hostPort(tls.address, tls.port) } : {}),
        },
        notifyMinIntervalSec: m.notifyMinIntervalSec,
        defaultExpiresSec: m.defaultExpiresSec,
        requestTimeoutSec: m.requestTimeoutSec,
        shutdown:
          m.shutdown.mode === 'probation'
            ? { reason: 'probation', retryAfterSec: m.shutdown.retryAfterSec }
            : { reason: 'deactivated' },
        warnAgent: this.config.sip.domain,
      },
    );
    ref.service = service;
    this.o.management = service;
    await notifier.start();
    await service.start();
    if (stack) {
      const t = stack.tasks.start();
      this.log.info({ ...t, protocols: stack.handler.protocols() }, 'call-home SNMP and task service ready');
    }
  }

  /** The call-home SNMP stack and task service when `management.callHomeSnmp` is configured. */
  private createCallHomeStack(service: () => ManagementService): CallHomeStack | undefined {
    const r = callHomeStackFromConfig(
      {
        log: this.components.log,
        metrics: this.components.metrics,
        management: service,
        ...(this.o.mgmtStore ? { audit: this.o.mgmtStore } : {}),
      },
      this.config,
      this.dbPath('tasks.sqlite'),
    );
    if (!r) return undefined;
    this.o.taskDb = r.db;
    this.o.callHomeStack = r.stack;
    return r.stack;
  }

  private digest(): DigestServer | undefined {
    if (this.station.digest) return this.station.digest;
    if (!(this.options.authenticate ?? true)) return undefined;
    const cfg = this.config;
    const realm = cfg.auth.realm || cfg.sip.domain;
    return new DigestServer(
      {
        log: this.components.log,
        metrics: this.components.metrics,
        credentials: this.options.credentials ?? credentialStoreFromConfig(cfg.auth, realm),
      },
      {
        realm,
        algorithms: cfg.auth.algorithms as DigestServerAlgorithm[],
        nonceLifetimeSec: cfg.auth.nonceLifetimeSec,
        maxTrackedNonces: cfg.auth.maxTrackedNonces,
      },
    );
  }

  private async startSnmp(): Promise<void> {
    const { log, metrics } = this.components;
    const snmp = stationSnmpFromConfig(
      { log, metrics, location: this.station.location, sipListeners: () => this.station.listeners() },
      this.config,
      {
        authenticate: this.options.authenticate ?? true,
        recordRoute: this.options.recordRoute ?? false,
        supported: [...REGISTRAR_SUPPORTED],
      },
    );
    this.o.snmp = snmp;
    const r = await snmp.start();
    if (!r.ok) throw new Error(`SNMP agent: ${r.error}`);
  }

  private async startHttp(): Promise<void> {
    const { log, metrics } = this.components;
    const service = this.o.management as ManagementService;
    const notifier = this.o.notifier as Notifier;
    const snmp = this.o.snmp as StationSnmp;
    const http = new HttpApi(
      {
        log,
        metrics,
        location: this.station.location,
        health: () => ({
          services: this.stateValue,
          subscriptions: notifier.size,
          managementRequestsOpen: service.openRequests().length,
          snmp: snmp.currentState,
          sip: this.station.listeners().map((l) => `${l.transport}:${l.address}:${l.port}`),
          callHome: this.advertised,
        }),
      },
      this.config.http,
    );
    http.registerRoutes(managementRoutes({ service, db: this.o.db as SqliteDatabase }));
    // The task routes (/api/v1/tasks, `beckon task`) exist when the call-home SNMP stack is configured.
    if (this.o.callHomeStack) http.registerRoutes(taskHttpRoutes(this.o.callHomeStack.tasks));
    for (const r of this.options.routes?.(service) ?? []) http.registerRoutes(r);
    this.o.http = http;
    const r = await http.start();
    if (!r.ok) throw new Error(r.error);
  }

  private async closeAll(terminate: boolean): Promise<void> {
    const o = this.o;
    this.o = {};
    if (terminate && o.management) {
      const n = await o.management.terminateSubscriptions().catch((err: unknown) => {
        this.log.warn({ err }, 'terminating subscriptions failed');
        return 0;
      });
      this.log.info({ subscriptions: n, mode: this.config.management.shutdown.mode }, 'subscriptions ended');
    }
    await o.http?.stop();
    await o.snmp?.stop();
    await o.callHome?.stop();
    o.callHomeStack?.tasks.stop();
    o.management?.stop();
    o.regEvent?.stop();
    o.notifier?.stop();
    o.restoreSubscribe?.();
    await o.management?.flush().catch(() => undefined);
    await o.mgmtStore?.close().catch(() => undefined);
    await o.subscriptions?.close().catch(() => undefined);
    await o.db?.shutdown();
    o.taskDb?.close();
  }

  private need<T>(v: T | undefined, what: string): T {
    if (v === undefined) throw new Error(`${what} not available while the services are ${this.stateValue}`);
    return v;
  }
}

/**
 * Builds and starts the services of a station (the one call the Station makes, or a runner after
 * `station.start()`). Rejects when one cannot start (what was started is stopped again).
 */
export async function startStationServices(
  station: StationHandles,
  config: BeckonConfig,
  components: StationServicesComponents,
  options: StationServicesOptions = {},
): Promise<StationServices> {
  const s = new StationServices(station, config, components, options);
  await s.start();
  return s;
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** notifyCredentials entries name a device by MAC / instrument id or canonical id; both are looked up. */
function expandDeviceKeys(m: Map<string, RequestCredentials>): Map<string, RequestCredentials> {
  const out = new Map<string, RequestCredentials>();
  for (const [k, v] of m) {
    out.set(k, v);
    if (k.startsWith('inst:') || k.startsWith('uri:')) continue;
    const id = normalizeInstrumentId(k);
    if (id !== undefined) {
      out.set(id, v);
      out.set(`inst:${id}`, v);
    }
  }
  return out;
}
