import type { Logger, MetricsRegistry } from '@beckon/ops';
import {
  inetHostOf,
  type RegistrarSource,
  type SipApplication,
  type SipCommonConfigSource,
  type SipOperStatus,
  type SipPortInfo,
  type SipServerEntity,
  type SipServiceNotif,
  type SipTimerValues,
  type SipTransportProtocol,
} from '@beckon/mibs';

/** A bound SIP listener as the transport layer reports it. */
export interface SipListenerView {
  readonly transport: string;
  readonly port: number;
  readonly address?: string;
}

export interface StationSipServiceInit {
  /** applIndex of the station's SIP entity (default 1). */
  applIndex?: number;
  /** SIP domain (sipServerCfgHostAddress, proxy default realm). */
  domain: string;
  /** RFC 3261 T1/T2/T4 in ms. */
  t1Ms: number;
  t2Ms: number;
  t4Ms: number;
  /** Software version (applVersion). */
  version?: string;
  /** Option tags of the Supported header. */
  supported?: readonly string[];
  /** Methods the proxy and registrar accept (Allow). */
  methods?: readonly string[];
  /** Record-Route inserted by the proxy. */
  recordRoute?: boolean;
  /** Digest authentication of REGISTER. */
  authenticate?: boolean;
  realm?: string;
  maxTransactions?: number;
}

export interface StationSipServiceComponents {
  log: Logger;
  metrics: MetricsRegistry;
  /** sysUpTime (hundredths of a second). */
  upTime: () => number;
  registrar: RegistrarSource;
  /** Live listeners (sipCommonPortTable); absent: no rows. */
  listeners?: () => readonly SipListenerView[];
  /** Live operational status of the SIP service; absent: the state set through `setOperStatus`. */
  operStatus?: () => SipOperStatus;
}

/** RFC 4780 §5.2: "sip_proxy_registrar1" names a combined proxy and registrar, the first of its kind. */
export const STATION_APPL_NAME = 'sip_proxy_registrar1';

const DEFAULT_METHODS = [
  'ACK',
  'BYE',
  'CANCEL',
  'INFO',
  'INVITE',
  'MESSAGE',
  'NOTIFY',
  'OPTIONS',
  'PRACK',
  'PUBLISH',
  'REFER',
  'REGISTER',
  'SUBSCRIBE',
  'UPDATE',
] as const;

const TRANSPORT_BITS: Readonly<Record<string, SipTransportProtocol>> = {
  udp: 'udp',
  tcp: 'tcp',
  tls: 'tlsTcp',
  sctp: 'sctp',
};

/**
 * The station's one SIP entity (a proxy + registrar) as the SIP MIB modules see it: SIP-COMMON-MIB
 * configuration read from the running configuration, counters from the process MetricsRegistry, and the
 * SIP-SERVER-MIB entity with the registrar tables of the location service. The only state kept here is
 * what RFC 4780 asks the agent to remember (start/last-change times, the notification enable bits).
 */
export class StationSipService {
  readonly applIndex: number;
  private status: SipOperStatus = 'down';
  private startTime = 0;
  private lastChange = 0;
  private notifs: SipServiceNotif[] = ['sipCommonServiceColdStart', 'sipCommonServiceWarmStart'];
  private readonly log: Logger;
  /** sipCommonCfgTable and friends. */
  readonly config: SipCommonConfigSource;
  /** The applTable / SIP-COMMON-MIB entity. */
  readonly application: SipApplication;
  /** The SIP-SERVER-MIB entity (same applIndex). */
  readonly server: SipServerEntity;

  constructor(
    private readonly components: StationSipServiceComponents,
    private readonly init: StationSipServiceInit,
  ) {
    this.applIndex = init.applIndex ?? 1;
    this.log = components.log.child({ component: 'station.snmp.sip' });
    this.config = {
      protocolVersion: () => 'SIP/2.0',
      operStatus: () => this.operStatus(),
      startTime: () => this.startTime,
      lastChange: () => this.lastChange,
      organization: () => '',
      maxTransactions: () => init.maxTransactions ?? 0,
      roles: () => ['proxyServer', 'registrarServer'],
      ports: () => this.ports(),
      optionTags: () => (init.supported ?? []).map((tag) => ({ tag, headers: ['supported'] })),
      methodsSupported: () => init.methods ?? DEFAULT_METHODS,
      timers: () => this.timers(),
      serviceNotifEnable: () => this.notifs,
      setServiceNotifEnable: (v) => {
        this.log.info({ from: this.notifs, to: v }, 'running configuration: sipCommonCfgServiceNotifEnable');
        this.notifs = [...v];
        return true;
      },
    };
    this.application = {
      applIndex: this.applIndex,
      applName: STATION_APPL_NAME,
      applDescription: 'Beckon station SIP proxy and registrar',
      applVersion: init.version ?? '0.1.0',
      config: this.config,
      metrics: components.metrics,
      countersDisconTime: () => 0,
    };
    this.server = {
      applIndex: this.applIndex,
      metrics: components.metrics,
      hostAddress: () => inetHostOf(init.domain),
      countersDisconTime: () => 0,
      proxy: {
        statefulness: () => 'transactionStateful',
        recursion: () => false,
        recordRoute: () => init.recordRoute ?? false,
        authMethods: () => (init.authenticate ? ['digest'] : ['none']),
        authDefaultRealm: () => init.realm ?? init.domain,
      },
      registrar: components.registrar,
    };
  }

  /** The service is running: sipCommonCfgServiceStartTime/LastChange take the current sysUpTime. */
  started(): void {
    const now = this.components.upTime();
    this.startTime = now;
    this.setOperStatus('up');
  }

  /** Records a change of sipCommonCfgServiceOperStatus; returns true when it changed. */
  setOperStatus(s: SipOperStatus): boolean {
    if (s === this.status) return false;
    this.status = s;
    this.lastChange = this.components.upTime();
    return true;
  }

  operStatus(): SipOperStatus {
    return this.components.operStatus?.() ?? this.status;
  }

  private ports(): SipPortInfo[] {
    const byPort = new Map<number, SipTransportProtocol[]>();
    for (const l of this.components.listeners?.() ?? []) {
      const t = TRANSPORT_BITS[l.transport.toLowerCase()] ?? 'other';
      const list = byPort.get(l.port) ?? [];
      if (!list.includes(t)) list.push(t);
      byPort.set(l.port, list);
    }
    return [...byPort].map(([port, transports]) => ({ port, transports }));
  }

  /** RFC 3261 Table 4 from T1, T2, T4 (C: "> 3min"; D: "> 32s for UDP"). */
  private timers(): SipTimerValues {
    const { t1Ms: t1, t2Ms: t2, t4Ms: t4 } = this.init;
    return {
      t1,
      t2,
      t4,
      a: t1,
      b: 64 * t1,
      c: 180_000,
      d: 32_000,
      e: t1,
      f: 64 * t1,
      g: t1,
      h: 64 * t1,
      i: t4,
      j: 64 * t1,
      k: t4,
    };
  }
}
