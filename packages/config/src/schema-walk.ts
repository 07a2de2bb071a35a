import { isPlainObject, type ConfigPath } from './config-path.js';

/** The plain JSON Schema view of a TypeBox schema node (only the keywords this package reads). */
export interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  'x-reason'?: string;
  'x-secret'?: boolean;
}

export function asNode(schema: unknown): SchemaNode {
  return schema as SchemaNode;
}

/** The schema that governs a path, or undefined when the path names no setting. */
export function schemaAtPath(root: SchemaNode, path: ConfigPath): SchemaNode | undefined {
  let cur: SchemaNode | undefined = root;
  for (const seg of path) {
    if (!cur) return undefined;
    if (typeof seg === 'number') cur = cur.type === 'array' ? cur.items : undefined;
    else cur = cur.type === 'object' ? cur.properties?.[seg] : undefined;
  }
  return cur;
}

/**
 * Resolves loosely spelled segments (environment variable parts such as `MAX_MESSAGE_BYTES`) to the
 * schema's property names (`maxMessageBytes`): case and underscores are ignored.
 */
export function resolveLoosePath(
  root: SchemaNode,
  parts: readonly string[],
): { ok: true; path: (string | number)[] } | { ok: false; at: number } {
  const path: (string | number)[] = [];
  let cur: SchemaNode | undefined = root;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (!cur) return { ok: false, at: i };
    if (cur.type === 'array' && /^\d+$/.test(part)) {
      path.push(Number(part));
      cur = cur.items;
      continue;
    }
    if (cur.type !== 'object' || !cur.properties) return { ok: false, at: i };
    const want = part.replace(/_/g, '').toLowerCase();
    const key = Object.keys(cur.properties).find((k) => k.toLowerCase() === want);
    if (key === undefined) return { ok: false, at: i };
    path.push(key);
    cur = cur.properties[key];
  }
  return { ok: true, path };
}

/** True when the value at this path (or anything below it) is marked secret in the schema. */
export function isSecretPath(root: SchemaNode, path: ConfigPath): boolean {
  return schemaAtPath(root, path)?.['x-secret'] === true;
}

/** Replaces secret values by a mask, for display and logging. */
export function maskSecrets(root: SchemaNode, doc: unknown, path: (string | number)[] = []): unknown {
  if (path.length > 0 && isSecretPath(root, path) && doc !== undefined) return '********';
  if (Array.isArray(doc)) return doc.map((x, i) => maskSecrets(root, x, [...path, i]));
  if (isPlainObject(doc)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(doc)) out[k] = maskSecrets(root, v, [...path, k]);
    return out;
  }
  return doc;
}
