import { arch, availableParallelism, hostname, type as osType } from 'node:os';
import type { SnmpConfig } from '@beckon/config';
import {
  registerApplTable,
  registerSipCommonMib,
  registerSipServerMib,
  SipCommonNotifier,
  type SipCommonMib,
  type SipOperStatus,
  type StatusCodeChange,
} from '@beckon/mibs';
import { BusyPoll, busyPollWindowFor, type Logger, type MetricsRegistry } from '@beckon/ops';
import {
  formatOid,
  NotificationOriginator,
  oid,
  oidEquals,
  registerSnmpEngineMib,
  registerSnmpGroup,
  registerUsmStatsMib,
  registerUsmUserMib,
  SnmpAgent,
  SnmpStats,
  SystemGroup,
  UdpTransport,
  UserBasedSecurityModel,
  type NotificationTarget,
  type Oid,
  type TransportAddress,
} from '@beckon/snmp';
import type { LocationService } from '../location/index.js';
import { AuditedMibRegistry, describe, type SnmpSetRecord } from './audited-mib-registry.js';
import { BECKON_ENTERPRISE, EngineStateFile } from './engine-state-file.js';
import { LocationRegistrarSource } from './location-registrar-source.js';
import { stationSnmpAccess } from './station-snmp-access.js';
import {
  StationSipService,
  type SipListenerView,
  type StationSipServiceInit,
} from './station-sip-service.js';

/**
 * sysObjectID: "The vendor's authoritative identification of the network management subsystem ...
 * allocated within the SMI enterprises subtree (1.3.6.1.4.1)" (RFC 3418). Beckon has no IANA private
 * enterprise number yet, so it uses the documentation enterprise number 32473 (RFC 5612):
 * enterprises.32473.1 = Beckon products, .1.1 = the station. Replace the arc once a number is assigned.
 */
export const BECKON_STATION_OBJECT_ID: Oid = [1, 3, 6, 1, 4, 1, BECKON_ENTERPRISE, 1, 1];

/** SNMPv2-MIB coldStart (snmpTraps.1): "the SNMP entity ... is reinitializing itself". */
export const COLD_START_TRAP: Oid = oid('1.3.6.1.6.3.1.1.5.1');

/** sysORTable rows: the modules this agent implements. */
const MODULES: readonly [string, string][] = [
  ['1.3.6.1.6.3.1', 'SNMPv2-MIB: system and snmp groups (RFC 3418)'],
  ['1.3.6.1.6.3.10', 'SNMP-FRAMEWORK-MIB: snmpEngine (RFC 3411)'],
  ['1.3.6.1.6.3.15', 'SNMP-USER-BASED-SM-MIB: usmStats, usmUserTable (RFC 3414)'],
  ['1.3.6.1.2.1.27', 'NETWORK-SERVICES-MIB: applTable (RFC 2788)'],
  ['1.3.6.1.2.1.149', 'SIP-COMMON-MIB (RFC 4780)'],
  ['1.3.6.1.2.1.151', 'SIP-SERVER-MIB (RFC 4780)'],
];

const SYS_CONTACT_0 = oid('1.3.6.1.2.1.1.4.0');
const SYS_NAME_0 = oid('1.3.6.1.2.1.1.5.0');
const SYS_LOCATION_0 = oid('1.3.6.1.2.1.1.6.0');

export interface StationSnmpComponents {
  readonly log: Logger;
  /** The one MetricsRegistry: SIP counters are read from it, SNMP engine counters written to it. */
  readonly metrics: MetricsRegistry;
  readonly location: LocationService;
  /** Bound SIP listeners (sipCommonPortTable), read live. */
  readonly sipListeners?: () => readonly SipListenerView[];
  /** Live operational status of the SIP service (default: 'up' while the agent runs). */
  readonly sipOperStatus?: () => SipOperStatus;
  /** Told of every running-configuration change made through SNMP (after it is logged). */
  readonly onConfigChange?: (change: SnmpConfigChange) => void;
}

/** A change of the running configuration made through SNMP SET. */
export interface SnmpConfigChange {
  /** Configuration path when the object mirrors one ('snmp.sysContact'), else the MIB object. */
  readonly path: string;
  readonly oid: string;
  readonly value: string | number;
  readonly by: string;
}

export interface StationSnmpOptions {
  /** Where snmpEngineID and snmpEngineBoots are kept (absent: not persisted, boots is always 1). */
  readonly stateFile?: string;
  readonly sysDescr?: string;
  readonly sysObjectId?: Oid;
  readonly sysName?: string;
  /** The SIP entity (domain, timers, ...); defaults suit tests. */
  readonly sip?: Partial<StationSipServiceInit>;
  /** Registrar limits shown in SIP-SERVER-MIB. */
  readonly registrar?: { maxExpires: number; defaultExpires: number; maxUsers?: number };
  /** Period of the status-code threshold check (default 1000 ms). */
  readonly thresholdPollMs?: number;
  /** Software version (sysDescr, applVersion). */
  readonly version?: string;
}

export enum StationSnmpState {
  Idle = 'idle',
  Starting = 'starting',
  Running = 'running',
  Stopping = 'stopping',
  Stopped = 'stopped',
}

export type StationSnmpStartResult =
  { ok: true; listeners: TransportAddress[] } | { ok: false; error: string };

/** What `start` built; dropped by `stop`. */
interface Running {
  agent: SnmpAgent;
  usm: UserBasedSecurityModel;
  system: SystemGroup;
  registry: AuditedMibRegistry;
  common: SipCommonMib;
  notifier: SipCommonNotifier;
  originator: NotificationOriginator;
  notifTransport: UdpTransport;
  busyPoll: BusyPoll;
  listeners: TransportAddress[];
}

/**
 * The station's SNMP agent (issue 5): engine with USM + VACM and v2c communities from `snmp`, the
 * SNMPv2-MIB system and snmp groups, usmStats, snmpEngine, applTable, SIP-COMMON-MIB and SIP-SERVER-MIB
 * fed by the MetricsRegistry and the live location service, the notification originator with the
 * configured trap targets (cold start at start, status-code thresholds polled).
 */
export class StationSnmp {
  readonly sip: StationSipService;
  private readonly log: Logger;
  private readonly stateFile: EngineStateFile;
  private stateValue = StationSnmpState.Idle;
  private run: Running | undefined;
  private readonly upTimeBase = performance.now();
  private systemRef: SystemGroup | undefined;

  constructor(
    private readonly components: StationSnmpComponents,
    private readonly config: SnmpConfig,
    private readonly options: StationSnmpOptions = {},
  ) {
    this.log = components.log.child({ component: 'station.snmp' });
    this.stateFile = new EngineStateFile(options.stateFile);
    const r = options.registrar ?? { maxExpires: 7200, defaultExpires: 3600 };
    const registrar = new LocationRegistrarSource(components.location, {
      maxExpires: r.maxExpires,
      defaultExpires: r.defaultExpires,
      ...(r.maxUsers !== undefined ? { maxUsers: r.maxUsers } : {}),
      upTime: () => this.upTime(),
    });
    const sip = options.sip ?? {};
    this.sip = new StationSipService(
      {
        log: this.log,
        metrics: components.metrics,
        upTime: () => this.upTime(),
        registrar,
        ...(components.sipListeners ? { listeners: components.sipListeners } : {}),
        ...(components.sipOperStatus ? { operStatus: components.sipOperStatus } : {}),
      },
      {
        domain: sip.domain ?? 'localhost',
        t1Ms: sip.t1Ms ?? 500,
        t2Ms: sip.t2Ms ?? 4000,
        t4Ms: sip.t4Ms ?? 5000,
        ...sip,
        ...(options.version ? { version: options.version } : {}),
      },
    );
  }

  get currentState(): StationSnmpState {
    return this.stateValue;
  }

  /** Bound agent sockets (ports resolved when 0 was configured). */
  listeners(): TransportAddress[] {
    return this.run?.listeners ?? [];
  }

  get engineId(): Buffer | undefined {
    return this.run?.usm.engineId;
  }

  get engineBoots(): number | undefined {
    return this.run?.usm.clock.engineBoots;
  }

  /** The SIP-COMMON-MIB state (status-code rows) and the notifier, for the SIP core to call. */
  get sipCommon(): SipCommonMib | undefined {
    return this.run?.common;
  }

  get notifier(): SipCommonNotifier | undefined {
    return this.run?.notifier;
  }

  get agent(): SnmpAgent | undefined {
    return this.run?.agent;
  }

  /** sysUpTime (hundredths of a second since this agent was created). */
  upTime(): number {
    return this.systemRef?.upTime() ?? Math.floor((performance.now() - this.upTimeBase) / 10);
  }

  /** `snmp` as configured, with the changes made through SNMP SET applied. */
  runningConfig(): SnmpConfig {
    const s = this.run?.system;
    return s ? { ...this.config, sysContact: s.contact, sysLocation: s.location } : this.config;
  }

  /** Builds the engine and MIBs, binds `snmp.listen`, sends the cold-start notifications. */
  async start(): Promise<StationSnmpStartResult> {
    if (this.stateValue !== StationSnmpState.Idle) return { ok: false, error: `already ${this.stateValue}` };
    this.stateValue = StationSnmpState.Starting;
    const r = await this.build().catch((err: unknown) => ({ ok: false as const, error: String(err) }));
    if (!r.ok) {
      this.stateValue = StationSnmpState.Stopped;
      this.log.error({ error: r.error }, 'snmp agent not started');
      return r;
    }
    this.stateValue = StationSnmpState.Running;
    return { ok: true, listeners: r.listeners };
  }

  async stop(): Promise<void> {
    if (this.stateValue !== StationSnmpState.Running) return;
    this.stateValue = StationSnmpState.Stopping;
    const run = this.run;
    if (run) {
      this.sip.setOperStatus('down');
      run.notifier.dispose();
      run.originator.dispose();
      run.busyPoll.dispose();
      await run.agent.close();
      await run.notifTransport.close();
    }
    this.stateValue = StationSnmpState.Stopped;
    this.log.info('snmp agent stopped');
  }

  // ------------------------------------------------------------------ construction

  private async build(): Promise<StationSnmpStartResult> {
    const { log, metrics } = this.components;
    const cfg = this.config;
    if (cfg.listen.length === 0) {
      this.log.info('snmp agent disabled (snmp.listen is empty)');
      return { ok: true, listeners: [] };
    }
    const access = stationSnmpAccess(cfg);
    if (!access.ok) return { ok: false, error: access.errors.join('; ') };
    for (const w of access.access.warnings) this.log.warn(w);

    // RFC 3414 §2.2: engine ID and boots persisted; boots grows at every start.
    const boot = this.stateFile.nextBoot(cfg.engineId);
    if (!boot.ok) return boot;
    const { engineId, engineBoots, origin } = boot.state;
    if (!this.stateFile.location)
      this.log.warn('snmp engine state is not persisted: snmpEngineBoots stays 1 across restarts');
    const usmR = UserBasedSecurityModel.create(
      { log, metrics },
      {
        engineId,
        engineBoots,
        users: access.access.usmUsers,
        instance: 'station',
        onBootsChange: (b) => {
          const s = this.stateFile.save(engineId, b);
          if (!s.ok) this.log.error({ error: s.error }, 'snmpEngineBoots not saved');
        },
      },
    );
    if (!usmR.ok) return { ok: false, error: usmR.errors.join('; ') };
    const usm = usmR.usm;

    const registry = new AuditedMibRegistry(this.log, (rec) => this.onSet(rec));
    const version = this.options.version ?? '0.1.0';
    const system = new SystemGroup({
      descr:
        this.options.sysDescr ??
        `Beckon station ${version}: SIP proxy, registrar and management station (Node.js ${process.version}, ${osType()} ${arch()})`,
      objectId: this.options.sysObjectId ?? BECKON_STATION_OBJECT_ID,
      contact: cfg.sysContact,
      location: cfg.sysLocation,
      name: this.options.sysName ?? hostname(),
    });
    this.systemRef = system;
    system.register(registry);
    for (const [id, descr] of MODULES) system.addObjectResource(oid(id), descr);

    const stats = new SnmpStats(metrics);
    registerSnmpGroup(registry, stats);
    const regs = [
      registerUsmStatsMib(registry, usm.stats),
      registerSnmpEngineMib(registry, { engineId, clock: usm.clock, maxMessageSize: 65507 }),
      registerUsmUserMib(registry, usm.users, engineId),
    ];
    for (const x of regs) if (!x.ok) return { ok: false, error: x.error };

    // one SIP entity: the lists are built once (the MIB handlers read them at every request)
    const applications = [this.sip.application] as const;
    const servers = [this.sip.server] as const;
    const sources = { applications: () => applications, upTime: () => system.upTime() };
    registerApplTable(registry, sources, { log });
    const common = registerSipCommonMib(registry, sources, {
      log,
      onStatusCodeChange: (c) => this.onStatusCodeChange(c),
    });
    registerSipServerMib(registry, { servers: () => servers }, { log });

    const communities = access.access.communities;
    const agent = new SnmpAgent({
      registry,
      access: access.access.vacm,
      ...(communities.size > 0
        ? {
            resolveCommunity: (c: Buffer) => {
              const s = c.toString('latin1');
              return communities.has(s) ? s : undefined;
            },
          }
        : {}),
      securityModels: [usm],
      engineId,
      metrics,
      stats,
      log,
    });

    // One poller for all command sockets: a walk keeps the loop awake between its requests.
    const busyPoll = new BusyPoll({
      windowMicros: busyPollWindowFor(cfg.busyPollMicros, availableParallelism()),
    });
    metrics.gauge(
      'beckon_snmp_busy_poll_seconds_total',
      'Time the SNMP agent kept the event loop polling after requests (snmp.busyPollMicros)',
      () => busyPoll.secondsPolling,
    );
    const listeners: TransportAddress[] = [];
    const bound: UdpTransport[] = [];
    try {
      for (const l of cfg.listen) {
        const t = await UdpTransport.bind({ address: l.host, port: l.port, log, busyPoll });
        bound.push(t);
        agent.attach(t);
        listeners.push(t.localAddress);
      }
    } catch (err) {
      busyPoll.dispose();
      await Promise.all(bound.map((t) => t.close()));
      return { ok: false, error: `cannot bind snmp.listen: ${String(err)}` };
    }

    // Notifications leave from their own ephemeral socket so that informs' responses do not reach the
    // command responder.
    let notifTransport: UdpTransport;
    try {
      notifTransport = await UdpTransport.bind({ address: cfg.listen[0]?.host ?? '127.0.0.1', port: 0, log });
    } catch (err) {
      busyPoll.dispose();
      await agent.close();
      return { ok: false, error: `cannot bind the notification socket: ${String(err)}` };
    }
    const originator = new NotificationOriginator({
      transport: notifTransport,
      targets: this.targets(),
      upTime: () => system.upTime(),
      log,
      stats,
      securityModel: usm,
    });
    const notifier = new SipCommonNotifier(
      { sink: originator, sources, statusCodes: common.statusCodes, log },
      { pollIntervalMs: this.options.thresholdPollMs ?? 1000 },
    );
    this.run = {
      agent,
      usm,
      system,
      registry,
      common,
      notifier,
      originator,
      notifTransport,
      busyPoll,
      listeners,
    };

    this.log.info(
      {
        listen: listeners.map((a) => `udp:${a.address}:${a.port}`),
        engineId: engineId.toString('hex'),
        engineBoots,
        engineIdOrigin: origin,
        communities: communities.size,
        users: access.access.usmUsers.length,
        trapTargets: cfg.trapTargets.length,
        busyPollMicros: busyPoll.enabled ? cfg.busyPollMicros : 0,
      },
      'snmp agent listening',
    );

    this.sip.started();
    notifier.start();
    // RFC 3418 coldStart, then RFC 4780 sipCommonServiceColdStart for the SIP entity.
    void originator
      .notify(COLD_START_TRAP, [])
      .catch((err: unknown) => this.log.warn({ err }, 'coldStart not sent'));
    notifier.serviceStarted(this.sip.applIndex, 'cold');
    return { ok: true, listeners };
  }

  /**
   * `snmp.trapTargets` as originator targets. v3 targets name a user of `snmp.users`; the security level
   * is the highest that user supports (authPriv with AES, authNoPriv with authentication only).
   */
  private targets(): NotificationTarget[] {
    const out: NotificationTarget[] = [];
    for (const t of this.config.trapTargets) {
      const name = `${t.host}:${t.port}`;
      const type = t.inform ? 'inform' : 'trap';
      if (t.version === 'v2c') {
        if (!t.community) {
          this.log.warn({ target: name }, 'v2c notification target without community; skipped');
          continue;
        }
        out.push({ name, address: t.host, port: t.port, version: 'v2c', community: t.community, type });
        continue;
      }
      const user = this.config.users.find((u) => u.name === t.user);
      if (!user) {
        this.log.warn(
          { target: name, user: t.user },
          'v3 notification target names no snmp.users entry; skipped',
        );
        continue;
      }
      const securityLevel =
        user.authProtocol === 'none'
          ? 'noAuthNoPriv'
          : user.privProtocol === 'AES'
            ? 'authPriv'
            : 'authNoPriv';
      out.push({
        name,
        address: t.host,
        port: t.port,
        version: 'v3',
        securityName: user.name,
        securityLevel,
        type,
      });
    }
    return out;
  }

  private onSet(rec: SnmpSetRecord): void {
    const path = oidEquals(rec.oid, SYS_CONTACT_0)
      ? 'snmp.sysContact'
      : oidEquals(rec.oid, SYS_LOCATION_0)
        ? 'snmp.sysLocation'
        : oidEquals(rec.oid, SYS_NAME_0)
          ? 'snmp.sysName'
          : formatOid(rec.oid);
    this.components.onConfigChange?.({
      path,
      oid: formatOid(rec.oid),
      value: describe(rec.value),
      by: rec.securityName,
    });
  }

  private onStatusCodeChange(c: StatusCodeChange): void {
    this.log.info(
      { kind: c.kind, applIndex: c.row.applIndex, method: c.row.method, code: c.row.code },
      'running configuration: sipCommonStatusCodeTable row',
    );
  }
}
