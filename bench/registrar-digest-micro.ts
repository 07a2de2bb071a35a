// In-process cost of a digest-authenticated registration (REGISTER → 401 → REGISTER with credentials →
// 200), as in SIPp's reg_auth.xml: feeds N REGISTERs without credentials into the station's stateless
// front (fake UDP flow), reads the nonce of each 401, builds the MD5 credentials OUTSIDE the timed part,
// then feeds the N authenticated REGISTERs. SQLite persistence on. Prints CPU µs per registration (both
// legs) and per leg.
//   node --import tsx bench/registrar-digest-micro.ts [--n 50000] [--db :memory:|path] [--algs MD5|SHA-256,MD5]
import { parseArgs } from 'node:util';
import { rmSync } from 'node:fs';
import { defaultConfig } from '@beckon/config';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import type { Flow } from '@beckon/sip';
import { Station } from '@beckon/station';
import { benchAuthorization, benchFlow, benchRegister, benchUsers } from './harness/register-bench-kit.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '50000' },
    db: { type: 'string', default: `${process.env['TMPDIR'] ?? '/tmp'}/beckon-dmicro-${process.pid}.db` },
    algs: { type: 'string', default: 'MD5' },
  },
});
const N = Number(values.n);
const c = defaultConfig();
const station = new Station(
  { log: silentLogger(), metrics: new MetricsRegistry() },
  {
    ...c,
    sip: { ...c.sip, domain: 'bench.local', listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] },
    auth: { ...c.auth, realm: 'bench.local', algorithms: values.algs.split(',') as ['MD5'] },
    storage: { ...c.storage, driver: 'sqlite', sqlitePath: values.db },
  },
  { authenticate: true, credentials: benchUsers },
);
await station.start();
let sent = 0;
const replies: Buffer[] = [];
const flow = benchFlow((d) => {
  sent++;
  replies.push(d);
});
const front = (
  station as unknown as { opened: { transport: { user: { onMessage(d: Buffer, f: Flow): void } } } }
).opened.transport.user;

async function feed(msgs: Buffer[]): Promise<{ us: number }> {
  const target = sent + msgs.length;
  const t0 = process.cpuUsage();
  let i = 0;
  await new Promise<void>((resolve) => {
    const step = (): void => {
      const end = Math.min(msgs.length, i + 1000);
      for (; i < end; i++) front.onMessage(msgs[i] as Buffer, flow);
      if (i < msgs.length) setImmediate(step);
      else {
        const wait = (): void => (sent >= target ? resolve() : void setTimeout(wait, 1));
        wait();
      }
    };
    step();
  });
  const t = process.cpuUsage(t0);
  return { us: t.user + t.system };
}

let totalUs = 0;
let leg1 = 0;
let leg2 = 0;
let ok = 0;
// Rounds of at most 10,000 so the pre-built messages stay small in memory.
for (let base = 0; base < N; base += 10_000) {
  const n = Math.min(10_000, N - base);
  const first: Buffer[] = [];
  for (let k = 0; k < n; k++) first.push(benchRegister(base + k, 1));
  replies.length = 0;
  const a = await feed(first);
  const second: Buffer[] = [];
  for (let k = 0; k < n; k++)
    second.push(benchRegister(base + k, 2, benchAuthorization(base + k, replies[k] as Buffer)));
  replies.length = 0;
  const b = await feed(second);
  for (const r of replies) if (r.subarray(0, 12).toString('latin1') === 'SIP/2.0 200 ') ok++;
  leg1 += a.us;
  leg2 += b.us;
  totalUs += a.us + b.us;
}
console.log(
  `n=${N} ok=${ok} cpu_us_per_registration=${(totalUs / N).toFixed(1)} ` +
    `challenge_leg_us=${(leg1 / N).toFixed(1)} verify_leg_us=${(leg2 / N).toFixed(1)} bindings=${station.location.size.bindings}`,
);
await station.stop();
if (values.db !== ':memory:') for (const s of ['', '-wal', '-shm']) rmSync(values.db + s, { force: true });
