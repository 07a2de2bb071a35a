import { BeckonConfigSchema, type BeckonConfig } from './schema/root.js';
import { flattenLeaves, formatConfigPath } from './config-path.js';
import { asNode, maskSecrets } from './schema-walk.js';

export interface ConfigDifference {
  path: string;
  kind: 'changed' | 'added' | 'removed';
  /** Absent when kind is 'added'. */
  a?: unknown;
  /** Absent when kind is 'removed'. */
  b?: unknown;
}

/**
 * Setting-by-setting differences between two effective configurations, in schema order of A then
 * the paths only B has. Lists of scalars compare as a whole; lists of objects item by item.
 */
export function diffConfigs(
  a: BeckonConfig,
  b: BeckonConfig,
  options: { showSecrets?: boolean } = {},
): ConfigDifference[] {
  const schema = asNode(BeckonConfigSchema);
  const left = options.showSecrets ? a : maskSecrets(schema, a);
  const right = options.showSecrets ? b : maskSecrets(schema, b);
  const la = new Map(flattenLeaves(left).map(([p, v]) => [formatConfigPath(p), v]));
  const lb = new Map(flattenLeaves(right).map(([p, v]) => [formatConfigPath(p), v]));
  // Secrets are masked for display; compare the real values so a changed password still shows.
  const ra = new Map(flattenLeaves(a).map(([p, v]) => [formatConfigPath(p), v]));
  const rb = new Map(flattenLeaves(b).map(([p, v]) => [formatConfigPath(p), v]));
  const out: ConfigDifference[] = [];
  for (const [path, va] of la) {
    if (!lb.has(path)) out.push({ path, kind: 'removed', a: va });
    else if (JSON.stringify(ra.get(path)) !== JSON.stringify(rb.get(path)))
      out.push({ path, kind: 'changed', a: va, b: lb.get(path) });
  }
  for (const [path, vb] of lb) if (!la.has(path)) out.push({ path, kind: 'added', b: vb });
  return out;
}
