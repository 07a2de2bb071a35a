import { stringify as yamlStringify } from 'yaml';
import { createHash } from 'node:crypto';
import { BeckonConfigSchema, type BeckonConfig } from './schema/root.js';
import { formatConfigPath, isPlainObject } from './config-path.js';
import { asNode, maskSecrets } from './schema-walk.js';
import type { ConfigSource } from './load-config.js';

export interface RenderOptions {
  /** Print secrets (passwords, communities, database URL) instead of `********`. */
  showSecrets?: boolean;
}

/**
 * The effective configuration as YAML, each value followed by a comment naming its source
 * (`port: 5070 # cli`). The output is itself a valid configuration file.
 */
export function renderConfigYaml(
  config: BeckonConfig,
  sources: ReadonlyMap<string, ConfigSource>,
  options: RenderOptions = {},
): string {
  const doc = options.showSecrets ? config : maskSecrets(asNode(BeckonConfigSchema), config);
  const lines: string[] = [];
  const scalar = (v: unknown): string => yamlStringify(v, { flow: true }).trimEnd();
  const note = (path: (string | number)[]): string =>
    ` # ${sources.get(formatConfigPath(path)) ?? 'default'}`;
  const isLeaf = (v: unknown): boolean =>
    !(isPlainObject(v) && Object.keys(v).length > 0) &&
    !(Array.isArray(v) && v.some((x) => isPlainObject(x) || Array.isArray(x)));

  const emitMap = (
    obj: Record<string, unknown>,
    path: (string | number)[],
    indent: string,
    firstPrefix?: string,
  ) => {
    let first = true;
    for (const [k, v] of Object.entries(obj)) {
      const lead = first && firstPrefix !== undefined ? firstPrefix : indent;
      first = false;
      const p = [...path, k];
      if (isLeaf(v)) lines.push(`${lead}${k}: ${scalar(v)}${note(p)}`);
      else {
        lines.push(`${lead}${k}:`);
        emitValue(v, p, `${indent}  `);
      }
    }
  };
  const emitValue = (v: unknown, path: (string | number)[], indent: string) => {
    if (Array.isArray(v)) {
      v.forEach((item, i) => {
        const p = [...path, i];
        if (isPlainObject(item) && Object.keys(item).length > 0)
          emitMap(item, p, `${indent}  `, `${indent}- `);
        else lines.push(`${indent}- ${scalar(item)}${note(p)}`);
      });
    } else if (isPlainObject(v)) emitMap(v, path, indent);
  };
  emitMap(doc as Record<string, unknown>, [], '');
  return `${lines.join('\n')}\n`;
}

/** The effective configuration as JSON: `{ "config": {...}, "sources": { "sip.domain": "cli", ... } }`. */
export function renderConfigJson(
  config: BeckonConfig,
  sources: ReadonlyMap<string, ConfigSource>,
  options: RenderOptions = {},
): string {
  const doc = options.showSecrets ? config : maskSecrets(asNode(BeckonConfigSchema), config);
  return `${JSON.stringify({ config: doc, sources: Object.fromEntries(sources) }, null, 2)}\n`;
}

/** A short stable fingerprint of an effective configuration (sha256 of canonical JSON, 16 hex digits). */
export function configHash(config: BeckonConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 16);
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isPlainObject(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}
