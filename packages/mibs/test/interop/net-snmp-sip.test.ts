import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { silentLogger } from '@beckon/ops';
import { CommunityAccessControl, SnmpAgent, SystemGroup, UdpTransport } from '@beckon/snmp';
import { MibTree, sharedMibDir } from '../helpers/mib-files.js';
import { buildSipRegistry, type SipTestRegistry } from '../helpers/sip-registry.js';

// Net-SNMP tools, with the RFC 4780 / RFC 2788 MIB modules loaded from ../shared/mibs, against a Beckon agent
// serving the SIP modules on 127.0.0.1:<ephemeral>.

const dir = sharedMibDir();
const MIBS = 'SNMPv2-MIB:SIP-COMMON-MIB:SIP-SERVER-MIB:SIP-UA-MIB:NETWORK-SERVICES-MIB';

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const tools = await run('snmpbulkwalk', ['-V']);
const skip = !dir
  ? 'shared MIB folder ../shared/mibs not found'
  : tools.code !== 0 && !/NET-SNMP/.test(tools.stderr + tools.stdout)
    ? 'Net-SNMP tools not installed'
    : false;

void describe('Net-SNMP with the SIP MIB modules against the Beckon agent', { skip }, () => {
  let t: SipTestRegistry;
  let agent: SnmpAgent;
  let target: string;
  const common = (): string[] => ['-M', dir!, '-m', MIBS, '-t', '2', '-r', '1'];

  before(async () => {
    t = buildSipRegistry(20, 2);
    const system = new SystemGroup({
      descr: 'Beckon SIP MIB interop',
      objectId: [1, 3, 6, 1, 4, 1, 99999, 150],
    });
    system.register(t.registry);
    const access = new CommunityAccessControl([
      { community: 'public' },
      { community: 'private', access: 'read-write' },
    ]);
    agent = new SnmpAgent({
      registry: t.registry,
      access,
      resolveCommunity: (c) => access.resolve(c),
      engineId: Buffer.from('8000ea6003626563', 'hex'),
      metrics: t.metrics,
      log: silentLogger(),
    });
    const transport = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
    agent.attach(transport);
    target = `127.0.0.1:${transport.localAddress.port}`;
  });
  after(async () => {
    await agent.close();
  });

  for (const root of [
    'SIP-COMMON-MIB::sipCommonMIB',
    'SIP-SERVER-MIB::sipServerMIB',
    'SIP-UA-MIB::sipUAMIB',
    'NETWORK-SERVICES-MIB::applTable',
  ])
    void test(`snmpbulkwalk ${root}: names resolve, no errors`, async () => {
      const r = await run('snmpbulkwalk', ['-v2c', '-c', 'public', ...common(), '-Cr25', target, root]);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /Cannot find module|Unknown Object|Unlinked/, r.stderr);
      // the last registered subtree ends the MIB view: Net-SNMP prints that as a final line
      const lines = r.stdout
        .trim()
        .split('\n')
        .filter((l) => !/No more variables left in this MIB View/.test(l));
      assert.ok(lines.length > 2, r.stdout);
      for (const l of lines) {
        assert.match(l, /^[A-Z][\w-]+::[a-z]\w+\.\d/, `unresolved name: ${l}`);
        assert.doesNotMatch(l, /No Such (Object|Instance)/, l);
      }
    });

  void test('snmpgetnext of every mandatory object of the compliance statements lands in that object', async () => {
    const tree = MibTree.load(dir!);
    const objs = [
      ...tree.complianceObjects('sipCommonCompliance', false),
      ...tree.complianceObjects('sipServerRegistrarServerCompliance', true),
      ...tree.complianceObjects('sipServerProxyServerCompliance', false),
      ...tree.complianceObjects('sipUACompliance', false),
      ...tree.complianceObjects('applRFC2788Compliance', false),
      // a status code row exists only once created (done in the next test)
    ].filter((o) => !o.startsWith('sipCommonStatusCode'));
    const names = [...new Set(objs)];
    assert.ok(names.length > 40);
    for (let i = 0; i < names.length; i += 30) {
      const chunk = names.slice(i, i + 30);
      const r = await run('snmpgetnext', [
        '-v2c',
        '-c',
        'public',
        ...common(),
        target,
        ...chunk.map((o) => `${tree.byName.get(o)!.module}::${o}`),
      ]);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split('\n');
      assert.equal(lines.length, chunk.length);
      chunk.forEach((o, k) => assert.match(lines[k]!, new RegExp(`::${o}\\.\\d`), lines[k]));
    }
  });

  void test('snmpset creates a status code row (createAndGo); its counters then read', async () => {
    const row = 'SIP-COMMON-MIB::sipCommonStatusCodeRowStatus.1."INVITE".486';
    const s = await run('snmpset', ['-v2c', '-c', 'private', ...common(), target, row, 'i', 'createAndGo']);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /createAndGo\(4\)/);
    const g = await run('snmpget', [
      '-v2c',
      '-c',
      'public',
      ...common(),
      target,
      row,
      'SIP-COMMON-MIB::sipCommonStatusCodeIns.1."INVITE".486',
      'SIP-COMMON-MIB::sipCommonStatusCodeNotifEmitMode.1."INVITE".486',
    ]);
    assert.equal(g.code, 0, g.stderr);
    const lines = g.stdout.trim().split('\n');
    assert.match(lines[0]!, /= INTEGER: active\(1\)/);
    assert.match(lines[1]!, /sipCommonStatusCodeIns\.1\."INVITE"\.486 = Counter32: 2$/);
    assert.match(lines[2]!, /oneShot\(2\)/);
    // a second createAndGo of the same row: inconsistentValue
    const again = await run('snmpset', [
      '-v2c',
      '-c',
      'private',
      ...common(),
      target,
      row,
      'i',
      'createAndGo',
    ]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /inconsistentValue/);
    // read-only community: the agent refuses (noAccess)
    const ro = await run('snmpset', ['-v2c', '-c', 'public', ...common(), target, row, 'i', 'destroy']);
    assert.notEqual(ro.code, 0);
    const d = await run('snmpset', ['-v2c', '-c', 'private', ...common(), target, row, 'i', 'destroy']);
    assert.equal(d.code, 0, d.stderr);
    assert.equal(t.common.statusCodes.size, 0);
  });

  void test('snmpset of sipCommonCfgServiceNotifEnable and of the UA registrar address', async () => {
    const n = await run('snmpset', [
      '-v2c',
      '-c',
      'private',
      ...common(),
      target,
      'SIP-COMMON-MIB::sipCommonCfgServiceNotifEnable.1',
      'b',
      '0 1 2',
    ]);
    assert.equal(n.code, 0, n.stderr);
    assert.deepEqual(t.proxy.state.notifs, [
      'sipCommonServiceColdStart',
      'sipCommonServiceWarmStart',
      'sipCommonServiceStatusChanged',
    ]);
    const a = await run('snmpset', [
      '-v2c',
      '-c',
      'private',
      ...common(),
      target,
      'SIP-UA-MIB::sipUACfgServerAddress.2.1',
      'x',
      'C0000263',
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.deepEqual(t.uaServers.changes.at(-1), { index: 1, host: { type: 'ipv4', address: '192.0.2.99' } });
  });
});
