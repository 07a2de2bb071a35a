import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { silentLogger } from '@beckon/ops';
import { NotificationOriginator, UdpTransport, oid } from '../../src/index.js';
import { startTestAgent, type TestAgent } from '../helpers/test-agent.js';

// Net-SNMP command line tools against the in-process agent (numeric OIDs, no MIB files).
const COMMON = ['-On', '-M', '/dev/null', '-m', '', '-t', '2', '-r', '1'];

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 30_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

void describe('Net-SNMP tools against the Beckon agent', () => {
  let a: TestAgent;
  let target: string;
  before(async () => {
    a = await startTestAgent(10_000);
    target = `127.0.0.1:${a.port}`;
  });
  after(async () => {
    await a.close();
  });

  void test('snmpget of scalars, a table cell and a missing object', async () => {
    const r = await run('snmpget', [
      '-v2c',
      '-c',
      'public',
      ...COMMON,
      target,
      '1.3.6.1.2.1.1.1.0',
      '1.3.6.1.2.1.1.5.0',
      '1.3.6.1.4.1.99999.1.1.1.2.42',
      '1.3.6.1.4.1.99999.1.1.1.2.100000',
      '1.3.6.1.2.1.1.99.0',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], '.1.3.6.1.2.1.1.1.0 = STRING: "Beckon test agent"');
    assert.equal(lines[1], '.1.3.6.1.2.1.1.5.0 = STRING: "beckon-test"');
    assert.equal(lines[2], '.1.3.6.1.4.1.99999.1.1.1.2.42 = STRING: "row-42"');
    assert.match(lines[3]!, /No Such Instance/);
    assert.match(lines[4]!, /No Such Object/);
  });

  void test('snmpgetnext crosses from a column to the next', async () => {
    const r = await run('snmpgetnext', [
      '-v2c',
      '-c',
      'public',
      ...COMMON,
      target,
      '1.3.6.1.4.1.99999.1.1.1.2.10000',
      '1.3.6.1.2.1.1.7.0',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], '.1.3.6.1.4.1.99999.1.1.1.3.1 = Counter32: 3');
    assert.equal(lines[1], '.1.3.6.1.2.1.1.8.0 = Timeticks: (0) 0:00:00.00');
  });

  void test('snmpbulkwalk -Cr50 over the 10,000-row table', async () => {
    const r = await run('snmpbulkwalk', [
      '-v2c',
      '-c',
      'public',
      '-Cr50',
      ...COMMON,
      target,
      '1.3.6.1.4.1.99999.1',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 40_000);
    assert.equal(lines[0], '.1.3.6.1.4.1.99999.1.1.1.1.1 = INTEGER: 1');
    assert.equal(lines[39_999], '.1.3.6.1.4.1.99999.1.1.1.4.10000 = Counter64: 10000000000000');
  });

  void test('snmpwalk -v1 of the system group (Counter64 column skipped in v1)', async () => {
    const r = await run('snmpwalk', ['-v1', '-c', 'public', ...COMMON, target, '1.3.6.1.2.1.1']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 11);
    assert.match(lines[2]!, /^\.1\.3\.6\.1\.2\.1\.1\.3\.0 = Timeticks: /);
    const c64 = await run('snmpwalk', [
      '-v1',
      '-c',
      'public',
      ...COMMON,
      target,
      '1.3.6.1.4.1.99999.1.1.1.4',
    ]);
    assert.equal(c64.stdout.trim(), '');
  });

  void test('snmpset of the writable scalar, and error cases', async () => {
    const ok = await run('snmpset', [
      '-v2c',
      '-c',
      'private',
      ...COMMON,
      target,
      '1.3.6.1.4.1.99999.2.0',
      'i',
      '55',
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), '.1.3.6.1.4.1.99999.2.0 = INTEGER: 55');
    assert.equal(a.writable.value, 55);
    const bad = await run('snmpset', [
      '-v2c',
      '-c',
      'private',
      ...COMMON,
      target,
      '1.3.6.1.4.1.99999.2.0',
      'i',
      '555',
    ]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /Reason: wrongValue/);
    const ro = await run('snmpset', [
      '-v2c',
      '-c',
      'public',
      ...COMMON,
      target,
      '1.3.6.1.4.1.99999.2.0',
      'i',
      '5',
    ]);
    assert.match(ro.stderr, /Reason: noAccess/);
    const notWritable = await run('snmpset', [
      '-v2c',
      '-c',
      'private',
      ...COMMON,
      target,
      '1.3.6.1.2.1.1.1.0',
      's',
      'x',
    ]);
    assert.match(notWritable.stderr, /Reason: notWritable/);
    const wrongType = await run('snmpset', [
      '-v2c',
      '-c',
      'private',
      ...COMMON,
      target,
      '1.3.6.1.2.1.1.6.0',
      'i',
      '1',
    ]);
    assert.match(wrongType.stderr, /Reason: wrongType/);
    // all or none: second varbind fails, the first is not applied
    const atomic = await run('snmpset', [
      '-v2c',
      '-c',
      'private',
      ...COMMON,
      target,
      '1.3.6.1.4.1.99999.2.0',
      'i',
      '9',
      '1.3.6.1.2.1.1.1.0',
      's',
      'x',
    ]);
    assert.match(atomic.stderr, /Reason: notWritable/);
    assert.match(atomic.stderr, /Failed object: \.1\.3\.6\.1\.2\.1\.1\.1\.0/);
    assert.equal(a.writable.value, 55);
    const v1 = await run('snmpset', [
      '-v1',
      '-c',
      'private',
      ...COMMON,
      target,
      '1.3.6.1.4.1.99999.2.0',
      'i',
      '555',
    ]);
    assert.match(v1.stderr, /badValue/);
    const loc = await run('snmpset', [
      '-v2c',
      '-c',
      'private',
      ...COMMON,
      target,
      '1.3.6.1.2.1.1.6.0',
      's',
      'rack 7',
    ]);
    assert.equal(loc.code, 0, loc.stderr);
    assert.equal(a.system.location, 'rack 7');
  });

  void test('bad community is counted and dropped (snmpInBadCommunityNames)', async () => {
    const before = a.agent.stats.get('snmpInBadCommunityNames');
    const r = await run('snmpget', [
      '-v2c',
      '-c',
      'wrong',
      '-On',
      '-M',
      '/dev/null',
      '-m',
      '',
      '-t',
      '0.3',
      '-r',
      '0',
      target,
      '1.3.6.1.2.1.1.1.0',
    ]);
    assert.notEqual(r.code, 0);
    assert.equal(a.agent.stats.get('snmpInBadCommunityNames'), before + 1);
    const g = await run('snmpget', ['-v2c', '-c', 'public', ...COMMON, target, '1.3.6.1.2.1.11.4.0']);
    assert.match(g.stdout, /Counter32: [1-9]/);
  });
});

void describe('snmptrapd receives notifications from the originator', () => {
  let trapd: ChildProcess | undefined;
  after(() => {
    trapd?.kill('SIGTERM');
  });

  void test('v2c trap', async () => {
    const port = await freeUdpPort();
    trapd = spawn(
      'snmptrapd',
      [
        '-f',
        '-Lo',
        '-n',
        '-C',
        '--disableAuthorization=yes',
        '-M',
        '/dev/null',
        '-m',
        '',
        '-On',
        `udp:127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    trapd.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const started = Date.now();
    while (!out.includes('NET-SNMP version') && Date.now() - started < 5000)
      await new Promise((r) => setTimeout(r, 50));
    const transport = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
    const orig = new NotificationOriginator({
      transport,
      targets: [
        { name: 'trapd', address: '127.0.0.1', port, version: 'v2c', community: 'public', type: 'trap' },
      ],
      upTime: () => 4242,
      log: silentLogger(),
    });
    const res = await orig.notify(oid('1.3.6.1.4.1.99999.0.1'), [
      { oid: oid('1.3.6.1.4.1.99999.2.0'), value: { type: 'Integer', value: 17 } },
    ]);
    assert.deepEqual(res, [{ target: 'trapd', ok: true }]);
    const t0 = Date.now();
    while (!out.includes('99999.2.0') && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 50));
    orig.dispose();
    await transport.close();
    assert.match(out, /\.1\.3\.6\.1\.2\.1\.1\.3\.0 = Timeticks: \(4242\)/);
    assert.match(out, /\.1\.3\.6\.1\.6\.3\.1\.1\.4\.1\.0 = OID: \.1\.3\.6\.1\.4\.1\.99999\.0\.1/);
    assert.match(out, /\.1\.3\.6\.1\.4\.1\.99999\.2\.0 = INTEGER: 17/);
  });

  void test('v2c inform is acknowledged by snmptrapd', async () => {
    const port = await freeUdpPort();
    const d = spawn(
      'snmptrapd',
      [
        '-f',
        '-Lo',
        '-n',
        '-C',
        '--disableAuthorization=yes',
        '-M',
        '/dev/null',
        '-m',
        '',
        '-On',
        `udp:127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    d.stdout.on('data', (b: Buffer) => (out += b.toString()));
    try {
      const started = Date.now();
      while (!out.includes('NET-SNMP version') && Date.now() - started < 5000)
        await new Promise((r) => setTimeout(r, 50));
      const transport = await UdpTransport.bind({ address: '127.0.0.1', port: 0 });
      const orig = new NotificationOriginator({
        transport,
        targets: [
          {
            name: 'trapd',
            address: '127.0.0.1',
            port,
            version: 'v2c',
            community: 'public',
            type: 'inform',
            timeoutMs: 500,
            retries: 3,
          },
        ],
        upTime: () => 1,
        log: silentLogger(),
      });
      const res = await orig.notify(oid('1.3.6.1.4.1.99999.0.2'));
      orig.dispose();
      await transport.close();
      assert.deepEqual(res, [{ target: 'trapd', ok: true }]);
    } finally {
      d.kill('SIGTERM');
    }
  });
});
