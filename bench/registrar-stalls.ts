// Finds synchronous stalls of the REGISTER path as the location service grows: feeds N REGISTERs (plain,
// reg.xml shape, one new AOR each) in slices of 200 through the registrar's stateless front with a no-op
// store, and prints every slice that took longer than --ms, with the binding count at that moment and the
// garbage collections that ran during it. A slice costs about 5 ms; one that takes several times that
// at a round binding count is a growth step of some table.
//   node --max-semi-space-size=64 --import tsx bench/registrar-stalls.ts [--n 300000] [--ms 15]
import { parseArgs } from 'node:util';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { benchFlow, benchRegister, benchRegistrarFront } from './harness/register-bench-kit.js';

const { values } = parseArgs({
  options: { n: { type: 'string', default: '300000' }, ms: { type: 'string', default: '15' } },
});
const N = Number(values.n);
const LIMIT = Number(values.ms);
const { location, front } = await benchRegistrarFront();
let sent = 0;
const flow = benchFlow(() => void sent++);

const gcs: { start: number; duration: number; kind: number }[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries())
    gcs.push({
      start: e.startTime,
      duration: e.duration,
      kind: (e as unknown as { detail: { kind: number } }).detail.kind,
    });
}).observe({ entryTypes: ['gc'] });

const msgs: Buffer[] = [];
for (let k = 0; k < N; k++) msgs.push(benchRegister(k, 1));
let i = 0;
let slowest = 0;
await new Promise<void>((resolve) => {
  const step = (): void => {
    const t0 = performance.now();
    const before = location.size.bindings;
    const end = Math.min(msgs.length, i + 200);
    for (; i < end; i++) front.onMessage(msgs[i] as Buffer, flow);
    const t1 = performance.now();
    slowest = Math.max(slowest, t1 - t0);
    if (t1 - t0 > LIMIT) {
      // GCs are reported asynchronously: look at them a little later.
      setTimeout(() => {
        const inSlice = gcs.filter((g) => g.start >= t0 - 1 && g.start <= t1);
        const gcMs = inSlice.reduce((a, g) => a + g.duration, 0);
        console.log(
          `slice at ${before} bindings: ${(t1 - t0).toFixed(1)} ms (gc ${gcMs.toFixed(1)} ms in ${inSlice.length})`,
        );
      }, 50);
    }
    if (i < msgs.length) setImmediate(step);
    else setTimeout(resolve, 200);
  };
  step();
});
console.log(
  `n=${N} bindings=${location.size.bindings} replies=${sent} slowest slice ${slowest.toFixed(1)} ms`,
);
await location.stop();
