// Heap cost of a stored binding, by kind of heap object: registers N AORs (reg.xml shape, one binding
// each) through the registrar with a no-op store, takes a heap snapshot before and after, and prints the
// difference per binding (objects and bytes by node type and constructor). Every object here is one that
// each major garbage collection visits, so fewer objects per binding means shorter marking. --auth
// registers with digest (401, then the authorised REGISTER), so what digest keeps per user shows too.
//   node --import tsx bench/binding-heap-census.ts [--n 20000] [--auth]
import { parseArgs } from 'node:util';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import {
  benchAuthorization,
  benchFlow,
  benchRegister,
  benchRegistrarFront,
} from './harness/register-bench-kit.js';

const { values } = parseArgs({
  options: { n: { type: 'string', default: '20000' }, auth: { type: 'boolean', default: false } },
});
const N = Number(values.n);
const AUTH = values.auth;
const { location, front } = await benchRegistrarFront({ digest: AUTH });
let lastReply: Buffer | undefined;
const flow = benchFlow((d) => {
  lastReply = d;
});

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}
/** Objects and bytes by kind ("string", "object:BindingRecord"...) in a heap snapshot. */
function census(file: string): Map<string, { count: number; bytes: number }> {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const f = s.snapshot.meta.node_fields;
  const kinds = s.snapshot.meta.node_types[0];
  const [ti, ni, si] = [f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size')];
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < s.nodes.length; i += f.length) {
    const type = kinds[s.nodes[i + ti] as number] as string;
    const key =
      type === 'object' || type === 'array' || type === 'closure'
        ? `${type}:${(s.strings[s.nodes[i + ni] as number] as string).slice(0, 40)}`
        : type;
    const e = out.get(key) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += s.nodes[i + si] as number;
    out.set(key, e);
  }
  return out;
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 200));
const dir = tmpdir();
await settle();
const before = writeHeapSnapshot(join(dir, `beckon-census-0-${process.pid}.heapsnapshot`));
for (let k = 0; k < N; k++) {
  front.onMessage(benchRegister(k, 1), flow);
  if (AUTH && lastReply !== undefined) {
    const challenge = lastReply;
    lastReply = undefined;
    front.onMessage(benchRegister(k, 2, benchAuthorization(k, challenge)), flow);
  }
  if (k % 500 === 499) await new Promise((resolve) => setImmediate(resolve));
}
await settle();
const after = writeHeapSnapshot(join(dir, `beckon-census-${N}-${process.pid}.heapsnapshot`));
const a = census(before);
const b = census(after);
rmSync(before);
rmSync(after);
const rows = [...new Set([...a.keys(), ...b.keys()])].map((k) => ({
  kind: k,
  count: ((b.get(k)?.count ?? 0) - (a.get(k)?.count ?? 0)) / N,
  bytes: ((b.get(k)?.bytes ?? 0) - (a.get(k)?.bytes ?? 0)) / N,
}));
rows.sort((x, y) => y.bytes - x.bytes);
const total = rows.reduce((t, r) => ({ count: t.count + r.count, bytes: t.bytes + r.bytes }), {
  count: 0,
  bytes: 0,
});
console.log(
  `bindings=${location.size.bindings} per binding: ${total.count.toFixed(1)} heap objects, ${total.bytes.toFixed(0)} bytes`,
);
for (const r of rows.slice(0, 15))
  if (Math.abs(r.bytes) >= 1)
    console.log(`${r.count.toFixed(2).padStart(7)} objects ${r.bytes.toFixed(1).padStart(8)} B  ${r.kind}`);
await location.stop();
