import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BeckonConfigSchema, renderConfigDocs, type SchemaNode } from '@beckon/config';

const root = BeckonConfigSchema as unknown as SchemaNode;

function* properties(node: SchemaNode, prefix: string): Generator<[string, SchemaNode, boolean]> {
  const required = new Set(node.required ?? []);
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const path = prefix ? `${prefix}.${name}` : name;
    yield [path, child, required.has(name)];
    if (child.type === 'object') yield* properties(child, path);
    if (child.type === 'array' && child.items?.type === 'object') yield* properties(child.items, `${path}[]`);
  }
}

void test('every setting has a description and a reason for its default (seed 003 Appendix A)', () => {
  const missing: string[] = [];
  for (const [path, node] of properties(root, '')) {
    if (!node.description) missing.push(`${path}: description`);
    if (!node['x-reason']) missing.push(`${path}: x-reason`);
  }
  assert.deepEqual(missing, []);
});

void test('every setting has a default, unless it is required inside a list item or optional by design', () => {
  const missing: string[] = [];
  for (const [path, node, required] of properties(root, '')) {
    if (node.default !== undefined) continue;
    const optional = !required;
    const inListItem = path.includes('[]');
    if (!(optional || inListItem)) missing.push(path);
  }
  assert.deepEqual(missing, []);
});

void test('numbers have ranges', () => {
  const missing: string[] = [];
  for (const [path, node] of properties(root, ''))
    if (
      (node.type === 'integer' || node.type === 'number') &&
      (node.minimum === undefined || node.maximum === undefined)
    )
      missing.push(path);
  assert.deepEqual(missing, []);
});

void test('docs/configuration.md is generated from the current schema (run `npm run docs:config`)', () => {
  const file = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'configuration.md');
  const committed = readFileSync(file, 'utf8');
  assert.ok(
    committed === renderConfigDocs(),
    'docs/configuration.md is out of date: run `npm run docs:config`',
  );
});

void test('the generated docs have one table per section and a row for nested keys', () => {
  const docs = renderConfigDocs();
  for (const section of Object.keys(root.properties ?? {}))
    assert.ok(docs.includes(`## \`${section}\``), section);
  assert.ok(docs.includes('| `sip.listen[].port` | integer | `5060` | 0 to 65535 |'));
  assert.ok(docs.includes('`registrar.instrumentIdentification.digestUsername`'));
});
