import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { oid, oidEquals } from '../../../src/ber/oid.js';
import { UdpTransport } from '../../../src/transport/udp-transport.js';
import { UserBasedSecurityModel } from '../../../src/security/user-based-security-model.js';
import { makeDefaultEngineId } from '../../../src/security/engine-id.js';
import { usmStatInstanceOid } from '../../../src/security/usm-stats.js';
import type { UsmUserConfig } from '../../../src/security/usm-user-table.js';
import { UsmTestClient } from './usm-test-client.js';

// The Beckon USM in the manager (non-authoritative) role against a real Net-SNMP snmpd.
const SYS_DESCR = oid('1.3.6.1.2.1.1.1.0');
const SNMP_ENGINE_ID = oid('1.3.6.1.6.3.10.2.1.1.0');

const USERS: UsmUserConfig[] = [
  { name: 'md5user', authProtocol: 'md5', authPassword: 'md5-password', privProtocol: 'none' },
  { name: 'shauser', authProtocol: 'sha', authPassword: 'sha-password', privProtocol: 'none' },
  { name: 'sha256user', authProtocol: 'sha256', authPassword: 'sha256-password', privProtocol: 'none' },
  { name: 'sha512user', authProtocol: 'sha512', authPassword: 'sha512-password', privProtocol: 'none' },
  {
    name: 'privuser',
    authProtocol: 'sha256',
    authPassword: 'priv-auth-password',
    privProtocol: 'aes',
    privPassword: 'priv-priv-password',
  },
  {
    name: 'shaaes',
    authProtocol: 'sha',
    authPassword: 'shaaes-auth-pw',
    privProtocol: 'aes',
    privPassword: 'shaaes-priv-pw',
  },
];

const SNMPD_CONF = `
createUser md5user MD5 "md5-password"
createUser shauser SHA "sha-password"
createUser sha256user SHA-256 "sha256-password"
createUser sha512user SHA-512 "sha512-password"
createUser privuser SHA-256 "priv-auth-password" AES "priv-priv-password"
createUser shaaes SHA "shaaes-auth-pw" AES "shaaes-priv-pw"
rouser md5user auth
rouser shauser auth
rouser sha256user auth
rouser sha512user auth
rouser privuser priv
rouser shaaes priv
sysDescr beckon-interop-snmpd
`;

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

void describe('Beckon USM (manager role) against Net-SNMP snmpd', () => {
  let dir = '';
  let snmpd: ChildProcess | undefined;
  let transport: UdpTransport;
  let port = 0;
  let output = '';

  function newClient(): { usm: UserBasedSecurityModel; client: UsmTestClient } {
    const usm = new UserBasedSecurityModel(
      { log: silentLogger(), metrics: new MetricsRegistry() },
      { engineId: makeDefaultEngineId(), engineBoots: 1, users: USERS, instance: 'manager' },
    );
    return { usm, client: new UsmTestClient(usm, transport, { address: '127.0.0.1', port }) };
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'beckon-snmpd-'));
    mkdirSync(join(dir, 'persist'));
    const conf = join(dir, 'snmpd.conf');
    writeFileSync(conf, `[snmp] persistentDir ${join(dir, 'persist')}\n${SNMPD_CONF}`);
    port = await freeUdpPort();
    snmpd = spawn(
      'snmpd',
      ['-C', '-c', conf, '-f', '-Lo', '-r', '-M', '/dev/null', `udp:127.0.0.1:${port}`],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, SNMP_PERSISTENT_DIR: join(dir, 'persist'), MIBS: '', HOME: dir },
      },
    );
    const started = new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`snmpd did not start: ${output}`)), 10_000);
      const onData = (d: Buffer): void => {
        output += d.toString();
        if (output.includes('NET-SNMP version')) {
          clearTimeout(t);
          resolve();
        }
      };
      snmpd!.stdout!.on('data', onData);
      snmpd!.stderr!.on('data', onData);
      snmpd!.once('exit', (code) => {
        clearTimeout(t);
        reject(new Error(`snmpd exited ${code}: ${output}`));
      });
    });
    await started;
    transport = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
  });

  after(async () => {
    await transport?.close();
    if (snmpd && snmpd.exitCode === null) {
      const gone = new Promise<void>((r) => snmpd!.once('exit', () => r()));
      snmpd.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
      if (snmpd.exitCode === null) snmpd.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  void test('discovery returns snmpd engine ID; authNoPriv SHA-256 get sysDescr and snmpEngineID', async () => {
    const { client, usm } = newClient();
    const engineId = await client.discover();
    assert.ok(engineId, 'discovery');
    assert.ok(usm.remoteEngines.has(engineId));
    const r = await client.get(engineId, 'sha256user', 'authNoPriv', [SYS_DESCR, SNMP_ENGINE_ID]);
    assert.ok(r.ok, !r.ok ? r.error : '');
    assert.equal(r.pdu.type, 'Response');
    assert.equal(r.level, 'authNoPriv');
    const [d, e] = r.pdu.varbinds;
    assert.deepEqual(d?.value, { type: 'OctetString', value: Buffer.from('beckon-interop-snmpd') });
    assert.deepEqual(e?.value, { type: 'OctetString', value: engineId });
  });

  for (const user of ['md5user', 'shauser', 'sha512user']) {
    void test(`authNoPriv ${user}`, async () => {
      const { client } = newClient();
      const engineId = await client.discover();
      assert.ok(engineId);
      const r = await client.get(engineId, user, 'authNoPriv', [SYS_DESCR]);
      assert.ok(r.ok, !r.ok ? r.error : '');
      assert.equal(r.pdu.type, 'Response');
      assert.equal(r.pdu.varbinds[0]?.value.type, 'OctetString');
    });
  }

  for (const user of ['privuser', 'shaaes']) {
    void test(`authPriv ${user} (AES-128)`, async () => {
      const { client } = newClient();
      const engineId = await client.discover();
      assert.ok(engineId);
      const r = await client.get(engineId, user, 'authPriv', [SYS_DESCR]);
      assert.ok(r.ok, !r.ok ? r.error : '');
      assert.equal(r.pdu.type, 'Response');
      assert.equal(r.level, 'authPriv');
      assert.deepEqual(r.pdu.varbinds[0]?.value, {
        type: 'OctetString',
        value: Buffer.from('beckon-interop-snmpd'),
      });
    });
  }

  void test('time synchronisation: a known engine ID with boots/time 0 gets a notInTimeWindow report, then succeeds', async () => {
    const first = newClient();
    const engineId = await first.client.discover();
    assert.ok(engineId);
    // A fresh manager that knows the engine ID by configuration but not its time.
    const { usm, client } = newClient();
    usm.remoteEngines.ensure(engineId);
    const r = await client.get(engineId, 'privuser', 'authPriv', [SYS_DESCR]);
    assert.ok(r.ok, !r.ok ? r.error : '');
    assert.equal(r.pdu.type, 'Response');
    const t = usm.remoteEngines.get(engineId);
    assert.ok(t && t.authenticated && t.boots >= 1);
  });

  void test('wrong password -> snmpd answers with a usmStatsWrongDigests report', async () => {
    const wrong = new UserBasedSecurityModel(
      { log: silentLogger(), metrics: new MetricsRegistry() },
      {
        engineId: makeDefaultEngineId(),
        engineBoots: 1,
        users: [
          {
            name: 'sha256user',
            authProtocol: 'sha256',
            authPassword: 'not-the-password',
            privProtocol: 'none',
          },
        ],
      },
    );
    const client = new UsmTestClient(wrong, transport, { address: '127.0.0.1', port });
    const engineId = await client.discover();
    assert.ok(engineId);
    const r = await client.get(engineId, 'sha256user', 'authNoPriv', [SYS_DESCR]);
    assert.ok(r.ok, !r.ok ? r.error : '');
    assert.equal(r.pdu.type, 'Report');
    assert.equal(r.level, 'noAuthNoPriv');
    assert.ok(oidEquals(r.pdu.varbinds[0]!.oid, usmStatInstanceOid('usmStatsWrongDigests')));
  });
});
