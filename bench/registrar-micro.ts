// In-process REGISTER cost: feeds N distinct REGISTERs (reg.xml shape) into the station's stateless front
// with a fake UDP flow (sends dropped), 1,000 per event-loop turn, SQLite persistence on, and prints CPU
// µs per REGISTER. Independent of SIPp and of other load on the machine (CPU time, not wall time).
//   node --import tsx bench/registrar-micro.ts [--n 100000] [--db :memory:|path]
import { parseArgs } from 'node:util';
import { rmSync } from 'node:fs';
import { defaultConfig } from '@beckon/config';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import type { Flow } from '@beckon/sip';
import { Station } from '@beckon/station';
import { benchFlow, benchRegister } from './harness/register-bench-kit.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    db: { type: 'string', default: `${process.env['TMPDIR'] ?? '/tmp'}/beckon-micro-${process.pid}.db` },
  },
});
const N = Number(values.n);
const c = defaultConfig();
const station = new Station(
  { log: silentLogger(), metrics: new MetricsRegistry() },
  {
    ...c,
    sip: { ...c.sip, domain: 'bench.local', listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] },
    storage: { ...c.storage, sqlitePath: values.db },
  },
  { authenticate: false },
);
await station.start();
let sent = 0;
const flow = benchFlow(() => {
  sent++;
});
const msgs: Buffer[] = [];
for (let i = 0; i < N; i++) msgs.push(benchRegister(i, 1));
// The front is the transport's user.
const front = (
  station as unknown as { opened: { transport: { user: { onMessage(d: Buffer, f: Flow): void } } } }
).opened.transport.user;
const t0 = process.cpuUsage();
const w0 = performance.now();
let i = 0;
await new Promise<void>((resolve) => {
  const step = (): void => {
    const end = Math.min(N, i + 1000);
    for (; i < end; i++) front.onMessage(msgs[i] as Buffer, flow);
    if (i < N) setImmediate(step);
    else {
      const wait = (): void => (sent >= N ? resolve() : void setTimeout(wait, 1));
      wait();
    }
  };
  step();
});
const t = process.cpuUsage(t0);
const wall = performance.now() - w0;
console.log(
  `n=${N} responses=${sent} cpu_us_per_register=${((t.user + t.system) / N).toFixed(1)} wall_ms=${wall.toFixed(0)} ` +
    `rate_if_alone=${Math.round(N / (wall / 1000))}/s bindings=${station.location.size.bindings}`,
);
await station.stop();
if (values.db !== ':memory:') for (const s of ['', '-wal', '-shm']) rmSync(values.db + s, { force: true });
