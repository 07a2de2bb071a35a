import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import {
  DigestServer,
  InMemoryCredentialStore,
  Notifier,
  SipEndpoint,
  Subscriber,
  TransportLayer,
  type EventPackage,
  type SipRequest,
} from '@beckon/sip';
import { DeviceSimulator } from '../src/device-simulator.js';
import { ManagedDevice, ManagedDeviceState, type CallHomeEvent } from '../src/managed-device.js';
import { formatMac, macPlus, macToInstanceUrn } from '../src/mac-address.js';
import { managementUris } from '../src/management-uri.js';
import {
  encodeProtosList,
  encodeReply,
  LineCollector,
  parseHelloLine,
  type CallHomeHello,
} from '@beckon/mgmt';

void test('MAC helpers: device URI, v1 UUID with the MAC as node, simulator MACs', () => {
  assert.equal(formatMac('ff:00:00:00:36:c5'), 'FF00000036C5');
  assert.equal(formatMac('nope'), undefined);
  assert.equal(macPlus('02BEC0000000', 0x1ff), '02BEC00001FF');
  const urn = macToInstanceUrn('FF00000036C5', Date.UTC(2024, 0, 1), 5) as string;
  assert.match(urn, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[89ab][0-9a-f]{3}-ff00000036c5$/);
  assert.deepEqual(managementUris('example.com', 'ff00000036c5'), {
    deviceUri: 'sip:MAC%3aFF00000036C5@example.com',
    requestUri: 'sip:MAC%3aFF00000036C5@sipmgmtrequest.example.com',
  });
  assert.equal(
    managementUris('example.com', 'FF00000036C5', { host: '127.0.0.1:5070' })?.requestUri,
    'sip:MAC%3aFF00000036C5@127.0.0.1:5070',
  );
});

interface Node {
  transport: TransportLayer;
  endpoint: SipEndpoint;
  metrics: MetricsRegistry;
  port(k: 'udp' | 'tcp'): number;
}

async function node(): Promise<Node> {
  const metrics = new MetricsRegistry();
  const transport = new TransportLayer(
    { log: silentLogger(), metrics },
    {
      listeners: [
        { transport: 'udp', host: '127.0.0.1', port: 0 },
        { transport: 'tcp', host: '127.0.0.1', port: 0 },
      ],
    },
  );
  const endpoint = new SipEndpoint(
    { log: silentLogger(), metrics, transport },
    { timers: { t1: 50, t2: 400, t4: 500 } },
  );
  const s = await endpoint.start();
  if (!s.ok) throw new Error(s.error);
  return {
    transport,
    endpoint,
    metrics,
    port: (k) => transport.listeners().find((l) => l.transport === k)?.port ?? 0,
  };
}

/** A minimal station: notifier with a recording management-req package, and a call-home server. */
async function miniStation(notifyCredentials?: { username: string; password: string }) {
  const n = await node();
  const subscribes: SipRequest[] = [];
  const pkg: EventPackage = {
    name: 'management-req',
    defaultExpires: 3600,
    minExpires: 1,
    maxExpires: 7200,
    accept(req) {
      subscribes.push(req);
      return { ok: true };
    },
    initialNotify: () => ({}),
  };
  const notifier = new Notifier(
    { log: silentLogger(), metrics: n.metrics, endpoint: n.endpoint },
    { summaryIntervalMs: 0, ...(notifyCredentials ? { notifyCredentials: () => notifyCredentials } : {}) },
  );
  notifier.packages.register(pkg);
  const hellos: CallHomeHello[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    const lc = new LineCollector();
    sock.on('data', (c) => {
      const r = lc.push(c);
      if (r.kind !== 'line') return;
      const h = parseHelloLine(r.line);
      if (h.ok) hellos.push(h.value);
      sock.end(encodeReply(h.ok ? 200 : 400, h.ok ? 'OK' : 'Bad Hello'));
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const chPort = (server.address() as { port: number }).port;
  return {
    ...n,
    notifier,
    subscribes,
    hellos,
    chAddr: `127.0.0.1:${chPort}`,
    notifyAll(body: string) {
      return Promise.all(
        [...notifier.subscriptions()].map((s) =>
          notifier.notify(s.id, { contentType: 'application/mgmt-protos-list', body }),
        ),
      );
    },
    async stop() {
      notifier.stop();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      await n.endpoint.stop();
    },
  };
}

async function until(pred: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(
  opts: { notifyDigest?: boolean; stationPassword?: string; minIntervalMs?: number; allowed?: string[] } = {},
) {
  const st = await miniStation(
    opts.notifyDigest ? { username: 'station', password: opts.stationPassword ?? 'n0tify' } : undefined,
  );
  cleanups.push(() => st.stop());
  const dn = await node();
  const subscriber = new Subscriber({ log: silentLogger(), metrics: dn.metrics, endpoint: dn.endpoint });
  cleanups.push(async () => {
    await subscriber.stop();
    await dn.endpoint.stop();
  });
  let notifyDigest: DigestServer | undefined;
  if (opts.notifyDigest) {
    const creds = new InMemoryCredentialStore();
    creds.set('device.example.com', 'station', { kind: 'password', password: 'n0tify' });
    notifyDigest = new DigestServer(
      { log: silentLogger(), metrics: dn.metrics, credentials: creds },
      { realm: 'device.example.com' },
    );
  }
  const device = new ManagedDevice(
    {
      log: silentLogger(),
      metrics: dn.metrics,
      endpoint: dn.endpoint,
      subscriber,
      ...(notifyDigest ? { notifyDigest } : {}),
    },
    {
      mac: 'ff:00:00:00:36:c5',
      user: 'alice',
      password: 'secret',
      domain: 'example.com',
      identification: 'both',
      contact: { host: '127.0.0.1', port: dn.port('udp'), transport: 'udp' },
      management: { target: { transport: 'udp', address: '127.0.0.1', port: st.port('udp') } },
      protocols: ['snmp-ssh', 'snmp-tls'],
      callHome: { allowed: opts.allowed ?? [st.chAddr], minIntervalMs: opts.minIntervalMs ?? 0 },
    },
  );
  const events: CallHomeEvent[] = [];
  device.onCallHome((e) => events.push(e));
  cleanups.push(() => device.stop({ silent: true }));
  return { st, device, events };
}

const REQ = 'AAAAAAAAAAAAAAAAAAAAAA';

void describe('ManagedDevice', () => {
  void test('subscribes per seed 000 §4.6 with its protocol list and instrument identification', async () => {
    const { st, device } = await setup();
    await device.start();
    await until(() => device.state === ManagedDeviceState.Subscribed, 'subscribed');
    const req = st.subscribes[0] as SipRequest;
    assert.equal(req.rawUri, 'sip:MAC%3aFF00000036C5@sipmgmtrequest.example.com');
    assert.match(req.get('from') ?? '', /^<sip:MAC%3aFF00000036C5@example\.com>;tag=/);
    assert.equal(req.get('to'), '<sip:MAC%3aFF00000036C5@example.com>');
    assert.equal(req.get('event'), 'management-req');
    assert.equal(req.get('accept'), 'application/mgmt-protos-list');
    assert.equal(req.get('content-type'), 'application/mgmt-protos-list');
    assert.equal(req.body.toString(), 'snmp-ssh, snmp-tls');
    assert.match(req.get('contact') ?? '', /;\+sip\.instance="<urn:uuid:[0-9a-f-]+-ff00000036c5>"$/);
    assert.equal(device.authUsername, 'alice/FF00000036C5');
  });

  void test('a non-empty NOTIFY makes it call home at once with the request identity', async () => {
    const { st, device, events } = await setup();
    await device.start();
    await until(() => device.state === ManagedDeviceState.Subscribed, 'subscribed');
    const body = encodeProtosList([
      {
        token: 'snmp-ssh',
        params: [
          ['addr', st.chAddr],
          ['via', 'tcp'],
          ['req', REQ],
        ],
      },
    ]);
    assert.ok(body.ok);
    await st.notifyAll(body.value);
    await until(() => events.length === 1, 'call-home');
    assert.equal(events[0]?.result, 'ok');
    assert.deepEqual(st.hellos, [{ requestId: REQ, protocol: 'snmp-ssh', device: 'ff00000036c5' }]);
  });

  void test('attacker safety: an address that is not the configured station is never called', async () => {
    const { st, device, events } = await setup({ allowed: ['192.0.2.1:4334'] });
    await device.start();
    await until(() => device.state === ManagedDeviceState.Subscribed, 'subscribed');
    const body = encodeProtosList([
      {
        token: 'snmp-ssh',
        params: [
          ['addr', st.chAddr],
          ['via', 'tcp'],
          ['req', REQ],
        ],
      },
    ]);
    assert.ok(body.ok);
    await st.notifyAll(body.value);
    await until(() => events.length === 1, 'outcome');
    assert.equal(events[0]?.result, 'not-allowed');
    assert.equal(st.hellos.length, 0);
  });

  void test('rate limit: a second NOTIFY inside the interval waits (not a second immediate connection)', async () => {
    const { st, device, events } = await setup({ minIntervalMs: 60_000 });
    await device.start();
    await until(() => device.state === ManagedDeviceState.Subscribed, 'subscribed');
    const body = encodeProtosList([
      {
        token: 'snmp-ssh',
        params: [
          ['addr', st.chAddr],
          ['via', 'tcp'],
          ['req', REQ],
        ],
      },
    ]);
    assert.ok(body.ok);
    await st.notifyAll(body.value);
    await until(() => events.length === 1, 'first call-home');
    await st.notifyAll(body.value);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(events.length, 1);
    assert.equal(st.hellos.length, 1);
  });

  void test('§6: the device digest-challenges a non-empty NOTIFY; the notifier answers with its credentials', async () => {
    const { st, device, events } = await setup({ notifyDigest: true });
    await device.start();
    await until(() => device.state === ManagedDeviceState.Subscribed, 'subscribed');
    const body = encodeProtosList([
      {
        token: 'snmp-ssh',
        params: [
          ['addr', st.chAddr],
          ['via', 'tcp'],
          ['req', REQ],
        ],
      },
    ]);
    assert.ok(body.ok);
    const [outcome] = await st.notifyAll(body.value);
    assert.equal(outcome?.ok, true);
    await until(() => events.length === 1, 'call-home');
    assert.equal(events[0]?.result, 'ok');
  });

  void test('§6: a NOTIFY with wrong credentials is refused and not acted on', async () => {
    const { st, device, events } = await setup({ notifyDigest: true, stationPassword: 'wrong' });
    await device.start();
    await until(() => device.state === ManagedDeviceState.Subscribed, 'subscribed');
    const body = encodeProtosList([
      {
        token: 'snmp-ssh',
        params: [
          ['addr', st.chAddr],
          ['via', 'tcp'],
          ['req', REQ],
        ],
      },
    ]);
    assert.ok(body.ok);
    const [outcome] = await st.notifyAll(body.value);
    assert.equal(outcome?.ok, false);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(events.length, 0);
    assert.equal(st.hellos.length, 0);
  });
});

void test(
  'DeviceSimulator: 200 devices on 2 sockets look like 200 distinct UAs and all call home',
  { timeout: 60_000 },
  async () => {
    const st = await miniStation();
    cleanups.push(() => st.stop());
    const sim = new DeviceSimulator(
      { log: silentLogger(), metrics: new MetricsRegistry() },
      {
        count: 200,
        sockets: 2,
        macBase: '02BEC2000000',
        userPrefix: 'u',
        password: 'pw',
        domain: 'example.com',
        station: { transport: 'udp', address: '127.0.0.1', port: st.port('udp') },
        protocols: ['snmp-ssh'],
        callHome: { allowed: [st.chAddr], minIntervalMs: 0 },
        startRatePerSec: 5000,
      },
    );
    cleanups.push(() => sim.stop({ silent: true }));
    await sim.start();
    assert.ok(await sim.waitSubscribed(30_000));
    const froms = new Set(st.subscribes.map((r) => r.get('from')?.split(';')[0]));
    const contacts = new Set(st.subscribes.map((r) => r.get('contact')));
    const sources = new Set(
      [...st.notifier.subscriptions()].map((s) => `${s.flowRecord.remoteAddress}:${s.flowRecord.remotePort}`),
    );
    assert.equal(froms.size, 200);
    assert.equal(contacts.size, 200);
    assert.equal(sources.size, 2);
    let n = 0;
    for (const s of st.notifier.subscriptions()) {
      const body = encodeProtosList([
        {
          token: 'snmp-ssh',
          params: [
            ['addr', st.chAddr],
            ['via', 'tcp'],
            ['req', `R${String(n++).padStart(21, '0')}`],
          ],
        },
      ]);
      assert.ok(body.ok);
      void st.notifier.notify(s.id, { contentType: 'application/mgmt-protos-list', body: body.value });
    }
    await until(() => sim.events.filter((e) => e.result === 'ok').length === 200, 'all call-homes', 30_000);
    assert.equal(new Set(st.hellos.map((h) => h.device)).size, 200);
  },
);

void test('registers first: digest username user/MAC, +sip.instance from the MAC, then subscribes', async () => {
  const st = await miniStation();
  cleanups.push(() => st.stop());
  const reg = await node();
  cleanups.push(() => reg.endpoint.stop());
  const creds = new InMemoryCredentialStore();
  creds.set('example.com', 'alice', { kind: 'password', password: 'secret' });
  const digest = new DigestServer(
    { log: silentLogger(), metrics: reg.metrics, credentials: creds },
    { realm: 'example.com' },
  );
  const seen: { user?: string; contact?: string }[] = [];
  reg.endpoint.onRequest('REGISTER', async (ctx) => {
    const v = await digest.verify('REGISTER', ctx.request.get('authorization'), {
      usernameTransform: (u) => u.split('/')[0] as string,
    });
    if (!v.ok) {
      ctx.respond(
        401,
        undefined,
        digest.challenge().map((c) => ['WWW-Authenticate', c] as [string, string]),
      );
      return;
    }
    seen.push({ user: v.username, contact: ctx.request.get('contact') });
    ctx.respond(200, undefined, [
      ['Contact', ctx.request.get('contact') ?? ''],
      ['Expires', '3600'],
    ]);
  });
  const dn = await node();
  const subscriber = new Subscriber({ log: silentLogger(), metrics: dn.metrics, endpoint: dn.endpoint });
  cleanups.push(async () => {
    await subscriber.stop();
    await dn.endpoint.stop();
  });
  const device = new ManagedDevice(
    { log: silentLogger(), metrics: dn.metrics, endpoint: dn.endpoint, subscriber },
    {
      mac: '0000DEADBEEF',
      user: 'alice',
      password: 'secret',
      domain: 'example.com',
      identification: 'both',
      contact: { host: '127.0.0.1', port: dn.port('udp'), transport: 'udp' },
      registrar: { target: { transport: 'udp', address: '127.0.0.1', port: reg.port('udp') } },
      management: { target: { transport: 'udp', address: '127.0.0.1', port: st.port('udp') } },
      protocols: ['snmp-ssh'],
      callHome: { allowed: [st.chAddr] },
    },
  );
  cleanups.push(() => device.stop({ silent: true }));
  assert.deepEqual(await device.start(), { ok: true });
  assert.equal(seen[0]?.user, 'alice/0000DEADBEEF');
  assert.match(
    seen[0]?.contact ?? '',
    /\+sip\.instance="<urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[89ab][0-9a-f]{3}-0000deadbeef>"/,
  );
  await until(() => device.state === ManagedDeviceState.Subscribed, 'subscribed');
});
