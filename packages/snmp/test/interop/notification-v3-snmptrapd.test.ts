import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import {
  NotificationOriginator,
  UdpTransport,
  UserBasedSecurityModel,
  decodeV3Message,
  makeDefaultEngineId,
  oid,
  type NotificationTarget,
  type UsmUserConfig,
} from '../../src/index.js';
import { NetSnmpDaemon, freeUdpPort } from './net-snmp-process.js';

// The notification originator (v2c and v3 through the USM) against Net-SNMP snmptrapd.
const COLD_START = oid('1.3.6.1.6.3.1.1.5.1');
const TEST_TRAP = oid('1.3.6.1.4.1.99999.0.7');
const PAYLOAD = oid('1.3.6.1.4.1.99999.5.1.0');

const USERS: UsmUserConfig[] = [
  {
    name: 'trapuser',
    authProtocol: 'sha256',
    authPassword: 'trap-auth-password',
    privProtocol: 'aes',
    privPassword: 'trap-priv-password',
  },
  {
    name: 'informuser',
    authProtocol: 'sha256',
    authPassword: 'inform-auth-password',
    privProtocol: 'aes',
    privPassword: 'inform-priv-password',
  },
  {
    name: 'badinform',
    authProtocol: 'sha256',
    authPassword: 'not-the-password',
    privProtocol: 'aes',
    privPassword: 'inform-priv-password',
  },
];

void describe('NotificationOriginator against snmptrapd', () => {
  let trapd: NetSnmpDaemon;
  let port = 0;
  let transport: UdpTransport;
  let usm: UserBasedSecurityModel;
  const engineId = makeDefaultEngineId();

  before(async () => {
    port = await freeUdpPort();
    trapd = new NetSnmpDaemon({
      program: 'snmptrapd',
      listen: `udp:127.0.0.1:${port}`,
      args: ['-On'],
      config: [
        // Traps: the sender (Beckon) is authoritative, its engine ID localizes the keys.
        `createUser -e 0x${engineId.toString('hex')} trapuser SHA-256 "trap-auth-password" AES "trap-priv-password"`,
        // Informs: snmptrapd is authoritative (its own engine ID).
        'createUser informuser SHA-256 "inform-auth-password" AES "inform-priv-password"',
        'createUser badinform SHA-256 "the-real-password" AES "inform-priv-password"',
        'authUser log trapuser',
        'authUser log informuser',
        'authUser log badinform',
        'authCommunity log public',
        '',
      ].join('\n'),
    });
    await trapd.start();
    transport = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
    usm = new UserBasedSecurityModel(
      { log: silentLogger(), metrics: new MetricsRegistry() },
      { engineId, engineBoots: 3, users: USERS, instance: 'originator' },
    );
  });

  after(async () => {
    await transport?.close();
    await trapd?.dispose();
  });

  function originator(targets: NotificationTarget[]): NotificationOriginator {
    return new NotificationOriginator({
      transport,
      targets,
      upTime: () => 4242,
      log: silentLogger(),
      securityModel: usm,
    });
  }

  const common = { address: '127.0.0.1', timeoutMs: 1000, retries: 2 };

  void test('v3 authPriv (SHA-256/AES) trap: snmptrapd decrypts it with the sender engine ID', async () => {
    const o = originator([
      {
        ...common,
        name: 'trap',
        port,
        version: 'v3',
        type: 'trap',
        securityName: 'trapuser',
        securityLevel: 'authPriv',
      },
    ]);
    const from = trapd.output.length;
    const r = await o.notify(TEST_TRAP, [
      { oid: PAYLOAD, value: { type: 'OctetString', value: Buffer.from('v3-trap-42') } },
    ]);
    assert.deepEqual(r, [{ target: 'trap', ok: true }]);
    assert.ok(await trapd.waitFor('v3-trap-42', 5000, from), trapd.output.slice(from));
    const got = trapd.output.slice(from);
    assert.match(got, /\.1\.3\.6\.1\.6\.3\.1\.1\.4\.1\.0 = OID: \.1\.3\.6\.1\.4\.1\.99999\.0\.7/);
    assert.match(got, /\.1\.3\.6\.1\.4\.1\.99999\.5\.1\.0 = STRING: "v3-trap-42"/);
    o.dispose();
  });

  void test('v3 authPriv inform: discovery of snmptrapd, acknowledged', async () => {
    const o = originator([
      {
        ...common,
        name: 'inform',
        port,
        version: 'v3',
        type: 'inform',
        securityName: 'informuser',
        securityLevel: 'authPriv',
      },
    ]);
    const from = trapd.output.length;
    const r = await o.notify(COLD_START, [
      { oid: PAYLOAD, value: { type: 'OctetString', value: Buffer.from('v3-inform-7') } },
    ]);
    assert.deepEqual(r, [{ target: 'inform', ok: true }]);
    assert.ok(await trapd.waitFor('v3-inform-7', 5000, from), trapd.output.slice(from));
    assert.match(
      trapd.output.slice(from),
      /\.1\.3\.6\.1\.6\.3\.1\.1\.4\.1\.0 = OID: \.1\.3\.6\.1\.6\.3\.1\.1\.5\.1/,
    );
    // a second inform reuses the discovered engine and time
    const again = await o.notify(COLD_START, [
      { oid: PAYLOAD, value: { type: 'OctetString', value: Buffer.from('v3-inform-8') } },
    ]);
    assert.deepEqual(again, [{ target: 'inform', ok: true }]);
    assert.ok(await trapd.waitFor('v3-inform-8', 5000, from));
    o.dispose();
  });

  void test('v3 inform with a wrong password: snmptrapd reports, the outcome says so', async () => {
    const o = originator([
      {
        ...common,
        name: 'bad',
        port,
        version: 'v3',
        type: 'inform',
        securityName: 'badinform',
        securityLevel: 'authPriv',
      },
    ]);
    const r = await o.notify(COLD_START);
    assert.deepEqual(r, [{ target: 'bad', ok: false, error: 'report' }]);
    o.dispose();
  });

  void test('v2c trap and inform still work', async () => {
    const o = originator([
      { ...common, name: 'v2trap', port, version: 'v2c', community: 'public', type: 'trap' },
      { ...common, name: 'v2inform', port, version: 'v2c', community: 'public', type: 'inform' },
    ]);
    const from = trapd.output.length;
    const r = await o.notify(TEST_TRAP, [
      { oid: PAYLOAD, value: { type: 'OctetString', value: Buffer.from('v2c-both') } },
    ]);
    assert.deepEqual(r, [
      { target: 'v2trap', ok: true },
      { target: 'v2inform', ok: true },
    ]);
    assert.ok(
      await trapd.waitFor(/v2c-both[\s\S]*v2c-both/, 5000, from),
      `expected two notifications: ${trapd.output.slice(from)}`,
    );
    o.dispose();
  });

  void test('v3 inform to a silent receiver: retransmitted with new msgIDs, then timeout', async () => {
    const sink = createSocket('udp4');
    await new Promise<void>((res) => sink.bind(0, '127.0.0.1', () => res()));
    const ids: number[] = [];
    sink.on('message', (b) => {
      const m = decodeV3Message(b);
      if (m.ok) ids.push(m.value.globalData.msgId);
    });
    const o = originator([
      {
        name: 'silent',
        address: '127.0.0.1',
        port: sink.address().port,
        version: 'v3',
        type: 'inform',
        securityName: 'informuser',
        securityLevel: 'authPriv',
        securityEngineId: Buffer.from('80001f8880aabbccdd', 'hex'),
        timeoutMs: 50,
        retries: 3,
      },
    ]);
    try {
      const r = await o.notify(COLD_START);
      assert.deepEqual(r, [{ target: 'silent', ok: false, error: 'timeout' }]);
      await new Promise((res) => setTimeout(res, 20));
      assert.equal(ids.length, 4);
      assert.equal(new Set(ids).size, 4);
    } finally {
      o.dispose();
      await new Promise<void>((res) => sink.close(() => res()));
    }
  });
});
