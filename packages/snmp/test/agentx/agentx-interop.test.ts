import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { AgentxSessionState, AgentxSubagent, compareOid, formatOid, parseOid } from '../../src/index.js';
import { NetSnmpDaemon, freeTcpPort, freeUdpPort, runTool } from '../interop/net-snmp-process.js';
import { AX_ROOT, makeAgentxTestMib, type AgentxTestMib } from './agentx-test-mib.js';

// Net-SNMP snmpd as AgentX master (RFC 2741) in front of the Beckon subagent over TCP.
void describe('AgentX subagent behind Net-SNMP snmpd', () => {
  let snmpd: NetSnmpDaemon;
  let trapd: NetSnmpDaemon;
  let sub: AgentxSubagent;
  let mib: AgentxTestMib;
  let udp = 0;
  const root = formatOid(AX_ROOT);
  const addr = (): string => `udp:127.0.0.1:${udp}`;

  before(async () => {
    const trapPort = await freeUdpPort();
    trapd = new NetSnmpDaemon({
      program: 'snmptrapd',
      listen: `udp:127.0.0.1:${trapPort}`,
      args: ['-On'],
      config: 'authCommunity log public\n',
    });
    await trapd.start();
    udp = await freeUdpPort();
    const ax = await freeTcpPort();
    snmpd = new NetSnmpDaemon({
      program: 'snmpd',
      listen: `udp:127.0.0.1:${udp}`,
      config: [
        'master agentx',
        `agentXSocket tcp:127.0.0.1:${ax}`,
        'agentXTimeout 2',
        'rocommunity public 127.0.0.1',
        'rwcommunity private 127.0.0.1',
        `trap2sink 127.0.0.1:${trapPort} public`,
        '',
      ].join('\n'),
    });
    await snmpd.start();
    mib = makeAgentxTestMib(1000);
    sub = new AgentxSubagent(
      { log: silentLogger(), metrics: new MetricsRegistry() },
      {
        registry: mib.registry,
        socket: { host: '127.0.0.1', port: ax },
        subtrees: [AX_ROOT],
        timeoutSec: 2,
        reconnectMs: 100,
        maxReconnectMs: 400,
        pingIntervalMs: 1000,
        description: 'beckon agentx interop test',
      },
    );
    sub.start();
    assert.ok(
      await sub.waitForState(AgentxSessionState.Open, 10_000),
      `subagent did not open: ${snmpd.output}`,
    );
  });

  after(async () => {
    await sub?.close();
    await snmpd?.dispose();
    await trapd?.dispose();
  });

  void test('snmpwalk -v2c -On through snmpd returns the subagent objects in order', async () => {
    const r = await runTool('snmpwalk', ['-v2c', '-c', 'public', '-On', '-t', '3', addr(), root], 60_000);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 3 + 3 * 1000, lines.slice(-3).join('\n'));
    assert.equal(lines[0], `.${root}.1.0 = STRING: "beckon-subagent"`);
    assert.equal(lines[1], `.${root}.2.0 = Gauge32: 1000`);
    assert.equal(lines[2], `.${root}.3.0 = INTEGER: 5`);
    assert.equal(lines[3], `.${root}.4.1.1.1 = INTEGER: 1`);
    assert.equal(lines[1003], `.${root}.4.1.2.1 = STRING: "row-1"`);
    assert.equal(lines[3002], `.${root}.4.1.3.1000 = Counter64: 1000000007000`);
    let prev: readonly number[] = [];
    for (const l of lines) {
      const p = parseOid(l.split(' ')[0]!);
      assert.ok(p.ok);
      assert.ok(compareOid(prev, p.oid) < 0, `not increasing at ${l}`);
      prev = p.oid;
    }
  });

  void test('snmpbulkwalk through snmpd (GetBulk) returns the same objects', async () => {
    const r = await runTool('snmpbulkwalk', ['-v2c', '-c', 'public', '-On', '-Cr50', addr(), root], 60_000);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 3003);
  });

  void test('snmpget and snmpset reach the subagent', async () => {
    const g = await runTool('snmpget', [
      '-v2c',
      '-c',
      'public',
      '-On',
      addr(),
      `${root}.4.1.2.500`,
      `${root}.3.0`,
      `${root}.4.1.2.1001`,
    ]);
    assert.equal(g.code, 0, g.stderr);
    assert.deepEqual(g.stdout.trim().split('\n'), [
      `.${root}.4.1.2.500 = STRING: "row-500"`,
      `.${root}.3.0 = INTEGER: 5`,
      `.${root}.4.1.2.1001 = No Such Instance currently exists at this OID`,
    ]);
    const s = await runTool('snmpset', ['-v2c', '-c', 'private', '-On', addr(), `${root}.3.0`, 'i', '42']);
    assert.equal(s.code, 0, s.stderr);
    assert.equal(s.stdout.trim(), `.${root}.3.0 = INTEGER: 42`);
    assert.equal(mib.writable.value, 42);
    const bad = await runTool('snmpset', [
      '-v2c',
      '-c',
      'private',
      '-On',
      addr(),
      `${root}.3.0`,
      'i',
      '5000',
    ]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr + bad.stdout, /wrongValue/);
    const ro = await runTool('snmpset', ['-v2c', '-c', 'private', '-On', addr(), `${root}.1.0`, 's', 'x']);
    assert.notEqual(ro.code, 0);
    assert.match(ro.stderr + ro.stdout, /notWritable/);
    assert.equal(mib.writable.value, 42);
    assert.equal(mib.writable.commits, 1);
  });

  void test('a Notify through snmpd reaches snmptrapd (trap2sink)', async () => {
    const r = await sub.notify(
      [...AX_ROOT, 0, 1],
      [{ oid: [...AX_ROOT, 1, 0], value: { type: 'OctetString', value: Buffer.from('via-master') } }],
    );
    assert.deepEqual(r, { ok: true });
    assert.ok(await trapd.waitFor('via-master', 5000), trapd.output);
    assert.ok(trapd.output.includes(`.1.3.6.1.6.3.1.1.4.1.0 = OID: .${root}.0.1`), trapd.output);
  });

  void test('snmpd restart: the subagent reconnects and serves again', async () => {
    const opened = sub.sessionsOpened;
    await snmpd.stop();
    assert.ok(await sub.waitForState(AgentxSessionState.Disconnected, 5000));
    await new Promise((r) => setTimeout(r, 300)); // at least one refused reconnect attempt
    await snmpd.start();
    assert.ok(await sub.waitForState(AgentxSessionState.Open, 10_000), 'no reconnect');
    assert.equal(sub.sessionsOpened, opened + 1);
    const g = await runTool('snmpget', ['-v2c', '-c', 'public', '-On', addr(), `${root}.4.1.1.7`]);
    assert.equal(g.code, 0, g.stderr);
    assert.equal(g.stdout.trim(), `.${root}.4.1.1.7 = INTEGER: 7`);
  });
});

void describe('AgentX subagent behind snmpd over a Unix-domain socket', () => {
  let snmpd: NetSnmpDaemon;
  let sub: AgentxSubagent;
  let udp = 0;

  before(async () => {
    udp = await freeUdpPort();
    snmpd = new NetSnmpDaemon({
      program: 'snmpd',
      listen: `udp:127.0.0.1:${udp}`,
      config: '',
    });
    // the socket lives in the daemon's private temp directory
    const path = join(snmpd.dir, 'agentx-master');
    snmpd.appendConfig(
      ['master agentx', `agentXSocket ${path}`, 'rocommunity public 127.0.0.1', ''].join('\n'),
    );
    await snmpd.start();
    sub = new AgentxSubagent(
      { log: silentLogger(), metrics: new MetricsRegistry() },
      { registry: makeAgentxTestMib(10).registry, socket: path, subtrees: [AX_ROOT], reconnectMs: 100 },
    );
    sub.start();
    assert.ok(
      await sub.waitForState(AgentxSessionState.Open, 10_000),
      `subagent did not open: ${snmpd.output}`,
    );
  });

  after(async () => {
    await sub?.close();
    await snmpd?.dispose();
  });

  void test('snmpget through snmpd reaches the subagent', async () => {
    const root = formatOid(AX_ROOT);
    const g = await runTool('snmpget', [
      '-v2c',
      '-c',
      'public',
      '-On',
      `udp:127.0.0.1:${udp}`,
      `${root}.2.0`,
    ]);
    assert.equal(g.code, 0, g.stderr);
    assert.equal(g.stdout.trim(), `.${root}.2.0 = Gauge32: 10`);
  });
});
