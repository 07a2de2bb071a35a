#!/usr/bin/env node
// Enforces the import direction described in ARCHITECTURE.md: a package may import only the
// packages listed for it below, and never reach into another package by a relative path.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const allowed = {
  ops: [],
  'udp-mmsg': [],
  config: ['ops'],
  sip: ['ops'],
  snmp: ['ops'],
  reload: ['ops'],
  store: ['ops'],
  mibs: ['ops', 'snmp'],
  mgmt: ['ops'],
  station: ['ops', 'config', 'sip', 'snmp', 'reload', 'store', 'mibs', 'mgmt', 'udp-mmsg'],
  device: ['ops', 'config', 'sip', 'snmp', 'reload', 'store', 'mibs', 'mgmt'],
  overlay: ['ops', 'config', 'reload', 'snmp', 'store'],
  web: ['ops'],
  testkit: ['ops'],
  cli: [
    'ops',
    'config',
    'sip',
    'snmp',
    'reload',
    'store',
    'mibs',
    'mgmt',
    'station',
    'device',
    'overlay',
    'web',
  ],
};

// Test support: any package's test folder may import it; no src/ folder may.
const testOnly = new Set(['testkit']);

const problems = [];
const root = resolve('packages');
function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules') continue;
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|mts|js|mjs)$/.test(name)) out.push(p);
  }
  return out;
}
const importRe =
  /(?:^|\s)(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
for (const pkg of readdirSync(root)) {
  if (!statSync(join(root, pkg)).isDirectory()) continue;
  const deps = allowed[pkg];
  if (!deps) {
    problems.push(`packages/${pkg}: not listed in scripts/check-layers.mjs`);
    continue;
  }
  for (const sub of ['src', 'test']) {
    const dir = join(root, pkg, sub);
    let files = [];
    try {
      files = walk(dir, []);
    } catch {
      continue;
    }
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(importRe)) {
        const spec = m[1] ?? m[2];
        if (spec.startsWith('@beckon/')) {
          const target = spec.slice('@beckon/'.length).split('/')[0];
          if (testOnly.has(target) && target !== pkg) {
            if (sub === 'src')
              problems.push(`${relative('.', file)}: src/ may not import test support @beckon/${target}`);
          } else if (target !== pkg && !deps.includes(target))
            problems.push(`${relative('.', file)}: @beckon/${pkg} may not import @beckon/${target}`);
        } else if (spec.startsWith('.')) {
          const abs = resolve(dir, relative(dir, join(file, '..')), spec);
          const rel = relative(join(root, pkg), abs);
          if (rel.startsWith('..'))
            problems.push(`${relative('.', file)}: relative import '${spec}' leaves package ${pkg}`);
        }
      }
    }
  }
}
if (problems.length) {
  console.error(problems.join('\n'));
  console.error(`check-layers: ${problems.length} violation(s)`);
  process.exit(1);
}
console.log('check-layers: imports point the allowed way');
