/**
 * Issue 6, station side in one process: management request -> NOTIFY -> call-home -> the station as TLS
 * or SSH client and command generator -> task results stored; devices authenticated by certificate
 * fingerprint / host key; refusals logged and counted. The device is a stub built on @beckon/snmp
 * (the station's tests may not import @beckon/device; the real device runs in e2e-callhome.test.ts).
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '@beckon/ops';
import { sshKey, TestPki, type SshKey, type TestCert } from '@beckon/testkit';
import { startStationHarness, type StationHarness } from './fixtures/station-harness.js';
import { STUB_DESCR, StubDevice, until } from './fixtures/stub-device.js';
import { runTaskCommand } from '../../src/tasks/index.js';

let pki: TestPki;
let ca: TestCert;
let stationCert: TestCert;
let deviceCert: TestCert;
let rogueCert: TestCert;
let stationKey: SshKey;
let deviceHostKey: SshKey;
let rogueHostKey: SshKey;

before(() => {
  pki = new TestPki();
  ca = pki.ca('ca');
  stationCert = pki.leaf('station', ca, 'station.example');
  deviceCert = pki.leaf('device', ca, 'device-1.example');
  rogueCert = pki.leaf('rogue', ca, 'device-1.example');
  stationKey = sshKey();
  deviceHostKey = sshKey();
  rogueHostKey = sshKey();
});
after(() => pki.dispose());

const MAC = '02BEC1000001';
let station: StationHarness | undefined;
let device: StubDevice | undefined;

afterEach(async () => {
  await device?.stop();
  await station?.stop();
  device = undefined;
  station = undefined;
});

async function setup(opts: { deviceCert?: TestCert; deviceHostKey?: SshKey; trusted?: boolean } = {}) {
  station = await startStationHarness({
    tls: { cert: stationCert.cert, key: stationCert.key, securityName: 'station' },
    ssh: { username: 'station', privateKey: stationKey.private },
    trust:
      opts.trusted === false
        ? []
        : [
            {
              device: MAC,
              tlsFingerprints: [deviceCert.fingerprintText],
              sshHostKeys: [deviceHostKey.fingerprint],
            },
          ],
  });
  const dc = opts.deviceCert ?? deviceCert;
  device = new StubDevice({
    mac: MAC,
    station: { host: '127.0.0.1', udp: station.sipUdp },
    protocols: ['snmp-tls', 'snmp-ssh'],
    tls: { cert: dc.cert, key: dc.key, stationFingerprint: stationCert.fingerprintText },
    ssh: {
      hostKey: (opts.deviceHostKey ?? deviceHostKey).private,
      stationUser: 'station',
      stationKeyFingerprint: stationKey.fingerprint,
    },
    registrar: '127.0.0.1',
  });
  await device.start();
  const d = device;
  await until(() => d.subscribed, 'device subscribed');
  return { station, device: d };
}

for (const protocol of ['snmp-tls', 'snmp-ssh'] as const) {
  void test(`${protocol}: a GET task returns sysDescr and SIP-UA-MIB values, stored with names and types`, async () => {
    const { station: st } = await setup();
    const r = await st.tasks.create({
      device: MAC,
      protocol,
      ops: [
        { op: 'get', oids: ['sysDescr.0', 'sipUACfgServerAddress.1.1', 'sipUACfgServerAddressType.1.1'] },
      ],
      timeoutMs: 15_000,
      requestedBy: 'test',
    });
    assert.ok(r.ok, r.ok ? '' : r.error);
    assert.equal(r.finished, true, JSON.stringify(r.task));
    assert.equal(r.task.state, 'done', r.task.fault ?? '');
    assert.equal(r.task.protocol, protocol);
    const vbs = r.task.results?.[0]?.varbinds ?? [];
    assert.deepEqual(
      vbs.map((v) => [v.name, v.type, v.value]),
      [
        ['sysDescr.0', 'OctetString', STUB_DESCR],
        ['sipUACfgServerAddress.1.1', 'OctetString', '127.0.0.1'],
        ['sipUACfgServerAddressType.1.1', 'Integer', 1],
      ],
    );
    if (protocol === 'snmp-tls') assert.match(r.task.authenticatedAs ?? '', /^tls:sha256:/);
    else assert.equal(r.task.authenticatedAs, `ssh:${deviceHostKey.fingerprint}`);
    // stored, and the management request is done
    const stored = st.tasks.list({ device: MAC });
    assert.equal(stored.length, 1);
    assert.equal(stored[0]?.state, 'done');
    const req = await st.service.get(r.task.requestId as string);
    assert.ok(req);
    await st.mgmtStore.flush();
    const audit = st.mgmtStore.auditOf(`task:${r.task.id}`).map((a) => a.action);
    assert.deepEqual(audit, ['created', 'attempt', 'queued->running', 'running->done']);
    assert.equal(st.count('callhome_snmp_sessions', { 0: protocol, 1: 'ok' }), 1);
  });
}

void test('snmp-tls: a SET of sipUACfgServerAddress typed from the MIB changes the device registrar', async () => {
  const { station: st, device: dev } = await setup();
  const r = await st.tasks.create({
    device: MAC,
    ops: [
      { op: 'set', varbinds: [{ oid: 'sipUACfgServerAddress.1.1', value: '127.0.0.2' }] },
      { op: 'recipe', name: 'sip-ua-config' },
    ],
    timeoutMs: 15_000,
  });
  assert.ok(r.ok && r.finished, JSON.stringify(r));
  assert.equal(r.task.state, 'done', r.task.fault ?? '');
  assert.deepEqual(dev.serverChanges, ['127.0.0.2']);
  const set = r.task.results?.[0];
  assert.equal(set?.ok, true);
  // the InetAddressType companion is set with the address (RFC 4001 §3)
  assert.deepEqual(
    set?.varbinds.map((v) => [v.name, v.value]),
    [
      ['sipUACfgServerAddressType.1.1', 1],
      ['sipUACfgServerAddress.1.1', '127.0.0.2'],
    ],
  );
  const server = r.task.results?.find((x) => x.op.includes('walk sipUACfgServerTable'));
  assert.ok(server?.varbinds.some((v) => v.name === 'sipUACfgServerAddress.1.1' && v.value === '127.0.0.2'));
});

void test('snmp-tls: a call-home with an unknown certificate is refused, logged and counted; the task fails', async () => {
  const { station: st } = await setup({ deviceCert: rogueCert });
  const r = await st.tasks.create({
    device: MAC,
    ops: [{ op: 'get', oids: ['sysDescr.0'] }],
    timeoutMs: 15_000,
  });
  assert.ok(r.ok && r.finished, JSON.stringify(r));
  assert.equal(r.task.state, 'failed');
  assert.match(r.task.fault ?? '', /unauthenticated/);
  assert.equal(r.task.results, null);
  assert.equal(st.count('callhome_snmp_sessions', { 0: 'snmp-tls', 1: 'unauthenticated' }), 1);
  await st.mgmtStore.flush();
  const rows = st.mgmtDb.all<{ actor: string; subject: string; detail: string }>(
    "SELECT actor, subject, detail FROM audit_log WHERE action = 'session-refused'",
  );
  assert.equal(rows.length, 1);
  assert.equal(rows[0]?.actor, 'inst:02bec1000001');
  assert.match(rows[0]?.subject ?? '', /^call-home:127\.0\.0\.1:\d+$/);
  assert.match(rows[0]?.detail ?? '', /"result":"unauthenticated"/);
  let state: string | undefined;
  await until(
    () => state === 'failed',
    'management request failed',
    5000,
    async () => {
      state = (await st.service.get(r.task.requestId as string))?.state;
    },
  );
});

void test('snmp-ssh: a device with an unexpected host key is refused and counted', async () => {
  const { station: st } = await setup({ deviceHostKey: rogueHostKey });
  const r = await st.tasks.create({
    device: MAC,
    protocol: 'snmp-ssh',
    ops: [{ op: 'get', oids: ['sysDescr.0'] }],
    timeoutMs: 15_000,
  });
  assert.ok(r.ok && r.finished, JSON.stringify(r));
  assert.equal(r.task.state, 'failed');
  assert.equal(st.count('callhome_snmp_sessions', { 0: 'snmp-ssh', 1: 'unauthenticated' }), 1);
});

void test('a device with no configured credential is refused before any handshake', async () => {
  const { station: st } = await setup({ trusted: false });
  const r = await st.tasks.create({
    device: MAC,
    ops: [{ op: 'get', oids: ['sysDescr.0'] }],
    timeoutMs: 15_000,
  });
  assert.ok(r.ok && r.finished);
  assert.equal(r.task.state, 'failed');
  assert.match(r.task.fault ?? '', /unknown-device/);
  assert.equal(st.count('callhome_snmp_sessions', { 0: 'snmp-tls', 1: 'unknown-device' }), 1);
});

void test('queued when the device does not call home in time; fails at the deadline; retry runs it', async () => {
  station = await startStationHarness({
    tls: { cert: stationCert.cert, key: stationCert.key, securityName: 'station' },
    trust: [{ device: MAC, tlsFingerprints: [deviceCert.fingerprintText] }],
    callHomeTimeoutSec: 1,
  });
  const st = station;
  // no device yet: the management request stays queued
  const r = await st.tasks.create({
    device: MAC,
    ops: [{ op: 'get', oids: ['sysDescr.0'] }],
    timeoutMs: 200,
  });
  assert.ok(r.ok);
  assert.equal(r.finished, false);
  assert.equal(r.task.state, 'queued');
  const failed = await st.tasks.wait(r.task.id, 10_000);
  assert.ok(failed.ok);
  assert.equal(failed.task.state, 'failed');
  assert.match(failed.task.fault ?? '', /no call-home: management request expired/);
  // the device shows up; the operator retries
  device = new StubDevice({
    mac: MAC,
    station: { host: '127.0.0.1', udp: st.sipUdp },
    protocols: ['snmp-tls'],
    tls: { cert: deviceCert.cert, key: deviceCert.key, stationFingerprint: stationCert.fingerprintText },
    registrar: '127.0.0.1',
  });
  await device.start();
  const d = device;
  await until(() => d.subscribed, 'device subscribed');
  const again = await st.tasks.retry(r.task.id, { timeoutMs: 15_000 });
  assert.ok(again.ok && again.finished, JSON.stringify(again));
  assert.equal(again.task.state, 'done');
  assert.equal(again.task.attempts, 2);
  assert.equal(again.task.fault, null);
  await st.mgmtStore.flush();
  const audit = st.mgmtStore.auditOf(`task:${r.task.id}`).map((a) => a.action);
  assert.deepEqual(audit, [
    'created',
    'attempt',
    'queued->failed',
    'failed->queued',
    'attempt',
    'queued->running',
    'running->done',
  ]);
});

void test('CLI: task create (get by name), list, show, retry of a done task refused; bulk form', async () => {
  const { station: st } = await setup();
  const c = await runTaskCommand(
    ['create', '--device', MAC, '--get', 'sysDescr.0', 'sipUACfgServerAddress.1.1', '--timeout', '10'],
    st.tasks,
  );
  assert.equal(c.code, 0, c.out);
  assert.match(c.out, /sysDescr\.0 = OctetString: Beckon stub device/);
  assert.match(c.out, /sipUACfgServerAddress\.1\.1 = OctetString: 127\.0\.0\.1/);
  const id = /^task (\S+)/.exec(c.out)?.[1] as string;
  const l = await runTaskCommand(['list'], st.tasks);
  assert.equal(l.code, 0);
  assert.match(l.out, new RegExp(`^${id}  .*${MAC}  done`));
  const s = await runTaskCommand(['show', id, '--json'], st.tasks);
  assert.equal((JSON.parse(s.out) as { state: string }).state, 'done');
  const rt = await runTaskCommand(['retry', id], st.tasks);
  assert.equal(rt.code, 1);
  assert.match(rt.out, /not failed/);
  const bad = await runTaskCommand(['create', '--device', MAC, '--get', 'noSuchThing.0'], st.tasks);
  assert.equal(bad.code, 2);
  assert.match(bad.out, /unknown object name noSuchThing/);
  const usage = await runTaskCommand(['create', '--get', 'sysDescr.0'], st.tasks);
  assert.equal(usage.code, 2);
  // bulk: one known device, one that never subscribed (stays queued within the wait)
  const b = await runTaskCommand(
    ['create', '--device', MAC, '--device', '02BEC1000999', '--get', 'sysName.0', '--timeout', '3'],
    st.tasks,
  );
  assert.equal(b.code, 3, b.out);
  assert.match(b.out, new RegExp(`${MAC}  task \\S+  done`));
  assert.match(b.out, / {2}02BEC1000999 {2}task \S+ {2}queued/);
});

void test('two tasks for one device created together share one NOTIFY and one session', async () => {
  const { station: st, device: dev } = await setup();
  const [a, b] = await Promise.all([
    st.tasks.create({ device: MAC, ops: [{ op: 'get', oids: ['sysDescr.0'] }], timeoutMs: 15_000 }),
    st.tasks.create({ device: MAC, ops: [{ op: 'get', oids: ['sysName.0'] }], timeoutMs: 15_000 }),
  ]);
  assert.ok(a.ok && b.ok);
  assert.equal(a.task.state, 'done');
  assert.equal(b.task.state, 'done');
  assert.equal(dev.callHomes.length, 1);
  assert.equal(st.count('callhome_snmp_sessions', { 1: 'ok' }), 1);
});

void test('snmp-tcp: off by default (not offered); when on, a warning is logged and SNMPv2c runs', async () => {
  const lines: string[] = [];
  const log = createLogger({ level: 'warn', destination: { write: (l: string) => void lines.push(l) } });
  const tcpDevice = (udp: number): StubDevice =>
    new StubDevice({
      mac: MAC,
      station: { host: '127.0.0.1', udp },
      protocols: ['snmp-tcp'],
      community: 'lab',
      registrar: '127.0.0.1',
    });
  // off: the device offers only snmp-tcp, which the station does not accept (seed 000 §3: the
  // subscription is accepted only with an acceptable protocol), so the task cannot run
  station = await startStationHarness({ trust: [], log, callHomeTimeoutSec: 1 });
  device = tcpDevice(station.sipUdp);
  await device.start();
  const d0 = device;
  const off = await station.tasks.create({
    device: MAC,
    protocol: 'snmp-tcp',
    ops: [{ op: 'get', oids: ['sysDescr.0'] }],
    timeoutMs: 10_000,
  });
  assert.ok(off.ok);
  assert.equal(off.task.state, 'failed');
  assert.match(off.task.fault ?? '', /management request refused: unknown protocol snmp-tcp/);
  assert.equal(d0.subscribed, false);
  assert.deepEqual(d0.callHomes, []);
  assert.equal(
    lines.some((l) => l.includes('snmp-tcp call-home is ON')),
    false,
  );
  await device.stop();
  await station.stop();
  // on
  station = await startStationHarness({ trust: [], snmpTcp: { community: 'lab' }, log });
  assert.ok(lines.some((l) => l.includes('snmp-tcp call-home is ON')));
  device = tcpDevice(station.sipUdp);
  await device.start();
  const d1 = device;
  await until(() => d1.subscribed, 'device subscribed');
  const on = await station.tasks.create({
    device: MAC,
    protocol: 'snmp-tcp',
    ops: [{ op: 'get', oids: ['sysDescr.0'] }],
    timeoutMs: 10_000,
  });
  assert.ok(on.ok);
  assert.equal(on.task.state, 'done', on.task.fault ?? '');
  assert.equal(on.task.authenticatedAs, 'none');
  assert.equal(on.task.results?.[0]?.varbinds[0]?.value, STUB_DESCR);
});
