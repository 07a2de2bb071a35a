import type { Logger, MetricsRegistry } from '@beckon/ops';
import {
  inetHostOf,
  registerApplTable,
  registerSipCommonMib,
  registerSipUaMib,
  type InetHost,
  type SipApplication,
  type SipCommonSources,
  type SipEntityRole,
  type SipTransportProtocol,
  type SipUaEntity,
} from '@beckon/mibs';
import {
  EngineClock,
  MibRegistry,
  SnmpAgent,
  SystemGroup,
  TransportSecurityModel,
  registerSnmpEngineMib,
  registerTsmStatsMib,
  type AccessStatus,
  type Oid,
  type SecurityLevel,
  type ViewType,
} from '@beckon/snmp';

/** Where the UA registers (sipUACfgServerEntry row 1, role registrarServer + proxyServer). */
export interface UaServer {
  host: string;
  port: number;
}

export interface DeviceSnmpAgentInit {
  /** The device's MAC (12 hex digits): its snmpEngineID is RFC 3411 format 3 (MAC) under Beckon's enterprise. */
  mac: string;
  system: { descr: string; objectId?: Oid; contact?: string; name?: string; location?: string };
  /** The device's own user agent (SIP-COMMON-MIB and SIP-UA-MIB rows, applIndex 1). */
  ua: {
    server: UaServer;
    /** Local SIP port and transports (sipCommonPortTable). */
    sipPort: number;
    transports: readonly SipTransportProtocol[];
    /** Counters of the UA's SIP core (sip_requests_in ...); an empty registry is fine. */
    metrics: MetricsRegistry;
    organization?: string;
    version?: string;
  };
  /** TSM security names (station certificates' mapped names, SSH users) that may read, and write. */
  readers: readonly string[];
  writers: readonly string[];
  /** SNMPv2c community for snmp-tcp (labs); absent: v1/v2c refused. */
  community?: { name: string; access: 'read-only' | 'read-write' };
  /**
   * A SET of sipUACfgServerAddress(Type) changed the registrar: apply it (the device re-registers there).
   * False refuses the SET (commitFailed). Absent: the address is read-only.
   */
  onServerChange?(server: UaServer): boolean;
}

const TSM = 4;
const V2C = 2;

/**
 * The device's SNMP command responder (issue 6): SNMPv2-MIB system group, snmpEngine, TSM statistics,
 * applTable, SIP-COMMON-MIB and SIP-UA-MIB for its own user agent. It has no socket of its own: it is
 * reachable only through call-home sessions (DeviceSnmpSessionHandler attaches it to each one).
 */
export class DeviceSnmpAgent {
  readonly agent: SnmpAgent;
  readonly tsm: TransportSecurityModel;
  readonly registry = new MibRegistry();
  readonly system: SystemGroup;
  readonly engineId: Buffer;
  private server: UaServer;
  private readonly log: Logger;
  private readonly init: DeviceSnmpAgentInit;
  private readonly started = performance.now();

  constructor(components: { log: Logger; metrics: MetricsRegistry }, init: DeviceSnmpAgentInit) {
    this.init = init;
    this.log = components.log.child({ component: 'device.snmp' });
    this.server = { ...init.ua.server };
    const mac = init.mac.replace(/[^0-9a-fA-F]/g, '');
    // RFC 3411 SnmpEngineID: enterprise 57329 (IANA PEN placeholder of Beckon), format 3 = MAC address
    this.engineId = Buffer.concat([
      Buffer.from('8000dff103', 'hex'),
      Buffer.from(mac.padStart(12, '0'), 'hex'),
    ]);
    this.system = new SystemGroup({
      descr: init.system.descr,
      objectId: init.system.objectId ?? [1, 3, 6, 1, 4, 1, 57329, 2],
      contact: init.system.contact ?? '',
      name: init.system.name ?? mac.toLowerCase(),
      location: init.system.location ?? '',
    });
    this.system.register(this.registry);
    this.system.addObjectResource([1, 3, 6, 1, 2, 1, 150], 'SIP-UA-MIB: the user agent of this device');
    registerSnmpEngineMib(this.registry, {
      engineId: this.engineId,
      clock: new EngineClock({ engineBoots: 1 }),
      maxMessageSize: 65507,
    });
    this.tsm = new TransportSecurityModel({
      engineId: this.engineId,
      metrics: components.metrics,
      instance: 'device',
      log: components.log,
    });
    registerTsmStatsMib(this.registry, this.tsm.stats, this.tsm.prefixConfig);
    const app = this.application();
    const sources: SipCommonSources = { applications: () => [app], upTime: () => this.system.upTime() };
    registerApplTable(this.registry, sources, { log: components.log });
    registerSipCommonMib(this.registry, sources, { log: components.log });
    const ua: SipUaEntity = {
      applIndex: 1,
      servers: () => [
        {
          serverIndex: 1,
          host: inetHostOf(this.server.host),
          roles: ['registrarServer', 'proxyServer'] as SipEntityRole[],
        },
      ],
      ...(init.onServerChange ? { setServerAddress: (i: number, h: InetHost) => this.setServer(i, h) } : {}),
    };
    registerSipUaMib(this.registry, { userAgents: () => [ua] }, { log: components.log });
    const community = init.community;
    this.agent = new SnmpAgent({
      registry: this.registry,
      access: { isAccessAllowed: (m, n, l, v) => this.access(m, n, l, v) },
      ...(community
        ? {
            resolveCommunity: (c: Buffer) =>
              c.toString('latin1') === community.name ? 'community' : undefined,
          }
        : {}),
      securityModels: [this.tsm],
      engineId: this.engineId,
      metrics: components.metrics,
      log: components.log,
    });
  }

  /** The registrar the UA uses now. */
  get uaServer(): UaServer {
    return { ...this.server };
  }

  private setServer(serverIndex: number, host: InetHost): boolean {
    if (serverIndex !== 1 || host.type === 'unknown') return false;
    const next: UaServer = { host: host.address, port: this.server.port };
    const ok = this.init.onServerChange?.(next) ?? false;
    if (ok) {
      this.log.info({ from: this.server.host, to: next.host }, 'registrar changed by SNMP SET');
      this.server = next;
    }
    return ok;
  }

  private access(model: number, name: string, _level: SecurityLevel, view: ViewType): AccessStatus {
    if (model === TSM) {
      if (view === 'read' && (this.init.readers.includes(name) || this.init.writers.includes(name)))
        return 'accessAllowed';
      if (view === 'write' && this.init.writers.includes(name)) return 'accessAllowed';
      return 'noGroupName';
    }
    if ((model === V2C || model === 1) && this.init.community && name === 'community') {
      if (view === 'read') return 'accessAllowed';
      if (view === 'write' && this.init.community.access === 'read-write') return 'accessAllowed';
    }
    return 'noGroupName';
  }

  private application(): SipApplication {
    const ua = this.init.ua;
    const upTime = (): number => this.system.upTime();
    return {
      applIndex: 1,
      applName: 'sip_ua1',
      applDescription: 'SIP user agent of this device',
      applVersion: ua.version ?? '0.1.0',
      metrics: ua.metrics,
      config: {
        protocolVersion: () => 'SIP/2.0',
        operStatus: () => 'up',
        startTime: () => 0,
        lastChange: () => Math.min(upTime(), Math.floor((performance.now() - this.started) / 10)),
        organization: () => ua.organization ?? '',
        maxTransactions: () => 64,
        roles: () => ['userAgent'],
        ports: () => [{ port: ua.sipPort, transports: ua.transports }],
        optionTags: () => [],
        methodsSupported: () => ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'NOTIFY', 'SUBSCRIBE'],
        timers: () => ({
          t1: 500,
          t2: 4000,
          t4: 5000,
          a: 500,
          b: 32000,
          c: 180000,
          d: 32000,
          e: 500,
          f: 32000,
          g: 500,
          h: 32000,
          i: 5000,
          j: 32000,
          k: 5000,
        }),
      },
    };
  }
}
