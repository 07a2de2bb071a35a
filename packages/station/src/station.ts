import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BeckonConfig } from '@beckon/config';
import { EventLoopLoad, type Logger, type MetricsRegistry } from '@beckon/ops';
import {
  DigestServer,
  SipEndpoint,
  TransportLayer,
  type CredentialStore,
  type DigestServerAlgorithm,
  type ListenerInfo,
  type ListenerSpec,
  type UdpBatchIo,
} from '@beckon/sip';
import { PostgresDatabase, SqliteDatabase } from '@beckon/store';
import { loadUdpMmsg } from '@beckon/udp-mmsg';
import {
  LocationService,
  PostgresLocationStore,
  SqliteLocationStore,
  type LocationStore,
} from './location/index.js';
import { TempGruuCodec } from './gruu/index.js';
import { ForkingProxy } from './proxy/index.js';
import {
  ChallengeThreads,
  QuickRegisterScanner,
  Registrar,
  REGISTRAR_SUPPORTED,
  type RegistrarInit,
  StatelessRegisterFront,
  type ThreadCredentials,
  VerifiedDatagrams,
} from './registrar/index.js';
import { credentialStoreFromConfig } from './station-credentials.js';
import { instrumentsView, type InstrumentView } from './station-instruments.js';
import type { StationComponents, StationOptions } from './station-options.js';
import { startStationServices, type StationServices } from './station-services.js';

export enum StationState {
  Idle = 'idle',
  Starting = 'starting',
  Running = 'running',
  Stopping = 'stopping',
  Stopped = 'stopped',
}

/** What `start` opened, kept for `stop` (in reverse order). */
interface Opened {
  db?: SqliteDatabase | PostgresDatabase;
  store?: LocationStore;
  location?: LocationService;
  transport?: TransportLayer;
  endpoint?: SipEndpoint;
  front?: StatelessRegisterFront;
  challengeThreads?: ChallengeThreads[];
}

/**
 * The management station process: storage and location service, the SIP transport and UA core, the
 * registrar (stateless REGISTER front) and the forking proxy, composed from the configuration. One
 * method per subsystem; later subsystems (notifier, SNMP agent, HTTP API) get their own.
 */
export class Station {
  private readonly log: Logger;
  private readonly metrics: MetricsRegistry;
  private readonly config: BeckonConfig;
  private readonly options: StationOptions;
  private stateValue = StationState.Idle;
  private opened: Opened = {};
  private registrarValue: Registrar | undefined;
  private proxyValue: ForkingProxy | undefined;
  private credentials: CredentialStore | undefined;
  private digestValue: DigestServer | undefined;
  /** Seals and opens temporary GRUUs (registrar.gruu); undefined when GRUUs are off. */
  private gruu: TempGruuCodec | undefined;
  /** Handed-over REGISTERs whose digest response a challenge thread checked (registrar.challengeThreadsVerify). */
  private readonly verifiedDatagrams = new VerifiedDatagrams();
  /** Key of the registrar's digest nonces (shared with the challenge threads). */
  private readonly nonceSecret = randomBytes(32);
  /** How busy the main thread's and the challenge threads' event loops are (`event_loop_utilization`). */
  private readonly loopLoad: EventLoopLoad;
  private servicesValue: StationServices | undefined;

  constructor(components: StationComponents, config: BeckonConfig, options: StationOptions = {}) {
    this.log = components.log.child({ component: 'station' });
    this.metrics = components.metrics;
    this.loopLoad = new EventLoopLoad({ metrics: components.metrics });
    this.config = config;
    this.options = options;
  }

  get state(): StationState {
    return this.stateValue;
  }

  get location(): LocationService {
    return this.need(this.opened.location, 'location service');
  }

  get registrar(): Registrar {
    return this.need(this.registrarValue, 'registrar');
  }

  get proxy(): ForkingProxy {
    return this.need(this.proxyValue, 'proxy');
  }

  /** The registrar's temporary-GRUU key (undefined when GRUUs are off or before start). */
  get gruuCodec(): TempGruuCodec | undefined {
    return this.gruu;
  }

  get endpoint(): SipEndpoint {
    return this.need(this.opened.endpoint, 'SIP endpoint');
  }

  get transport(): TransportLayer {
    return this.need(this.opened.transport, 'SIP transport');
  }

  /** Domains the registrar and proxy serve (`sip.domain` and any extra ones). */
  get domains(): readonly string[] {
    return this.registrarInit().domains;
  }

  /** The registrar's digest server (undefined when REGISTER is not authenticated). */
  get digest(): DigestServer | undefined {
    return this.digestValue;
  }

  /** The services, when `options.services` asked for them. */
  get services(): StationServices | undefined {
    return this.servicesValue;
  }

  /** Bound SIP listeners (ports resolved when 0 was configured). */
  listeners(): ListenerInfo[] {
    return this.opened.transport?.listeners() ?? [];
  }

  /** Every instrument with its line appearances (AORs) and their contacts. */
  instruments(): InstrumentView[] {
    return instrumentsView(this.location);
  }

  /** Starts every subsystem; rejects (after undoing what was started) when one cannot start. */
  async start(): Promise<void> {
    if (this.stateValue !== StationState.Idle) throw new Error(`station already ${this.stateValue}`);
    this.transition(StationState.Starting);
    try {
      await this.startStorage();
      this.createSip();
      this.createRegistrar();
      this.createProxy();
      if (this.options.services)
        this.servicesValue = await startStationServices(
          this,
          this.config,
          { log: this.log, metrics: this.metrics },
          this.options.services,
        );
      await this.startListeners();
      this.loopLoad.start();
      await this.startChallengeThreads();
    } catch (err) {
      await this.closeAll();
      this.transition(StationState.Stopped);
      throw err;
    }
    this.transition(StationState.Running);
  }

  async stop(): Promise<void> {
    if (this.stateValue !== StationState.Running) return;
    this.transition(StationState.Stopping);
    await this.closeAll();
    this.transition(StationState.Stopped);
  }

  // ------------------------------------------------------------------ subsystems

  /** Storage (SQLite file or PostgreSQL) and the location service, loaded with the stored bindings. */
  private async startStorage(): Promise<void> {
    const s = this.config.storage;
    const log = this.log;
    let store: LocationStore;
    if (s.driver === 'postgres') {
      if (!s.postgresUrl) throw new Error('storage.postgresUrl is required when storage.driver is postgres');
      const db = new PostgresDatabase({ log }, { connectionString: s.postgresUrl });
      this.opened.db = db;
      const r = await PostgresLocationStore.open({ db, log, metrics: this.metrics }, this.storeInit());
      if (!r.ok) throw new Error(`location store migration failed: ${JSON.stringify(r)}`);
      store = r.store;
    } else {
      if (s.sqlitePath !== ':memory:') mkdirSync(dirname(s.sqlitePath), { recursive: true });
      const db = new SqliteDatabase(
        { log },
        {
          path: s.sqlitePath,
          ...(this.options.sqliteSynchronous ? { synchronous: this.options.sqliteSynchronous } : {}),
          ...(this.options.sqliteWalAutocheckpointPages !== undefined
            ? { walAutocheckpointPages: this.options.sqliteWalAutocheckpointPages }
            : {}),
        },
      );
      this.opened.db = db;
      const r = SqliteLocationStore.open({ db, log, metrics: this.metrics }, this.storeInit());
      if (!r.ok) throw new Error(`location store migration failed: ${JSON.stringify(r)}`);
      store = r.store;
      if (s.sqliteWriterThread) await db.startWriterThread();
      const writerLoad = db.writerLoad;
      if (writerLoad) this.loopLoad.track('sqlite-writer', writerLoad);
    }
    this.opened.store = store;
    const location = new LocationService(
      { store, log, metrics: this.metrics },
      { maxContactsPerAor: this.config.registrar.maxContactsPerAor },
    );
    await location.start();
    this.opened.location = location;
    this.log.info({ driver: s.driver, ...location.size }, 'storage ready');
  }

  private storeInit(): { maxDelayMs?: number } {
    const d = this.options.storeCommitDelayMs;
    return d === undefined ? {} : { maxDelayMs: d };
  }

  /** The batched UDP helper when `sip.udpBatchIo` asks for it and it loads (why not is logged). */
  private udpBatchIo(): UdpBatchIo | undefined {
    if (!this.config.sip.udpBatchIo) return undefined;
    const r = loadUdpMmsg();
    if (r.ok) return r.io;
    this.log.warn({ reason: r.reason }, 'udp batch helper unavailable: UDP uses Node dgram');
    return undefined;
  }

  /** SIP transport layer and UA core (listeners open in startListeners). */
  private createSip(): void {
    const sip = this.config.sip;
    const transport = new TransportLayer(
      { log: this.log, metrics: this.metrics, udpBatchIo: this.udpBatchIo() },
      {
        listeners: sip.listen.map((l) => listenerSpec(l)),
        maxMessageSize: sip.maxMessageBytes,
        maxConnections: sip.maxConnections,
        maxConnectionsPerSource: sip.maxConnectionsPerSource,
        idleTimeoutMs: sip.idleConnectionTimeoutSec * 1000,
        recvBufferSize: sip.udpRecvBufferBytes,
        coalesceUdpSends: sip.udpCoalesceSends,
      },
    );
    this.opened.transport = transport;
    this.opened.endpoint = new SipEndpoint(
      { log: this.log, metrics: this.metrics, transport },
      {
        timers: { t1: sip.t1Ms, t2: sip.t2Ms, t4: sip.t4Ms },
        serverHeader: sip.userAgent,
        userAgent: sip.userAgent,
        supported: [...REGISTRAR_SUPPORTED],
      },
    );
  }

  /** Credential store, digest server and the registrar, answering REGISTER statelessly in front of the core. */
  private createRegistrar(): void {
    const cfg = this.config;
    const endpoint = this.endpoint;
    const transport = this.opened.transport as TransportLayer;
    const realm = cfg.auth.realm || cfg.sip.domain;
    let digest: DigestServer | undefined;
    if (this.options.authenticate ?? true) {
      this.credentials = this.options.credentials ?? credentialStoreFromConfig(cfg.auth, realm);
      digest = this.digestValue = new DigestServer(
        { log: this.log, metrics: this.metrics, credentials: this.credentials },
        {
          realm,
          algorithms: cfg.auth.algorithms as DigestServerAlgorithm[],
          nonceLifetimeSec: cfg.auth.nonceLifetimeSec,
          maxTrackedNonces: cfg.auth.maxTrackedNonces,
          secret: this.nonceSecret,
        },
      );
    }
    const g = cfg.registrar.gruu;
    if (g.enabled)
      this.gruu = new TempGruuCodec(g.key !== undefined ? Buffer.from(g.key, 'hex') : randomBytes(32));
    const registrar = new Registrar(
      {
        log: this.log,
        metrics: this.metrics,
        location: this.location,
        ...(digest ? { digest } : {}),
        ...(this.gruu ? { gruu: this.gruu } : {}),
      },
      this.registrarInit(),
    );
    this.registrarValue = registrar;
    // Through the core when the front is off; with the front on, this handler only makes the endpoint list
    // REGISTER in Allow (the front answers every REGISTER that parses).
    endpoint.onRequest('REGISTER', async (ctx) => {
      const reply = await registrar.process(ctx.request, ctx.flow);
      if (reply) ctx.respond(reply.status, reply.reason, reply.headers);
    });
    if (this.options.statelessRegistrar ?? true) {
      const ri = this.registrarInit();
      const quick = new QuickRegisterScanner({
        domains: ri.domains,
        acceptAnyDomain: ri.acceptAnyDomain ?? false,
      });
      const front = new StatelessRegisterFront(
        {
          log: this.log,
          registrar,
          transport,
          next: endpoint,
          counters: endpoint.metrics,
          quick,
          verified: this.verifiedDatagrams,
        },
        { serverHeader: cfg.sip.userAgent, maxMessageSize: cfg.sip.maxMessageBytes },
      );
      transport.setUser(front);
      this.opened.front = front;
    }
  }

  /** The forking proxy for everything else addressed to the domain. */
  private createProxy(): void {
    const cfg = this.config;
    const transport = this.opened.transport as TransportLayer;
    const users = new Set(cfg.auth.users.map((u) => u.username));
    const proxy = new ForkingProxy(
      { log: this.log, metrics: this.metrics, location: this.location, endpoint: this.endpoint, transport },
      {
        domains: [cfg.sip.domain, ...(this.options.extraDomains ?? [])],
        listeners: () => transport.listeners(),
        instrumentPrefix: cfg.registrar.instrumentPrefix,
        recordRoute: this.options.recordRoute ?? false,
        openRelay: this.options.openRelay ?? false,
        knownUser: (u) => users.has(u),
        ...(this.gruu ? { gruu: this.gruu } : {}),
      },
    );
    proxy.attach();
    this.proxyValue = proxy;
  }

  private async startListeners(): Promise<void> {
    const r = await this.endpoint.start();
    if (!r.ok) throw new Error(`SIP listeners failed: ${r.error}`);
    this.log.info(
      {
        listeners: r.listeners.map((l) => `${l.transport}:${l.address}:${l.port}`),
        domain: this.config.sip.domain,
      },
      'SIP listening',
    );
  }

  /** The credential store as data for the challenge threads, when they are to check responses. */
  private threadCredentials(): ThreadCredentials | undefined {
    if (!this.config.registrar.challengeThreadsVerify) return undefined;
    const custom = this.options.threadCredentials;
    if (this.options.credentials !== undefined)
      return custom === undefined ? undefined : { kind: 'module', url: custom.url, name: custom.name };
    return { kind: 'users', users: this.config.auth.users };
  }

  /** The registrar's settings (the main thread's registrar and the challenge threads' use the same). */
  private registrarInit(): RegistrarInit {
    const cfg = this.config;
    const r = cfg.registrar;
    return {
      domains: [cfg.sip.domain, ...(this.options.extraDomains ?? [])],
      acceptAnyDomain: this.options.acceptAnyDomain ?? false,
      minExpires: r.minExpires,
      maxExpires: r.maxExpires,
      defaultExpires: r.defaultExpires,
      identifyByDigestUsername: r.instrumentIdentification.digestUsername,
      identifyBySipInstance: r.instrumentIdentification.sipInstance,
    };
  }

  /**
   * `registrar.challengeThreads` worker threads per UDP listener, answering the credential-less first leg
   * of digest registrations (only with authentication and the stateless REGISTER front on).
   */
  private async startChallengeThreads(): Promise<void> {
    const cfg = this.config;
    const n = cfg.registrar.challengeThreads;
    const transport = this.opened.transport;
    if (n <= 0 || !this.digestValue || !this.opened.front || !transport) return;
    const pools: ChallengeThreads[] = [];
    this.opened.challengeThreads = pools;
    for (const l of transport.listeners()) {
      if (l.transport !== 'udp') continue;
      const listener = transport.udpListenerAt(l.address, l.port);
      if (!listener) continue;
      pools.push(
        await ChallengeThreads.start(
          {
            log: this.log,
            metrics: this.metrics,
            listener,
            loopLoad: this.loopLoad,
            verified: this.verifiedDatagrams,
          },
          {
            threads: n,
            writeMainSends: cfg.registrar.challengeThreadsWrite,
            maxQueueMs: cfg.registrar.challengeThreadsMaxQueueMs,
            maxMessageSize: cfg.sip.maxMessageBytes,
            realm: cfg.auth.realm || cfg.sip.domain,
            algorithms: cfg.auth.algorithms as DigestServerAlgorithm[],
            nonceLifetimeSec: cfg.auth.nonceLifetimeSec,
            nonceSecret: this.nonceSecret,
            registrar: this.registrarInit(),
            serverHeader: cfg.sip.userAgent,
            coalesceSends: cfg.sip.udpCoalesceSends,
            batchIo: listener.batched,
            credentials: this.threadCredentials(),
            logLevel: this.log.level,
            reportIntervalMs: 250,
          },
        ),
      );
    }
  }

  private async closeAll(): Promise<void> {
    const services = this.servicesValue;
    this.servicesValue = undefined;
    if (services) await services.stop();
    const o = this.opened;
    this.opened = {};
    this.loopLoad.stop();
    o.front?.stop();
    // Right before the listeners close: without the UDP helper, an ending thread closes the descriptor it
    // shares with them (with it, each thread wraps its own duplicate).
    for (const p of o.challengeThreads ?? []) await p.stop();
    if (o.endpoint) await o.endpoint.stop();
    else if (o.transport) await o.transport.stop();
    if (o.location) await o.location.stop();
    if (o.store) await o.store.close();
    if (o.db) await (o.db instanceof SqliteDatabase ? o.db.shutdown() : o.db.close());
  }

  private transition(next: StationState): void {
    this.log.info({ from: this.stateValue, to: next }, 'station state');
    this.stateValue = next;
  }

  private need<T>(v: T | undefined, what: string): T {
    if (v === undefined) throw new Error(`${what} not available while the station is ${this.stateValue}`);
    return v;
  }
}

function listenerSpec(l: BeckonConfig['sip']['listen'][number]): ListenerSpec {
  const spec: ListenerSpec = { transport: l.transport, host: l.host, port: l.port };
  if (l.tls) {
    spec.tls = {
      cert: readFileSync(l.tls.certFile),
      key: readFileSync(l.tls.keyFile),
      ...(l.tls.caFile ? { ca: readFileSync(l.tls.caFile), requestCert: true } : {}),
    };
  }
  return spec;
}
