// In-process cost of the JavaScript part of a REGISTER (parse, registrar, location service, response
// building and serialisation) with the store replaced by a no-op (no SQLite) and the UDP send replaced by
// a counter: what the registrar's own code costs per REGISTER, without the storage and kernel parts.
// Plain (reg.xml shape) by default; --auth runs both legs of a digest registration (reg_auth.xml shape)
// and reports the two legs separately. Several rounds; prints the best and the median round.
//   node --max-semi-space-size=64 --import tsx bench/registrar-js-micro.ts [--n 20000] [--rounds 7] [--auth]
import { parseArgs } from 'node:util';
import {
  benchAuthorization,
  benchFlow,
  benchRegister,
  benchRegistrarFront,
} from './harness/register-bench-kit.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '7' },
    auth: { type: 'boolean', default: false },
    // heap bytes per stored binding (needs node --expose-gc)
    heap: { type: 'boolean', default: false },
  },
});
const N = Number(values.n);
const ROUNDS = Number(values.rounds);
const AUTH = values.auth;

const { location, front } = await benchRegistrarFront({ digest: AUTH });

let sent = 0;
const replies: Buffer[] = [];
const flow = benchFlow((d) => {
  sent++;
  if (AUTH) replies.push(d);
});

async function feed(msgs: Buffer[]): Promise<number> {
  const target = sent + msgs.length;
  const t0 = process.cpuUsage();
  let i = 0;
  await new Promise<void>((resolve) => {
    const step = (): void => {
      const end = Math.min(msgs.length, i + 200);
      for (; i < end; i++) front.onMessage(msgs[i] as Buffer, flow);
      if (i < msgs.length) setImmediate(step);
      else {
        const wait = (): void => (sent >= target ? resolve() : void setImmediate(wait));
        wait();
      }
    };
    step();
  });
  const t = process.cpuUsage(t0);
  return t.user + t.system;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (values.heap && !gc) throw new Error('--heap needs node --expose-gc');
const heapNow = (): number => {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
};
const heap0 = values.heap ? heapNow() : 0;
const results: { total: number; a: number; b: number }[] = [];
let base = 0;
for (let r = 0; r < ROUNDS; r++) {
  const first: Buffer[] = [];
  for (let k = 0; k < N; k++) first.push(benchRegister(base + k, 1));
  replies.length = 0;
  const a = await feed(first);
  let b = 0;
  if (AUTH) {
    const second: Buffer[] = [];
    for (let k = 0; k < N; k++)
      second.push(benchRegister(base + k, 2, benchAuthorization(base + k, replies[k] as Buffer)));
    replies.length = 0;
    b = await feed(second);
    let ok = 0;
    for (const x of replies) if (x.subarray(0, 12).toString('latin1') === 'SIP/2.0 200 ') ok++;
    if (ok !== N) throw new Error(`only ${ok} of ${N} authenticated REGISTERs got a 200`);
  }
  base += N;
  results.push({ total: (a + b) / N, a: a / N, b: b / N });
}
results.shift(); // warm-up round
const sorted = [...results].sort((x, y) => x.total - y.total);
const best = sorted[0] as { total: number; a: number; b: number };
const median = sorted[Math.floor(sorted.length / 2)] as { total: number; a: number; b: number };
const f = (x: { total: number; a: number; b: number }): string =>
  AUTH ? `${x.total.toFixed(1)} (401 leg ${x.a.toFixed(1)}, 200 leg ${x.b.toFixed(1)})` : x.total.toFixed(1);
console.log(
  `${AUTH ? 'digest' : 'plain'} n=${N}x${ROUNDS - 1} cpu_us_per_registration best=${f(best)} median=${f(median)} bindings=${location.size.bindings}`,
);
if (values.heap)
  console.log(
    `heap per binding ${Math.round((heapNow() - heap0) / location.size.bindings)} B (${location.size.bindings} bindings)`,
  );
await location.stop();
