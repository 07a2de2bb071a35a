import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { MibRegistry } from '../../../src/mib/mib-registry.js';
import { SnmpAgent } from '../../../src/agent/snmp-agent.js';
import { SystemGroup } from '../../../src/agent/system-group.js';
import { UdpTransport } from '../../../src/transport/udp-transport.js';
import { oid } from '../../../src/ber/oid.js';
import { UserBasedSecurityModel } from '../../../src/security/user-based-security-model.js';
import { makeDefaultEngineId } from '../../../src/security/engine-id.js';
import { registerUsmStatsMib } from '../../../src/security/usm-stats-mib.js';
import { registerSnmpEngineMib } from '../../../src/security/snmp-engine-mib.js';
import { registerUsmUserMib } from '../../../src/security/usm-user-mib.js';
import type { UsmUserConfig } from '../../../src/security/usm-user-table.js';
import { ViewBasedAccessControl } from '../../../src/acm/view-based-access-control.js';
import {
  mergeVacmConfigs,
  readOnlyGroupExample,
  readWriteGroupExample,
} from '../../../src/acm/vacm-config.js';

// Net-SNMP command line tools (SNMPv3, USM) against the in-process Beckon agent.
const COMMON = ['-On', '-M', '/dev/null', '-m', '', '-t', '2', '-r', '1'];

const USERS: UsmUserConfig[] = [
  { name: 'noauth', authProtocol: 'none', privProtocol: 'none' },
  { name: 'md5user', authProtocol: 'md5', authPassword: 'md5-password', privProtocol: 'none' },
  { name: 'shauser', authProtocol: 'sha', authPassword: 'sha-password', privProtocol: 'none' },
  { name: 'sha224user', authProtocol: 'sha224', authPassword: 'sha224-password', privProtocol: 'none' },
  { name: 'sha256user', authProtocol: 'sha256', authPassword: 'sha256-password', privProtocol: 'none' },
  { name: 'sha384user', authProtocol: 'sha384', authPassword: 'sha384-password', privProtocol: 'none' },
  { name: 'sha512user', authProtocol: 'sha512', authPassword: 'sha512-password', privProtocol: 'none' },
  {
    name: 'privuser',
    authProtocol: 'sha256',
    authPassword: 'priv-auth-password',
    privProtocol: 'aes',
    privPassword: 'priv-priv-password',
  },
  {
    name: 'md5aes',
    authProtocol: 'md5',
    authPassword: 'md5aes-auth-pw',
    privProtocol: 'aes',
    privPassword: 'md5aes-priv-pw',
  },
];

const NETSNMP_AUTH: Record<string, string> = {
  md5: 'MD5',
  sha: 'SHA',
  sha224: 'SHA-224',
  sha256: 'SHA-256',
  sha384: 'SHA-384',
  sha512: 'SHA-512',
};

let persistentDir = '';

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      {
        timeout: 30_000,
        maxBuffer: 16 * 1024 * 1024,
        env: { ...process.env, SNMP_PERSISTENT_DIR: persistentDir, HOME: persistentDir, MIBS: '' },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function v3args(
  user: string,
  level: 'noAuthNoPriv' | 'authNoPriv' | 'authPriv',
  passwordSuffix = '',
): string[] {
  const u = USERS.find((x) => x.name === user);
  assert.ok(u);
  const args = ['-v3', '-u', user, '-l', level];
  if (level !== 'noAuthNoPriv')
    args.push('-a', NETSNMP_AUTH[u.authProtocol]!, '-A', u.authPassword! + passwordSuffix);
  if (level === 'authPriv') args.push('-x', 'AES', '-X', u.privPassword!);
  return args;
}

void describe('SNMPv3 USM: Net-SNMP tools against the Beckon agent', () => {
  let agent: SnmpAgent;
  let usm: UserBasedSecurityModel;
  let target: string;
  let engineHex = '';

  before(async () => {
    persistentDir = mkdtempSync(join(tmpdir(), 'beckon-usm-'));
    const metrics = new MetricsRegistry();
    const log = silentLogger();
    const engineId = makeDefaultEngineId();
    usm = new UserBasedSecurityModel(
      { log, metrics },
      { engineId, engineBoots: 1, users: USERS, instance: 'agent' },
    );
    const authUsers = USERS.filter((u) => u.authProtocol !== 'none' && u.name !== 'privuser').map(
      (u) => u.name,
    );
    const vacmConfig = mergeVacmConfigs(
      readOnlyGroupExample(authUsers),
      readWriteGroupExample(['privuser']),
      {
        groups: [{ securityModel: 'usm', securityName: 'noauth', groupName: 'open' }],
        access: [
          { groupName: 'open', securityModel: 'usm', securityLevel: 'noAuthNoPriv', readView: 'systemOnly' },
        ],
        views: [{ viewName: 'systemOnly', subtree: '1.3.6.1.2.1.1' }],
      },
    );
    const registry = new MibRegistry();
    new SystemGroup({
      descr: 'Beckon USM test agent',
      objectId: oid('1.3.6.1.4.1.99999.100'),
      contact: 'ops@example.invalid',
      name: 'beckon-usm',
      location: 'lab',
    }).register(registry);
    const reg = registerUsmStatsMib(registry, usm.stats);
    assert.ok(reg.ok);
    assert.ok(registerSnmpEngineMib(registry, { engineId, clock: usm.clock, maxMessageSize: 65507 }).ok);
    assert.ok(registerUsmUserMib(registry, usm.users, engineId).ok);
    engineHex = engineId.toString('hex').toUpperCase();
    agent = new SnmpAgent({
      registry,
      access: new ViewBasedAccessControl(vacmConfig),
      securityModels: [usm],
      engineId,
      metrics,
      log,
    });
    const transport = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
    agent.attach(transport);
    target = `127.0.0.1:${transport.localAddress.port}`;
  });

  after(async () => {
    await agent.close();
    rmSync(persistentDir, { recursive: true, force: true });
  });

  void test('noAuthNoPriv get of sysDescr', async () => {
    const r = await run('snmpget', [
      ...v3args('noauth', 'noAuthNoPriv'),
      ...COMMON,
      target,
      '1.3.6.1.2.1.1.1.0',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '.1.3.6.1.2.1.1.1.0 = STRING: "Beckon USM test agent"');
  });

  for (const user of ['md5user', 'shauser', 'sha224user', 'sha256user', 'sha384user', 'sha512user']) {
    void test(`authNoPriv ${user}`, async () => {
      const r = await run('snmpget', [...v3args(user, 'authNoPriv'), ...COMMON, target, '1.3.6.1.2.1.1.5.0']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), '.1.3.6.1.2.1.1.5.0 = STRING: "beckon-usm"');
    });
  }

  void test('authPriv SHA-256 + AES get', async () => {
    const r = await run('snmpget', [
      ...v3args('privuser', 'authPriv'),
      ...COMMON,
      target,
      '1.3.6.1.2.1.1.1.0',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '.1.3.6.1.2.1.1.1.0 = STRING: "Beckon USM test agent"');
  });

  void test('authPriv MD5 + AES get', async () => {
    const r = await run('snmpget', [...v3args('md5aes', 'authPriv'), ...COMMON, target, '1.3.6.1.2.1.1.1.0']);
    assert.equal(r.code, 0, r.stderr);
  });

  void test('snmpbulkwalk -v3 authPriv of the system group', async () => {
    const r = await run('snmpbulkwalk', [
      ...v3args('privuser', 'authPriv'),
      ...COMMON,
      '-Cr10',
      target,
      '1.3.6.1.2.1.1',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.ok(lines.length >= 7, r.stdout);
    assert.ok(lines.every((l) => l.startsWith('.1.3.6.1.2.1.1.')));
  });

  void test('wrong password -> authentication failure report (usmStatsWrongDigests)', async () => {
    const before = usm.stats.get('usmStatsWrongDigests');
    const r = await run('snmpget', [
      ...v3args('sha256user', 'authNoPriv', '-wrong'),
      ...COMMON,
      target,
      '1.3.6.1.2.1.1.1.0',
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr + r.stdout, /Authentication failure/i);
    assert.ok(usm.stats.get('usmStatsWrongDigests') > before);
  });

  void test('unknown user -> Unknown user name report', async () => {
    const r = await run('snmpget', [
      '-v3',
      '-u',
      'nobody',
      '-l',
      'noAuthNoPriv',
      ...COMMON,
      target,
      '1.3.6.1.2.1.1.1.0',
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr + r.stdout, /Unknown user name/i);
  });

  void test('unsupported security level -> report', async () => {
    const r = await run('snmpget', [
      '-v3',
      '-u',
      'shauser',
      '-l',
      'authPriv',
      '-a',
      'SHA',
      '-A',
      'sha-password',
      '-x',
      'AES',
      '-X',
      'whatever-pw',
      ...COMMON,
      target,
      '1.3.6.1.2.1.1.1.0',
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr + r.stdout, /Unsupported security level/i);
  });

  void test('VACM: noauth user sees only the system group; usmStats readable by authenticated users', async () => {
    const denied = await run('snmpget', [
      ...v3args('noauth', 'noAuthNoPriv'),
      ...COMMON,
      target,
      '1.3.6.1.6.3.15.1.1.5.0',
    ]);
    assert.match(denied.stdout + denied.stderr, /No Such Object|authorizationError|noAccess/i);
    const r = await run('snmpget', [
      ...v3args('shauser', 'authNoPriv'),
      ...COMMON,
      target,
      '1.3.6.1.6.3.15.1.1.5.0',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\.1\.3\.6\.1\.6\.3\.15\.1\.1\.5\.0 = Counter32: [1-9]\d*$/m);
  });

  void test('snmpwalk -v3 of the whole tree is filtered by the VACM view', async () => {
    const limited = await run('snmpwalk', [...v3args('noauth', 'noAuthNoPriv'), ...COMMON, target, '1']);
    assert.equal(limited.code, 0, limited.stderr);
    const l = limited.stdout.trim().split('\n');
    assert.ok(l.length >= 7);
    assert.ok(
      l.every((x) => x.startsWith('.1.3.6.1.2.1.1.')),
      limited.stdout,
    );
    const full = await run('snmpwalk', [...v3args('privuser', 'authPriv'), ...COMMON, target, '1']);
    assert.equal(full.code, 0, full.stderr);
    assert.match(full.stdout, /^\.1\.3\.6\.1\.6\.3\.10\.2\.1\.3\.0 = INTEGER: \d+$/m);
    assert.match(full.stdout, /^\.1\.3\.6\.1\.6\.3\.15\.1\.1\.1\.0 = Counter32: \d+$/m);
  });

  void test('read-only usmUserTable: one row per user, protocols, no keys', async () => {
    const r = await run('snmpwalk', [
      ...v3args('privuser', 'authPriv'),
      ...COMMON,
      target,
      '1.3.6.1.6.3.15.1.2.2.1',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const names = r.stdout.split('\n').filter((l) => l.startsWith('.1.3.6.1.6.3.15.1.2.2.1.3.'));
    assert.equal(names.length, USERS.length);
    const priv = r.stdout.split('\n').filter((l) => l.startsWith('.1.3.6.1.6.3.15.1.2.2.1.8.'));
    assert.equal(priv.filter((l) => l.endsWith('= OID: .1.3.6.1.6.3.10.1.2.4')).length, 2);
    assert.match(
      r.stdout,
      /\.1\.3\.6\.1\.6\.3\.15\.1\.2\.2\.1\.5\.[\d.]+ = OID: \.1\.3\.6\.1\.6\.3\.10\.1\.1\.7/,
    );
  });

  void test('snmpEngine scalars: engine ID, boots, time, max message size', async () => {
    const r = await run('snmpget', [
      ...v3args('shauser', 'authNoPriv'),
      ...COMMON,
      '-Ox',
      target,
      '1.3.6.1.6.3.10.2.1.1.0',
      '1.3.6.1.6.3.10.2.1.2.0',
      '1.3.6.1.6.3.10.2.1.4.0',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0]!.replace(/\s+/g, '').split(':')[1], engineHex);
    assert.match(lines[1]!, /= INTEGER: 1$/);
    assert.match(lines[2]!, /= INTEGER: 65507$/);
  });

  void test('snmpset: read-write group may write, read-only group may not', async () => {
    const ok = await run('snmpset', [
      ...v3args('privuser', 'authPriv'),
      ...COMMON,
      target,
      '1.3.6.1.2.1.1.5.0',
      's',
      'renamed',
    ]);
    assert.equal(ok.code, 0, ok.stderr + ok.stdout);
    const no = await run('snmpset', [
      ...v3args('shauser', 'authNoPriv'),
      ...COMMON,
      target,
      '1.3.6.1.2.1.1.5.0',
      's',
      'nope',
    ]);
    assert.notEqual(no.code, 0);
    assert.match(no.stderr + no.stdout, /noAccess|authorizationError|notWritable/i);
  });
});
