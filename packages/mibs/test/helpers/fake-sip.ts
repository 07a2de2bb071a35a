import { MetricsRegistry } from '@beckon/ops';
import type {
  InetHost,
  RegisteredContact,
  RegisteredUser,
  RegistrarSource,
  SipApplication,
  SipCommonConfigSource,
  SipOperStatus,
  SipServerEntity,
  SipServiceNotif,
  SipUaEntity,
  UaServerInfo,
} from '../../src/index.js';

/** Mutable state behind a fake SIP entity's config source. */
export interface FakeConfigState {
  operStatus: SipOperStatus;
  startTime: number;
  lastChange: number;
  notifs: SipServiceNotif[];
  methods: string[];
  setCalls: number;
}

export function fakeApplication(
  applIndex: number,
  metrics = new MetricsRegistry(),
  applName = `sip_proxy_registrar${applIndex}`,
): { app: SipApplication; state: FakeConfigState } {
  const state: FakeConfigState = {
    operStatus: 'up',
    startTime: 150,
    lastChange: 200,
    notifs: ['sipCommonServiceColdStart', 'sipCommonServiceWarmStart'],
    methods: ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER'],
    setCalls: 0,
  };
  const config: SipCommonConfigSource = {
    protocolVersion: () => 'SIP/2.0',
    operStatus: () => state.operStatus,
    startTime: () => state.startTime,
    lastChange: () => state.lastChange,
    organization: () => 'Beckon',
    maxTransactions: () => 5000,
    roles: () => ['proxyServer', 'registrarServer'],
    ports: () => [
      { port: 5061, transports: ['tlsTcp'] },
      { port: 5060, transports: ['udp', 'tcp'] },
    ],
    optionTags: () => [
      { tag: 'outbound', headers: ['supported'] },
      { tag: 'path', headers: ['supported', 'require'] },
    ],
    methodsSupported: () => state.methods,
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
    serviceNotifEnable: () => state.notifs,
    setServiceNotifEnable: (v) => {
      state.notifs = [...v];
      state.setCalls++;
      return true;
    },
  };
  const app: SipApplication = {
    applIndex,
    applName,
    applDescription: 'Beckon SIP proxy and registrar',
    applVersion: '0.1.0',
    applUrl: 'https://example.invalid/beckon',
    config,
    metrics,
    retryStats: (m) =>
      m === 'INVITE' || m === 'REGISTER'
        ? { retries: 3, finalResponses: 2, nonFinalResponses: 1 }
        : undefined,
    associations: () => ({
      inbound: 2,
      outbound: 1,
      accumulatedInbound: 20,
      accumulatedOutbound: 10,
      lastInboundActivity: 300,
      lastOutboundActivity: 310,
      rejectedInbound: 1,
      failedOutbound: 0,
    }),
  };
  return { app, state };
}

/** Counts the location-service calls a walk makes. */
export interface CallCounts {
  userAfter: number;
  getUser: number;
  contactAfter: number;
  getContact: number;
}

/**
 * A location service of `users` users with `perUser` contacts each, in sorted arrays with binary search
 * (what the real location service provides: O(log n) per query).
 */
export function fakeRegistrar(
  users: number,
  perUser: number,
): { registrar: RegistrarSource; calls: CallCounts } {
  const calls: CallCounts = { userAfter: 0, getUser: 0, contactAfter: 0, getContact: 0 };
  const us: RegisteredUser[] = [];
  const cs: RegisteredContact[] = [];
  for (let u = 1; u <= users; u++) {
    us.push({ userIndex: u * 2, uri: `user${u}@example.com`, authenticationFailures: u % 3 });
    for (let c = 1; c <= perUser; c++)
      cs.push({
        userIndex: u * 2,
        contactIndex: c,
        displayName: `User ${u}`,
        uri: `sip:user${u}@192.0.2.${c}:5060`,
        lastUpdated: 1000 + u,
        expiresAt: Date.UTC(2026, 10, 21, 6, 0, 0),
        preference: c === 1 ? '1.0' : '0.5',
      });
  }
  const userLower = (u: number): number => {
    let lo = 0;
    let hi = us.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (us[mid]!.userIndex < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const contactLower = (u: number, c: number): number => {
    let lo = 0;
    let hi = cs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const x = cs[mid]!;
      if (x.userIndex < u || (x.userIndex === u && x.contactIndex < c)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const registrar: RegistrarSource = {
    maxContactExpiryDuration: () => 7200,
    maxUsers: () => 1_000_000,
    currentUsers: () => us.length,
    defaultRegActiveInterval: () => 3600,
    userAfter(u) {
      calls.userAfter++;
      return us[u === undefined ? 0 : userLower(u + 1)];
    },
    getUser(u) {
      calls.getUser++;
      const x = us[userLower(u)];
      return x && x.userIndex === u ? x : undefined;
    },
    contactAfter(u, c) {
      calls.contactAfter++;
      return cs[contactLower(u ?? 0, (c ?? 0) + 1)];
    },
    getContact(u, c) {
      calls.getContact++;
      const x = cs[contactLower(u, c)];
      return x && x.userIndex === u && x.contactIndex === c ? x : undefined;
    },
  };
  return { registrar, calls };
}

export function fakeServer(
  applIndex: number,
  metrics: MetricsRegistry,
  registrar: RegistrarSource | undefined,
): SipServerEntity {
  return {
    applIndex,
    metrics,
    hostAddress: () => ({ type: 'ipv4', address: '192.0.2.10' }),
    countersDisconTime: () => 150,
    proxy: {
      statefulness: () => 'transactionStateful',
      recursion: () => false,
      recordRoute: () => true,
      authMethods: () => ['digest'],
      authDefaultRealm: () => 'example.com',
    },
    registrar,
  };
}

export function fakeUa(applIndex: number): {
  ua: SipUaEntity;
  servers: UaServerInfo[];
  changes: { index: number; host: InetHost }[];
} {
  const servers: UaServerInfo[] = [
    { serverIndex: 1, host: { type: 'ipv4', address: '192.0.2.10' }, roles: ['registrarServer'] },
    { serverIndex: 2, host: { type: 'dns', address: 'proxy.example.com' }, roles: ['proxyServer'] },
  ];
  const changes: { index: number; host: InetHost }[] = [];
  const ua: SipUaEntity = {
    applIndex,
    servers: () => servers,
    setServerAddress(index, host) {
      const s = servers.find((x) => x.serverIndex === index);
      if (!s) return false;
      s.host = host;
      changes.push({ index, host });
      return true;
    },
  };
  return { ua, servers, changes };
}
