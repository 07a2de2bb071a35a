import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import {
  CommandGenerator,
  UdpTransport,
  UserBasedSecurityModel,
  formatOid,
  makeDefaultEngineId,
  oid,
  type V3Target,
} from '../../src/index.js';
import { NetSnmpDaemon, freeUdpPort, runTool } from './net-snmp-process.js';

// CommandGenerator + UserBasedSecurityModel (manager, non-authoritative role) against Net-SNMP snmpd:
// discovery, time synchronisation, authPriv SHA-256 + AES-128 get / getBulk / walk.
const SYSTEM = oid('1.3.6.1.2.1.1');
const SYS_DESCR = oid('1.3.6.1.2.1.1.1.0');
const SYS_NAME = oid('1.3.6.1.2.1.1.5.0');

void describe('CommandGenerator v3 (USM authPriv SHA-256/AES) against snmpd', () => {
  let snmpd: NetSnmpDaemon;
  let port = 0;
  let transport: UdpTransport;
  let mgr: CommandGenerator;
  let usm: UserBasedSecurityModel;
  let target: V3Target;

  before(async () => {
    port = await freeUdpPort();
    snmpd = new NetSnmpDaemon({
      program: 'snmpd',
      listen: `udp:127.0.0.1:${port}`,
      args: ['-r'],
      config: [
        'createUser mgruser SHA-256 "mgr-auth-password" AES "mgr-priv-password"',
        'rouser mgruser priv',
        'sysDescr beckon-manager-interop',
        'sysName snmpd-under-test',
        '',
      ].join('\n'),
    });
    await snmpd.start();
    transport = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
    mgr = new CommandGenerator({ transport, timeoutMs: 1000, retries: 2 });
    usm = new UserBasedSecurityModel(
      { log: silentLogger(), metrics: new MetricsRegistry() },
      {
        engineId: makeDefaultEngineId(),
        engineBoots: 1,
        instance: 'manager',
        users: [
          {
            name: 'mgruser',
            authProtocol: 'sha256',
            authPassword: 'mgr-auth-password',
            privProtocol: 'aes',
            privPassword: 'mgr-priv-password',
          },
        ],
      },
    );
    target = {
      address: '127.0.0.1',
      port,
      version: 'v3',
      securityModel: usm,
      securityName: 'mgruser',
      securityLevel: 'authPriv',
    };
  });

  after(async () => {
    mgr?.dispose();
    await transport?.close();
    await snmpd?.dispose();
  });

  void test('get with discovery', async () => {
    const r = await mgr.get(target, [SYS_DESCR, SYS_NAME]);
    assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
    assert.equal(r.value.type, 'Response');
    assert.equal(r.value.errorStatus, 0);
    assert.deepEqual(r.value.varbinds[0]!.value, {
      type: 'OctetString',
      value: Buffer.from('beckon-manager-interop'),
    });
    assert.deepEqual(r.value.varbinds[1]!.value, {
      type: 'OctetString',
      value: Buffer.from('snmpd-under-test'),
    });
    assert.equal(usm.remoteEngines.size, 1);
  });

  void test('getBulk', async () => {
    const r = await mgr.getBulk(target, 1, 5, [SYS_DESCR, SYSTEM]);
    assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
    assert.equal(r.value.errorStatus, 0);
    assert.equal(r.value.varbinds.length, 6);
    assert.equal(formatOid(r.value.varbinds[0]!.oid), '1.3.6.1.2.1.1.2.0');
    assert.equal(formatOid(r.value.varbinds[1]!.oid), '1.3.6.1.2.1.1.1.0');
  });

  void test('walk of the system group equals snmpbulkwalk -v3', async () => {
    const w = await mgr.walk(target, SYSTEM, undefined, { maxRepetitions: 7 });
    assert.ok(w.ok, JSON.stringify(!w.ok && w.error));
    const tool = await runTool('snmpbulkwalk', [
      '-v3',
      '-l',
      'authPriv',
      '-u',
      'mgruser',
      '-a',
      'SHA-256',
      '-A',
      'mgr-auth-password',
      '-x',
      'AES',
      '-X',
      'mgr-priv-password',
      '-On',
      '-Oq',
      `udp:127.0.0.1:${port}`,
      '1.3.6.1.2.1.1',
    ]);
    assert.equal(tool.code, 0, tool.stderr);
    const names = tool.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(' ')[0]!.replace(/^\./, ''));
    assert.ok(names.length >= 8);
    assert.deepEqual(
      w.value.map((vb) => formatOid(vb.oid)),
      names,
    );
  });

  void test('a fresh manager knowing the engine ID gets notInTimeWindow, synchronises and succeeds', async () => {
    const first = await mgr.get(target, [SYS_DESCR]);
    assert.ok(first.ok);
    // learn the engine ID, then make a new USM that only knows it by configuration
    const engine = await mgr.get(target, [oid('1.3.6.1.6.3.10.2.1.1.0')]);
    assert.ok(engine.ok);
    const id = engine.value.varbinds[0]!.value;
    assert.equal(id.type, 'OctetString');
    if (id.type !== 'OctetString') return;
    const fresh = new UserBasedSecurityModel(
      { log: silentLogger(), metrics: new MetricsRegistry() },
      {
        engineId: makeDefaultEngineId(),
        engineBoots: 1,
        users: [
          {
            name: 'mgruser',
            authProtocol: 'sha256',
            authPassword: 'mgr-auth-password',
            privProtocol: 'aes',
            privPassword: 'mgr-priv-password',
          },
        ],
      },
    );
    const r = await mgr.get({ ...target, securityModel: fresh, securityEngineId: id.value }, [SYS_NAME]);
    assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
    assert.equal(r.value.type, 'Response');
    const t = fresh.remoteEngines.get(id.value);
    assert.ok(t && t.authenticated && t.boots >= 1);
  });

  void test('wrong authentication password: usmStatsWrongDigests Report', async () => {
    const bad = new UserBasedSecurityModel(
      { log: silentLogger(), metrics: new MetricsRegistry() },
      {
        engineId: makeDefaultEngineId(),
        engineBoots: 1,
        users: [
          {
            name: 'mgruser',
            authProtocol: 'sha256',
            authPassword: 'not-the-auth-password',
            privProtocol: 'aes',
            privPassword: 'mgr-priv-password',
          },
        ],
      },
    );
    const m2 = new CommandGenerator({ transport, timeoutMs: 300, retries: 0 });
    try {
      const r = await m2.get({ ...target, securityModel: bad }, [SYS_DESCR]);
      assert.deepEqual(r, { ok: false, error: { kind: 'report', oid: oid('1.3.6.1.6.3.15.1.1.5.0') } });
    } finally {
      m2.dispose();
      // hand the transport back to the shared manager
      transport.onMessage((b, f) => mgr.receive(b, f));
    }
  });
});
