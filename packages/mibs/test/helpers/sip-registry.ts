import { MetricsRegistry, silentLogger } from '@beckon/ops';
import {
  MibRegistry,
  runSetTransaction,
  type Oid,
  type RequestContext,
  type SetOutcome,
  type SnmpValue,
  type VarBind,
} from '@beckon/snmp';
import {
  registerApplTable,
  registerSipCommonMib,
  registerSipServerMib,
  registerSipUaMib,
  type SipApplication,
  type SipCommonMib,
  type SipCommonSources,
} from '../../src/index.js';
import {
  fakeApplication,
  fakeRegistrar,
  fakeServer,
  fakeUa,
  type CallCounts,
  type FakeConfigState,
} from './fake-sip.js';

export const CTX: RequestContext = {
  securityModel: 2,
  securityName: 'private',
  securityLevel: 'noAuthNoPriv',
  contextName: '',
};

export interface SipTestRegistry {
  registry: MibRegistry;
  metrics: MetricsRegistry;
  proxy: { app: SipApplication; state: FakeConfigState };
  ua: { app: SipApplication; state: FakeConfigState };
  uaServers: ReturnType<typeof fakeUa>;
  sources: SipCommonSources;
  common: SipCommonMib;
  calls: CallCounts;
  statusChanges: string[];
  upTime: { value: number };
}

/** Counts the SIP core would have produced. */
export function seedCounters(metrics: MetricsRegistry): void {
  const reqIn = metrics.counter('sip_requests_in', 'SIP requests received', ['method']);
  const reqOut = metrics.counter('sip_requests_out', 'SIP requests sent', ['method']);
  const resIn = metrics.counter('sip_responses_in', 'SIP responses received', ['code']);
  const resOut = metrics.counter('sip_responses_out', 'SIP responses sent', ['code']);
  reqIn.inc(['INVITE'], 10);
  reqIn.inc(['REGISTER'], 40);
  reqIn.inc(['OPTIONS'], 5);
  reqOut.inc(['INVITE'], 7);
  reqOut.inc(['BYE'], 3);
  resIn.inc(['200'], 8);
  resIn.inc(['486'], 2);
  resOut.inc(['200'], 30);
  resOut.inc(['401'], 12);
  resOut.inc(['405'], 1);
  resOut.inc(['501'], 2);
  resOut.inc(['416'], 4);
  metrics.counter('sip_transactions_created', 'created', ['kind']).inc(['invite_server'], 11);
  metrics.counter('sip_transactions', 'ended', ['kind', 'outcome']).inc(['invite_server', 'completed'], 9);
  metrics.gauge('sip_transactions_active', 'alive', () => [{ labels: ['invite_server'], value: 2 }], [
    'kind',
  ]);
  metrics.counter('sip_parse_errors', 'parse errors', ['reason']).inc(['badStartLine'], 6);
  metrics.counter('registrar_accepted_registrations', 'accepted').inc([], 33);
  metrics.counter('registrar_rejected_registrations', 'rejected').inc([], 7);
  metrics.counter('proxy_require_failures', '420 sent').inc([], 1);
}

/** applIndex 1: proxy+registrar (SIP-COMMON + SIP-SERVER); applIndex 2: a UA (SIP-COMMON + SIP-UA). */
export function buildSipRegistry(users = 3, perUser = 2): SipTestRegistry {
  const log = silentLogger();
  const registry = new MibRegistry();
  const metrics = new MetricsRegistry();
  seedCounters(metrics);
  const proxy = fakeApplication(1, metrics);
  const ua = fakeApplication(2, new MetricsRegistry(), 'sip_ua1');
  ua.app.config.roles = () => ['userAgent'];
  const upTime = { value: 5000 };
  const sources: SipCommonSources = { applications: () => [proxy.app, ua.app], upTime: () => upTime.value };
  registerApplTable(registry, sources, { log });
  const statusChanges: string[] = [];
  const common = registerSipCommonMib(registry, sources, {
    log,
    onStatusCodeChange: (c) =>
      statusChanges.push(`${c.kind} ${c.row.applIndex} ${c.row.method} ${c.row.code}`),
  });
  const { registrar, calls } = fakeRegistrar(users, perUser);
  const server = fakeServer(1, metrics, registrar);
  registerSipServerMib(registry, { servers: () => [server] }, { log });
  const uaServers = fakeUa(2);
  registerSipUaMib(registry, { userAgents: () => [uaServers.ua] }, { log });
  return { registry, metrics, proxy, ua, uaServers, sources, common, calls, statusChanges, upTime };
}

/** GetNext from `root` while inside it. */
export function walk(registry: MibRegistry, root: Oid, limit = 10_000_000): VarBind[] {
  const out: VarBind[] = [];
  let cur: Oid = root;
  for (let i = 0; i < limit; i++) {
    const vb = registry.next(cur, CTX);
    if (!vb || !startsWith(vb.oid, root)) break;
    out.push(vb);
    cur = vb.oid;
  }
  return out;
}

export function startsWith(o: Oid, p: Oid): boolean {
  if (o.length < p.length) return false;
  for (let i = 0; i < p.length; i++) if (o[i] !== p[i]) return false;
  return true;
}

export function set(registry: MibRegistry, ...varbinds: [Oid, SnmpValue][]): SetOutcome {
  return runSetTransaction(
    registry,
    varbinds.map(([oid, value]) => ({ oid, value })),
    CTX,
  );
}

export function get(registry: MibRegistry, oid: Oid): SnmpValue {
  return registry.get(oid, CTX).value;
}
