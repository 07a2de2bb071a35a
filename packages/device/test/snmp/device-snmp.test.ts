/**
 * The device's SNMP agent behind call-home (issue 6), in one process: the device side of the TCP
 * connection runs DeviceSnmpSessionHandler (TLS server / SSH server + agent with TSM); a stand-in
 * station runs the TLS / SSH client and a CommandGenerator.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import {
  CommandGenerator,
  TransportSecurityModel,
  discoverContextEngineId,
  oid,
  secureStreamTransport,
  sshClientOnSocket,
  tlsClientOnSocket,
  type V3Target,
} from '@beckon/snmp';
import { DeviceSnmpAgent, DeviceSnmpSessionHandler, type UaServer } from '../../src/snmp/index.js';
import { sshKey, TestPki, type SshKey, type TestCert } from '@beckon/testkit';

const SYS_DESCR = oid('1.3.6.1.2.1.1.1.0');
const UA_ADDR = oid('1.3.6.1.2.1.150.1.1.1.1.3.1.1');
const UA_ADDR_TYPE = oid('1.3.6.1.2.1.150.1.1.1.1.2.1.1');
const SIP_COMMON_CFG = oid('1.3.6.1.2.1.149.1.1.1');
const APPL_NAME = oid('1.3.6.1.2.1.27.1.1.2.1');

let pki: TestPki;
let ca: TestCert;
let stationCert: TestCert;
let readerCert: TestCert;
let deviceCert: TestCert;
let rogueCert: TestCert;
let stationKey: SshKey;
let strangerKey: SshKey;
let hostKey: SshKey;

before(() => {
  pki = new TestPki();
  ca = pki.ca('ca');
  stationCert = pki.leaf('station', ca, 'station.example');
  readerCert = pki.leaf('reader', ca, 'reader.example');
  deviceCert = pki.leaf('device', ca, 'device.example');
  rogueCert = pki.leaf('rogue', ca, 'station.example');
  stationKey = sshKey();
  strangerKey = sshKey();
  hostKey = sshKey();
});
after(() => pki.dispose());

function setup() {
  const metrics = new MetricsRegistry();
  const changes: UaServer[] = [];
  const agent = new DeviceSnmpAgent(
    { log: silentLogger(), metrics },
    {
      mac: '02BEC3000001',
      system: { descr: 'Beckon phone', location: 'desk' },
      ua: {
        server: { host: '192.0.2.10', port: 5060 },
        sipPort: 5062,
        transports: ['udp', 'tcp'],
        metrics: new MetricsRegistry(),
      },
      readers: ['reader', 'station'],
      writers: ['station'],
      onServerChange: (s) => {
        changes.push(s);
        return true;
      },
    },
  );
  const handler = new DeviceSnmpSessionHandler(
    { log: silentLogger(), metrics, agent },
    {
      tls: {
        cert: deviceCert.cert,
        key: deviceCert.key,
        stations: [
          { fingerprint: stationCert.fingerprintText, securityName: 'station' },
          { fingerprint: readerCert.fingerprintText, securityName: 'reader' },
        ],
      },
      ssh: {
        hostKeys: [hostKey.private],
        stations: [{ username: 'station', keyFingerprint: stationKey.fingerprint }],
      },
    },
  );
  return { metrics, agent, handler, changes };
}

/** The call-home TCP connection: the device connects, the station accepts. */
async function tcpPair(): Promise<{ device: Socket; station: Socket; close(): Promise<void> }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const accepted = new Promise<Socket>((r) => server.once('connection', r));
  const device = connect((server.address() as { port: number }).port, '127.0.0.1');
  await new Promise<void>((r) => device.once('connect', () => r()));
  const station = await accepted;
  return {
    device,
    station,
    close: async () => {
      device.destroy();
      station.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function manager(
  stream: import('node:stream').Duplex,
  tmState: import('@beckon/snmp').TmStateReference,
  name: string,
) {
  const tsm = new TransportSecurityModel({
    engineId: Buffer.from('80001f8804737461', 'hex'),
    metrics: new MetricsRegistry(),
  });
  const gen = new CommandGenerator({
    transport: secureStreamTransport(stream, tmState, tsm),
    timeoutMs: 3000,
    retries: 0,
  });
  const target: V3Target = {
    address: '',
    port: 0,
    version: 'v3',
    securityModel: tsm,
    securityName: name,
    securityLevel: 'authPriv',
  };
  return { gen, target };
}

const str = (v: { type: string; value?: unknown } | undefined): string =>
  v?.type === 'OctetString' ? (v.value as Buffer).toString() : `<${v?.type}>`;

void test('snmp-tls: system group, SIP-COMMON-MIB, SIP-UA-MIB; SET of the registrar calls back', async () => {
  const d = setup();
  const tcp = await tcpPair();
  // the device hands the socket to the handler after its hello; here with some station bytes already read
  const session = d.handler.handle({
    socket: tcp.device,
    initialData: Buffer.alloc(0),
    protocol: 'snmp-tls',
    requestId: 'r',
    secure: false,
  });
  const c = await tlsClientOnSocket(tcp.station, {
    cert: stationCert.cert,
    key: stationCert.key,
    securityName: 'station',
    serverFingerprint: deviceCert.fingerprintText,
    log: silentLogger(),
  });
  assert.ok(c.ok, JSON.stringify(c));
  const { gen, target } = manager(c.value.socket, c.value.tmState, 'station');
  const disc = await discoverContextEngineId(gen, target);
  assert.ok(disc.ok, JSON.stringify(disc));
  assert.ok(disc.value.engineId.equals(d.agent.engineId));
  const t = disc.value.target;
  const g = await gen.get(t, [SYS_DESCR, UA_ADDR, UA_ADDR_TYPE, APPL_NAME]);
  assert.ok(g.ok && g.value.errorStatus === 0, JSON.stringify(g));
  assert.equal(str(g.value.varbinds[0]?.value), 'Beckon phone');
  assert.deepEqual([...(g.value.varbinds[1]?.value as { value: Buffer }).value], [192, 0, 2, 10]);
  assert.deepEqual(g.value.varbinds[2]?.value, { type: 'Integer', value: 1 });
  assert.equal(str(g.value.varbinds[3]?.value), 'sip_ua1');
  const w = await gen.walk(t, SIP_COMMON_CFG);
  assert.ok(w.ok && w.value.length >= 7, JSON.stringify(w));
  const s = await gen.set(t, [
    { oid: UA_ADDR_TYPE, value: { type: 'Integer', value: 1 } },
    { oid: UA_ADDR, value: { type: 'OctetString', value: Buffer.from([127, 0, 0, 2]) } },
  ]);
  assert.ok(s.ok && s.value.errorStatus === 0, JSON.stringify(s));
  assert.deepEqual(d.changes, [{ host: '127.0.0.2', port: 5060 }]);
  assert.deepEqual(d.agent.uaServer, { host: '127.0.0.2', port: 5060 });
  const g2 = await gen.get(t, [UA_ADDR]);
  assert.ok(g2.ok);
  assert.deepEqual([...(g2.value.varbinds[0]?.value as { value: Buffer }).value], [127, 0, 0, 2]);
  gen.dispose();
  c.value.socket.end();
  await session;
  assert.equal(
    d.metrics
      .get('device_snmp_sessions')
      ?.samples()
      .find((x) => x.labels[1] === 'ok')?.value,
    1,
  );
  await tcp.close();
});

void test('snmp-tls: a read-only station cannot SET; an unknown station certificate is refused', async () => {
  const d = setup();
  const tcp = await tcpPair();
  const session = d.handler.handle({
    socket: tcp.device,
    initialData: Buffer.alloc(0),
    protocol: 'snmp-tls',
    requestId: 'r',
    secure: false,
  });
  const c = await tlsClientOnSocket(tcp.station, {
    cert: readerCert.cert,
    key: readerCert.key,
    securityName: 'reader',
    serverFingerprint: deviceCert.fingerprintText,
    log: silentLogger(),
  });
  assert.ok(c.ok);
  const { gen, target } = manager(c.value.socket, c.value.tmState, 'reader');
  const disc = await discoverContextEngineId(gen, target);
  assert.ok(disc.ok);
  const s = await gen.set(disc.value.target, [
    { oid: UA_ADDR, value: { type: 'OctetString', value: Buffer.from([127, 0, 0, 3]) } },
  ]);
  assert.ok(s.ok);
  assert.notEqual(s.value.errorStatus, 0, 'reader may not write');
  assert.deepEqual(d.changes, []);
  gen.dispose();
  c.value.socket.end();
  await session;
  await tcp.close();

  const tcp2 = await tcpPair();
  const session2 = d.handler.handle({
    socket: tcp2.device,
    initialData: Buffer.alloc(0),
    protocol: 'snmp-tls',
    requestId: 'r',
    secure: false,
  });
  const bad = await tlsClientOnSocket(tcp2.station, {
    cert: rogueCert.cert,
    key: rogueCert.key,
    securityName: 'station',
    serverFingerprint: deviceCert.fingerprintText,
    log: silentLogger(),
  });
  if (bad.ok) {
    const m = manager(bad.value.socket, bad.value.tmState, 'station');
    const disc2 = await discoverContextEngineId(m.gen, m.target);
    assert.equal(disc2.ok, false, 'no SNMP over a refused session');
    m.gen.dispose();
  }
  await session2;
  assert.equal(
    d.metrics
      .get('device_snmp_sessions')
      ?.samples()
      .find((x) => x.labels[1] === 'unauthenticated')?.value,
    1,
  );
  await tcp2.close();
});

void test('snmp-ssh: the station logs in by key; a stranger key is refused', async () => {
  const d = setup();
  const tcp = await tcpPair();
  const session = d.handler.handle({
    socket: tcp.device,
    initialData: Buffer.alloc(0),
    protocol: 'snmp-ssh',
    requestId: 'r',
    secure: false,
  });
  const c = await sshClientOnSocket(tcp.station, {
    username: 'station',
    privateKey: stationKey.private,
    hostVerifier: (_b, fp) => fp === hostKey.fingerprint,
    log: silentLogger(),
  });
  assert.ok(c.ok, c.ok ? '' : JSON.stringify(c.error));
  const { gen, target } = manager(c.value.channel, c.value.tmState, 'station');
  const disc = await discoverContextEngineId(gen, target);
  assert.ok(disc.ok);
  const g = await gen.get(disc.value.target, [SYS_DESCR]);
  assert.ok(g.ok);
  assert.equal(str(g.value.varbinds[0]?.value), 'Beckon phone');
  gen.dispose();
  c.value.close();
  await session;
  await tcp.close();

  const tcp2 = await tcpPair();
  const session2 = d.handler.handle({
    socket: tcp2.device,
    initialData: Buffer.alloc(0),
    protocol: 'snmp-ssh',
    requestId: 'r',
    secure: false,
  });
  const bad = await sshClientOnSocket(tcp2.station, {
    username: 'station',
    privateKey: strangerKey.private,
    hostVerifier: () => true,
    log: silentLogger(),
  });
  assert.equal(bad.ok, false);
  await session2;
  await tcp2.close();
});

void test('an unknown protocol or a disabled snmp-tcp closes the connection', async () => {
  const d = setup();
  for (const protocol of ['snmp-tcp', 'vndx-tcp']) {
    const tcp = await tcpPair();
    const closed = new Promise<void>((r) => tcp.station.once('close', () => r()));
    await d.handler.handle({
      socket: tcp.device,
      initialData: Buffer.alloc(0),
      protocol,
      requestId: 'r',
      secure: false,
    });
    await closed;
    await tcp.close();
  }
});
