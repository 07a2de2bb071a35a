// Allocation profile of any bench script: samples every allocation (including objects already collected by
// the young and old generation GCs) while the script runs, then prints the functions that allocated most.
//   node --import tsx bench/alloc-profile.ts <script.ts> [args...]
import { Session } from 'node:inspector/promises';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

interface Node {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: Node[];
}
const script = process.argv[2];
if (!script) throw new Error('usage: alloc-profile.ts <script> [args...]');
process.argv.splice(2, 1);
const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', {
  samplingInterval: 4096,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
await import(pathToFileURL(resolve(script)).href);
const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: Node } };
const bySelf = new Map<string, number>();
let total = 0;
const name = (n: Node): string => {
  const f = n.callFrame;
  return `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/')}`;
};
// Built-ins (Map, push, slice...) are charged to their caller: 'Map <- caller'.
const walk = (n: Node, parent: string): void => {
  const own = name(n);
  const key = n.callFrame.url === '' || n.callFrame.url.startsWith('node:') ? `${own} <- ${parent}` : own;
  bySelf.set(key, (bySelf.get(key) ?? 0) + n.selfSize);
  total += n.selfSize;
  for (const c of n.children) walk(c, own);
};
walk(profile.head, '');
const rows = [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, 40);
process.stdout.write(`total sampled ${(total / 1e6).toFixed(1)} MB\n`);
for (const [k, v] of rows) process.stdout.write(`${(v / 1e6).toFixed(1).padStart(8)} MB  ${k}\n`);
