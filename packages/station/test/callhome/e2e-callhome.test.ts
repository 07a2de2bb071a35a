/**
 * Issue 6 end to end, in child processes on 127.0.0.1: the station (management service, call-home
 * listener, SNMP session handler, tasks) and the real managed device (@beckon/device ManagedDevice with
 * DeviceSnmpAgent and DeviceSnmpSessionHandler). A GET task returns sysDescr and SIP-UA-MIB values over
 * snmp-tls and over snmp-ssh; a SET of the registrar makes the device re-register there; an altered
 * NOTIFY and an out-of-dialog NOTIFY do not make the device connect anywhere but its station; a device
 * with an unknown certificate is refused.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { SipEndpoint, TransportLayer } from '@beckon/sip';
import { encodeProtosList } from '../../src/management/index.js';
import type { TaskRecord } from '../../src/tasks/index.js';
import { REPO_ROOT, spawnJsonChild, type JsonChild } from './fixtures/json-child.js';
import { sshKey, TestPki, type SshKey, type TestCert } from '@beckon/testkit';
import { TestRegistrar } from './fixtures/test-registrar.js';

const STATION = join(REPO_ROOT, 'packages/station/test/callhome/fixtures/callhome-station-child.ts');
const DEVICE = join(REPO_ROOT, 'packages/device/test/snmp/fixtures/callhome-device-child.ts');

const MAC = '02BEC2000001';
const ROGUE_MAC = '02BEC2000002';
const LURED_MAC = '02BEC2000003';

let pki: TestPki;
let ca: TestCert;
let stationCert: TestCert;
let deviceCert: TestCert;
let rogueCert: TestCert;
let stationKey: SshKey;
let hostKey: SshKey;
let station: JsonChild;
let device: JsonChild;
let ready: Record<string, unknown>;
const regA = new TestRegistrar();
const regB = new TestRegistrar();
let regPort = 0;
const children: JsonChild[] = [];

function deviceConfig(mac: string, cert: TestCert, allowed: string[], st: Record<string, unknown>) {
  return {
    macBase: mac,
    host: '127.0.0.1',
    station: { address: '127.0.0.1', udp: st.udp },
    allowed,
    protocols: ['snmp-tls', 'snmp-ssh'],
    tls: { certFile: cert.certFile, keyFile: cert.keyFile, stationFingerprint: stationCert.fingerprintText },
    ssh: { hostKeyFile: join(pki.dir, 'device-host.key'), stationKeyFingerprint: stationKey.fingerprint },
    registrar: { host: '127.0.0.1', port: regPort },
  };
}

before(async () => {
  pki = new TestPki();
  ca = pki.ca('ca');
  stationCert = pki.leaf('station', ca, 'station.example');
  deviceCert = pki.leaf('device', ca, 'device.example');
  rogueCert = pki.leaf('rogue', ca, 'device.example');
  stationKey = sshKey();
  hostKey = sshKey();
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(pki.dir, 'station-ssh.key'), stationKey.private);
  writeFileSync(join(pki.dir, 'device-host.key'), hostKey.private);
  regPort = await regA.start('127.0.0.1', 0);
  await regB.start('127.0.0.2', regPort);
  const trust = [MAC, ROGUE_MAC, LURED_MAC].map((device) => ({
    device,
    tlsFingerprints: [deviceCert.fingerprintText],
    sshHostKeys: [hostKey.fingerprint],
  }));
  station = spawnJsonChild(STATION, {
    host: '127.0.0.1',
    tls: { certFile: stationCert.certFile, keyFile: stationCert.keyFile },
    ssh: { keyFile: join(pki.dir, 'station-ssh.key') },
    trust,
  });
  children.push(station);
  ready = await station.wait((e) => e.event === 'ready', 30_000, 'station ready');
  device = spawnJsonChild(
    DEVICE,
    deviceConfig(MAC, deviceCert, [`127.0.0.1:${String(ready.callHome)}`], ready),
  );
  children.push(device);
  await device.wait((e) => e.event === 'subscribed' && e.count === 1, 30_000, 'device subscribed');
});

after(async () => {
  for (const c of children) await c.stop();
  await regA.stop();
  await regB.stop();
  pki.dispose();
});

async function task(
  dev: string,
  ops: unknown[],
  protocol?: string,
): Promise<{ ok: true; task: TaskRecord; finished: boolean } | { ok: false; error: string }> {
  const e = await station.ask({ cmd: 'task', device: dev, ops, ...(protocol ? { protocol } : {}) }, 30_000);
  return e.result as { ok: true; task: TaskRecord; finished: boolean } | { ok: false; error: string };
}

function values(t: TaskRecord, i = 0): Record<string, unknown> {
  return Object.fromEntries((t.results?.[i]?.varbinds ?? []).map((v) => [v.name, v.value]));
}

for (const protocol of ['snmp-tls', 'snmp-ssh']) {
  void test(`${protocol}: GET task returns the device's sysDescr and SIP-UA-MIB values`, async () => {
    const r = await task(
      MAC,
      [
        { op: 'get', oids: ['sysDescr.0', 'sipUACfgServerAddress.1.1'] },
        { op: 'recipe', name: 'sip-ua-config' },
      ],
      protocol,
    );
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.task.state, 'done', `${r.task.fault} ${station.stderr()}`);
    assert.equal(r.task.protocol, protocol);
    const v = values(r.task);
    assert.equal(v['sysDescr.0'], `Beckon test device ${MAC}`);
    assert.ok(['127.0.0.1', '127.0.0.2'].includes(String(v['sipUACfgServerAddress.1.1'])));
    // the recipe read SIP-COMMON-MIB of the device's UA too
    const cfg = r.task.results?.find((x) => x.op.endsWith('walk sipCommonCfgTable'));
    assert.ok(cfg?.ok);
    assert.ok(cfg.varbinds.some((x) => x.name === 'sipCommonCfgProtocolVersion.1' && x.value === 'SIP/2.0'));
  });
}

void test('SET of sipUACfgServerAddress: the device re-registers at the new registrar', async () => {
  const before = regB.registers.length;
  const r = await task(MAC, [
    { op: 'set', varbinds: [{ oid: 'sipUACfgServerAddress.1.1', value: '127.0.0.2' }] },
  ]);
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.task.state, 'done', r.task.fault ?? '');
  const reg = await device.wait(
    (e) => e.event === 'registered' && (e.server as { host: string }).host === '127.0.0.2',
    10_000,
    're-registration',
  );
  assert.equal(reg.status, 200);
  assert.ok(regB.registers.length > before);
  assert.match(regB.registers.at(-1)?.contact ?? '', /MAC%3a02BEC2000001/i);
  // the old registrar saw the device leave (Expires: 0)
  assert.ok(regA.registers.some((x) => x.expires === '0'));
  const g = await task(MAC, [{ op: 'get', oids: ['sipUACfgServerAddress.1.1'] }]);
  assert.ok(g.ok && g.task.state === 'done');
  assert.equal(values(g.task)['sipUACfgServerAddress.1.1'], '127.0.0.2');
});

void test('a call-home with an unknown certificate is refused and counted', async () => {
  const rogue = spawnJsonChild(
    DEVICE,
    deviceConfig(ROGUE_MAC, rogueCert, [`127.0.0.1:${String(ready.callHome)}`], ready),
  );
  children.push(rogue);
  await rogue.wait((e) => e.event === 'subscribed' && e.count === 1, 30_000, 'rogue subscribed');
  const r = await task(ROGUE_MAC, [{ op: 'get', oids: ['sysDescr.0'] }], 'snmp-tls');
  assert.ok(r.ok);
  assert.equal(r.task.state, 'failed');
  assert.match(r.task.fault ?? '', /unauthenticated/);
  const c = await station.ask(
    { cmd: 'count', name: 'callhome_snmp_sessions', labels: { 0: 'snmp-tls', 1: 'unauthenticated' } },
    5000,
  );
  assert.equal(c.value, 1);
  await rogue.stop();
});

void test('attacker: an altered or out-of-dialog NOTIFY does not make the device connect anywhere else', async () => {
  const attacker: Server = createServer();
  const seen: Socket[] = [];
  attacker.on('connection', (s) => {
    seen.push(s);
    s.destroy();
  });
  await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', () => r()));
  const evil = `127.0.0.1:${(attacker.address() as { port: number }).port}`;
  // (1) a station whose NOTIFY names the attacker's address (seed 000 §6: "a forged or altered NOTIFY")
  const altered = spawnJsonChild(STATION, {
    host: '127.0.0.1',
    tls: { certFile: stationCert.certFile, keyFile: stationCert.keyFile },
    trust: [{ device: LURED_MAC, tlsFingerprints: [deviceCert.fingerprintText] }],
    advertise: evil,
  });
  children.push(altered);
  const aReady = await altered.wait((e) => e.event === 'ready', 30_000, 'altered station ready');
  const lured = spawnJsonChild(
    DEVICE,
    deviceConfig(LURED_MAC, deviceCert, [`127.0.0.1:${String(ready.callHome)}`], aReady),
  );
  children.push(lured);
  try {
    await lured.wait((e) => e.event === 'subscribed' && e.count === 1, 30_000, 'lured device subscribed');
    const t = await altered.ask(
      { cmd: 'task', device: LURED_MAC, ops: [{ op: 'get', oids: ['sysDescr.0'] }], timeoutMs: 1500 },
      10_000,
    );
    const res = t.result as { ok: boolean; task: TaskRecord; finished: boolean };
    assert.equal(res.finished, false, 'no session with the altered address');
    const ev = await lured.wait((e) => e.event === 'callhome', 10_000, 'lured call-home outcome');
    assert.equal(ev.result, 'not-allowed');
    assert.equal(ev.detail, evil);
    // (2) an out-of-dialog NOTIFY straight to the device's SIP port, naming the attacker
    const metrics = new MetricsRegistry();
    const tl = new TransportLayer(
      { log: silentLogger(), metrics },
      { listeners: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] },
    );
    const ep = new SipEndpoint({ log: silentLogger(), metrics, transport: tl }, { timers: { t1: 100 } });
    const s = await ep.start();
    assert.ok(s.ok);
    const body = encodeProtosList([
      {
        token: 'snmp-tls',
        params: [
          ['addr', evil],
          ['via', 'tcp'],
          ['req', 'AAAAAAAAAAAAAAAAAAAAAA'],
        ],
      },
    ]);
    assert.ok(body.ok);
    const devicePort = await lured.wait((e) => e.event === 'sip', 5000, 'device SIP port');
    {
      const n = ep.createRequest('NOTIFY', `sip:MAC%3a${LURED_MAC}@127.0.0.1:${String(devicePort.port)}`, {
        from: '<sip:attacker@example.com>;tag=evil',
        to: `<sip:MAC%3a${LURED_MAC}@example.com>;tag=guess`,
        callId: 'forged-call-id',
        cseq: 9999,
        headers: [
          ['Event', 'management-req'],
          ['Subscription-State', 'active;expires=600'],
          ['Content-Type', 'application/mgmt-protos-list'],
        ],
        body: body.value,
      });
      const res2 = await ep.request(n, {
        transport: 'udp',
        address: '127.0.0.1',
        port: Number(devicePort.port),
      });
      assert.ok(res2.status >= 400, `forged NOTIFY answered ${res2.status}`);
    }
    await ep.stop();
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(seen.length, 0, 'the device connected to the attacker');
  } finally {
    await lured.stop();
    await altered.stop();
    await new Promise<void>((r) => attacker.close(() => r()));
  }
});
