// SNMP walk throughput: Net-SNMP snmpbulkwalk (-Cr50) over a 100,000-row table served by the Beckon agent
// on loopback, plus the Beckon command generator walking the same table.
// Run: node --import tsx bench/snmp-walk.bench.ts [rows] [maxRepetitions]
import { execFile } from 'node:child_process';
import { CommandGenerator, UdpTransport } from '@beckon/snmp';
import { startTestAgent, TEST_ENTRY } from '../packages/snmp/test/helpers/test-agent.js';

const rows = Number(process.argv[2] ?? 100_000);
const reps = Number(process.argv[3] ?? 50);

function run(args: string[]): Promise<{ ms: number; lines: number; code: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile('snmpbulkwalk', args, { maxBuffer: 1 << 30, timeout: 600_000 }, (err, stdout) => {
      const lines = stdout.length ? stdout.trimEnd().split('\n').length : 0;
      resolve({ ms: performance.now() - t0, lines, code: err ? 1 : 0 });
    });
  });
}

const a = await startTestAgent(rows);
try {
  const target = `127.0.0.1:${a.port}`;
  const col = [...TEST_ENTRY, 2].join('.');
  const cpu0 = process.cpuUsage();
  // one column (rows varbinds) and the whole table (4 x rows)
  for (const [label, root] of [
    ['one column', col],
    ['whole table', TEST_ENTRY.join('.')],
  ] as const) {
    const c0 = process.cpuUsage();
    const r = await run([
      '-v2c',
      '-c',
      'public',
      `-Cr${reps}`,
      '-On',
      '-M',
      '/dev/null',
      '-m',
      '',
      '-t',
      '5',
      target,
      root,
    ]);
    const c = process.cpuUsage(c0);
    console.log(
      `snmpbulkwalk -Cr${reps} ${label}: ${r.lines} varbinds in ${r.ms.toFixed(0)} ms = ` +
        `${Math.round((r.lines / r.ms) * 1000)} varbinds/s (agent CPU ${((c.user + c.system) / 1000).toFixed(0)} ms, ` +
        `${(((c.user + c.system) / 1000 / r.lines) * 1000).toFixed(1)} us/varbind)`,
    );
  }
  const t = await UdpTransport.bind();
  const m = new CommandGenerator({ transport: t, timeoutMs: 5000 });
  const t0 = performance.now();
  let n = 0;
  const w = await m.walk(
    { address: '127.0.0.1', port: a.port, version: 'v2c', community: 'public' },
    TEST_ENTRY,
    () => n++,
    {
      maxRepetitions: reps,
    },
  );
  const ms = performance.now() - t0;
  console.log(
    `CommandGenerator.walk -Cr${reps} whole table (manager+agent in one process): ${w.ok ? n : 'failed'} varbinds in ${ms.toFixed(0)} ms = ${Math.round((n / ms) * 1000)} varbinds/s`,
  );
  m.dispose();
  await t.close();
  const cpu = process.cpuUsage(cpu0);
  console.log(`total process CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms`);
} finally {
  await a.close();
}
