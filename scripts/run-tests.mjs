#!/usr/bin/env node
// Runs every test file under packages/*/test with Node's built-in runner (TypeScript through tsx).
// --unit skips the interop suites (those that drive external tools such as SIPp, Net-SNMP, tshark).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const unitOnly = process.argv.includes('--unit');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name === 'node_modules' || name === 'fixtures') continue;
      if (unitOnly && name === 'interop') continue;
      walk(p);
    } else if (name.endsWith('.test.ts')) files.push(p);
  }
}
for (const pkg of readdirSync('packages')) {
  const t = join('packages', pkg, 'test');
  try {
    if (statSync(t).isDirectory()) walk(t);
  } catch {
    /* no tests in this package */
  }
}
const selected = filters.length ? files.filter((f) => filters.some((x) => f.includes(x))) : files;
selected.sort();
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...selected];
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
