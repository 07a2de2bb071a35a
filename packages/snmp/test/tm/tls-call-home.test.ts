import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import {
  CertToTsnTable,
  CommandGenerator,
  TransportSecurityModel,
  attachSecureSession,
  discoverContextEngineId,
  secureStreamTransport,
  tlsClientOnSocket,
  tlsServerOnSocket,
  type TlsSessionResult,
  type V3Target,
} from '../../src/index.js';
import { TestPki, type TestCert } from '@beckon/testkit';
import { DEVICE_ENGINE, SYSTEM, SYS_DESCR, tsmAgent } from './helpers/tsm-agent.js';
import { callHomeTcp } from './helpers/call-home.js';

const STATION_ENGINE = Buffer.from('80001f880573746174696f6e', 'hex');
let pki: TestPki;
let ca: TestCert;
let otherCa: TestCert;
let device: TestCert;
let station: TestCert;
let rogue: TestCert;

before(() => {
  pki = new TestPki({ keyType: 'rsa', dirPrefix: 'beckon-tm-pki-' });
  ca = pki.ca('beckon-test-ca');
  otherCa = pki.ca('rogue-ca');
  device = pki.leaf('device', ca, 'device-1', 'DNS:device-1.example');
  station = pki.leaf('station', ca, 'station', 'DNS:Station.Example,email:ops@Example.COM');
  rogue = pki.leaf('rogue', otherCa, 'station', 'DNS:station.example');
});
after(() => pki.dispose());

interface Run {
  device: TlsSessionResult;
  station: TlsSessionResult;
  close(): Promise<void>;
}

/** Device opens TCP to the station, then device = TLS server + agent, station = TLS client. */
async function callHome(opts: {
  clientCert: TestCert;
  serverFingerprint?: Buffer | string;
  serverIdentity?: string;
  table: CertToTsnTable;
  allowed?: string[];
}): Promise<Run & { agentTsm: TransportSecurityModel; agent: ReturnType<typeof tsmAgent> }> {
  const tcp = await callHomeTcp();
  const a = tsmAgent(opts.allowed ?? ['station']);
  const [dev, sta] = await Promise.all([
    tlsServerOnSocket(tcp.device, {
      cert: device.cert,
      key: device.key,
      ca: ca.cert,
      certToTsn: opts.table,
      log: silentLogger(),
    }),
    tlsClientOnSocket(tcp.station, {
      cert: opts.clientCert.cert,
      key: opts.clientCert.key,
      ca: ca.cert,
      securityName: 'station',
      ...(opts.serverFingerprint !== undefined ? { serverFingerprint: opts.serverFingerprint } : {}),
      ...(opts.serverIdentity !== undefined ? { serverIdentity: opts.serverIdentity } : {}),
      log: silentLogger(),
    }),
  ]);
  if (dev.ok) attachSecureSession(a.agent, a.tsm, dev.value.socket, dev.value.tmState);
  return {
    device: dev,
    station: sta,
    agentTsm: a.tsm,
    agent: a,
    close: async () => {
      if (dev.ok) dev.value.socket.destroy();
      if (sta.ok) sta.value.socket.destroy();
      await tcp.close();
    },
  };
}

function stationManager(sta: TlsSessionResult): { gen: CommandGenerator; target: V3Target } {
  assert.ok(sta.ok);
  const tsm = new TransportSecurityModel({ engineId: STATION_ENGINE, metrics: new MetricsRegistry() });
  const gen = new CommandGenerator({
    transport: secureStreamTransport(sta.value.socket, sta.value.tmState, tsm),
    timeoutMs: 2000,
    retries: 0,
  });
  return {
    gen,
    target: {
      address: '127.0.0.1',
      port: 0,
      version: 'v3',
      securityModel: tsm,
      securityName: 'station',
      securityLevel: 'authPriv',
    },
  };
}

void test('TLS call home: device = TLS server + agent, station = TLS client + manager; get and walk', async () => {
  const table = new CertToTsnTable();
  assert.equal(
    table.set({ id: 10, fingerprint: station.fingerprint, mapType: 'specified', data: 'station' }),
    undefined,
  );
  const run = await callHome({ clientCert: station, serverFingerprint: device.fingerprint, table });
  try {
    assert.ok(run.device.ok, JSON.stringify(run.device));
    assert.ok(run.station.ok, JSON.stringify(run.station));
    assert.equal(run.device.value.tmState.tmSecurityName, 'station');
    assert.equal(run.device.value.protocol, 'TLSv1.3');
    assert.ok(run.station.value.peerFingerprint.equals(device.fingerprint));
    const { gen, target } = stationManager(run.station);
    // RFC 5343 context engine ID discovery over the session
    const d = await discoverContextEngineId(gen, target);
    assert.ok(d.ok, JSON.stringify(d));
    assert.ok(d.value.engineId.equals(DEVICE_ENGINE));
    const g = await gen.get(d.value.target, [SYS_DESCR]);
    assert.ok(g.ok, JSON.stringify(g));
    const v = g.value.varbinds[0]!.value;
    assert.equal(v.type, 'OctetString');
    assert.equal(v.type === 'OctetString' && v.value.toString(), 'Beckon device (TSM test)');
    const w = await gen.walk(d.value.target, SYSTEM);
    assert.ok(w.ok, JSON.stringify(w));
    assert.ok(w.value.length >= 7, `walk returned ${w.value.length}`);
    gen.dispose();
  } finally {
    await run.close();
  }
});

void test('TLS call home: CA fingerprint row + subjectAltName mapping, server checked by CA + identity', async () => {
  const table = new CertToTsnTable();
  table.set({ id: 20, fingerprint: ca.fingerprint, mapType: 'sanDnsName' });
  const run = await callHome({
    clientCert: station,
    serverIdentity: 'device-1.example',
    table,
    allowed: ['station.example'],
  });
  try {
    assert.ok(run.device.ok, JSON.stringify(run.device));
    assert.equal(run.device.value.tmState.tmSecurityName, 'station.example');
    assert.ok(run.station.ok, JSON.stringify(run.station));
    const { gen, target } = stationManager(run.station);
    const d = await discoverContextEngineId(gen, { ...target, securityName: 'station.example' });
    assert.ok(d.ok, JSON.stringify(d));
    const g = await gen.get(d.value.target, [SYS_DESCR]);
    assert.ok(g.ok && g.value.errorStatus === 0, JSON.stringify(g));
    gen.dispose();
  } finally {
    await run.close();
  }
});

void test('TLS call home: an unknown client certificate is refused by the device', async () => {
  const table = new CertToTsnTable();
  table.set({ id: 10, fingerprint: station.fingerprint, mapType: 'specified', data: 'station' });
  table.set({ id: 20, fingerprint: ca.fingerprint, mapType: 'sanDnsName' });
  const run = await callHome({ clientCert: rogue, serverFingerprint: device.fingerprint, table });
  try {
    assert.equal(run.device.ok, false);
    assert.equal(!run.device.ok && run.device.error.kind, 'unknownCertificate');
    // the station may have completed its side (TLS 1.3) but the session is closed under it
    if (run.station.ok) {
      const { gen, target } = stationManager(run.station);
      const d = await discoverContextEngineId(gen, target);
      assert.equal(d.ok, false);
      gen.dispose();
    }
  } finally {
    await run.close();
  }
});

void test('TLS call home: a wrong pinned server fingerprint is refused by the station', async () => {
  const table = new CertToTsnTable();
  table.set({ id: 10, fingerprint: station.fingerprint, mapType: 'specified', data: 'station' });
  const run = await callHome({ clientCert: station, serverFingerprint: rogue.fingerprint, table });
  try {
    assert.equal(run.station.ok, false);
    assert.equal(!run.station.ok && run.station.error.kind, 'serverFingerprintMismatch');
  } finally {
    await run.close();
  }
});

void test('TLS call home: server identity mismatch without a fingerprint is refused', async () => {
  const table = new CertToTsnTable();
  table.set({ id: 10, fingerprint: station.fingerprint, mapType: 'specified', data: 'station' });
  const run = await callHome({ clientCert: station, serverIdentity: 'other.example', table });
  try {
    assert.equal(run.station.ok, false);
    assert.equal(!run.station.ok && run.station.error.kind, 'untrustedServer');
  } finally {
    await run.close();
  }
});
