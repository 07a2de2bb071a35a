// Writes docs/configuration.md from the configuration schema (packages/config/src/schema).
// Usage: node --import tsx scripts/gen-config-docs.ts [--check]
//   --check: write nothing; exit 1 if the committed file differs from what the schema generates.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderConfigDocs } from '@beckon/config';

const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'configuration.md');
const text = renderConfigDocs();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    /* missing counts as different */
  }
  if (current !== text) {
    console.error('docs/configuration.md is out of date: run `npm run docs:config`');
    process.exit(1);
  }
  console.log('docs/configuration.md is up to date');
} else {
  writeFileSync(target, text);
  console.log(`wrote docs/configuration.md (${text.length} bytes)`);
}
