/** A path into a configuration document: property names and array indexes. */
export type ConfigPath = readonly (string | number)[];

const SEGMENT = /^[A-Za-z_$][\w$-]*$/;

/**
 * Parses `sip.listen.0.port` or `sip.listen[0].port` into segments. Returns undefined for an empty or
 * malformed path (never throws).
 */
export function parseConfigPath(text: string): (string | number)[] | undefined {
  const out: (string | number)[] = [];
  const normalized = text.replace(/\[(\d+)\]/g, '.$1');
  if (normalized === '') return undefined;
  for (const part of normalized.split('.')) {
    if (/^\d+$/.test(part)) out.push(Number(part));
    else if (SEGMENT.test(part)) out.push(part);
    else return undefined;
  }
  return out;
}

/** Formats segments the way error messages show them: `sip.listen[0].port`. */
export function formatConfigPath(path: ConfigPath): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else s += s === '' ? seg : `.${seg}`;
  }
  return s === '' ? '(root)' : s;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value at a path, or undefined. */
export function getAtPath(doc: unknown, path: ConfigPath): unknown {
  let cur: unknown = doc;
  for (const seg of path) {
    if (typeof seg === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[seg];
    } else {
      if (!isPlainObject(cur)) return undefined;
      cur = cur[seg];
    }
  }
  return cur;
}

/**
 * Sets a value at a path, creating objects (or arrays, when the next segment is an index) on the way.
 * Returns an error text when an existing value of the wrong kind is in the way.
 */
export function setAtPath(
  doc: Record<string, unknown>,
  path: ConfigPath,
  value: unknown,
): string | undefined {
  if (path.length === 0) return 'empty path';
  let cur: unknown = doc;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    const nextIsIndex = typeof path[i + 1] === 'number';
    if (typeof seg === 'number') {
      if (!Array.isArray(cur)) return `${formatConfigPath(path.slice(0, i))} is not a list`;
      if (seg > cur.length)
        return `${formatConfigPath(path.slice(0, i + 1))}: index past the end of the list (length ${cur.length})`;
      if (last) cur[seg] = value;
      else {
        if (cur[seg] === undefined || cur[seg] === null) cur[seg] = nextIsIndex ? [] : {};
        cur = cur[seg];
      }
    } else {
      if (!isPlainObject(cur)) return `${formatConfigPath(path.slice(0, i))} is not a mapping`;
      if (last) cur[seg] = value;
      else {
        if (cur[seg] === undefined || cur[seg] === null) cur[seg] = nextIsIndex ? [] : {};
        cur = cur[seg];
      }
    }
  }
  return undefined;
}

/**
 * The leaves of a document with their paths. Scalars, arrays of scalars and empty containers are leaves;
 * objects and arrays of objects are walked into.
 */
export function flattenLeaves(
  doc: unknown,
  prefix: (string | number)[] = [],
): [(string | number)[], unknown][] {
  const out: [(string | number)[], unknown][] = [];
  const walk = (v: unknown, p: (string | number)[]): void => {
    if (isPlainObject(v)) {
      const keys = Object.keys(v);
      if (keys.length === 0) out.push([p, v]);
      for (const k of keys) walk(v[k], [...p, k]);
    } else if (Array.isArray(v) && v.some((x) => isPlainObject(x) || Array.isArray(x))) {
      v.forEach((x, i) => walk(x, [...p, i]));
    } else out.push([p, v]);
  };
  walk(doc, prefix);
  return out;
}
