import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { BeckonConfigSchema, type BeckonConfig } from './schema/root.js';
import { ConfigValidator } from './config-validator.js';
import { runConfigChecks } from './config-checks.js';
import type { ConfigError } from './config-error.js';
import {
  flattenLeaves,
  formatConfigPath,
  isPlainObject,
  parseConfigPath,
  setAtPath,
  type ConfigPath,
} from './config-path.js';
import { asNode, resolveLoosePath, schemaAtPath, type SchemaNode } from './schema-walk.js';

/** Where an effective value came from, lowest precedence first. */
export type ConfigSource = 'default' | 'file' | 'env' | 'cli';
const RANK: Record<ConfigSource, number> = { default: 0, file: 1, env: 2, cli: 3 };

export interface LoadConfigOptions {
  /** YAML file; absent = defaults only. */
  file?: string | undefined;
  /** `--set` overrides, `path=value` with the value parsed as YAML (`sip.listen.0.port=5070`). */
  sets?: readonly string[] | undefined;
  /** Environment to read `BECKON_<SECTION>__<KEY>` variables from (pass `process.env` explicitly). */
  env?: NodeJS.ProcessEnv | undefined;
  /** Reuse a compiled validator (compiling costs a few milliseconds). */
  validator?: ConfigValidator | undefined;
}

export type LoadConfigResult =
  | {
      ok: true;
      config: BeckonConfig;
      /** Source of every leaf (keys formatted like `sip.listen[0].port`). */
      sources: Map<string, ConfigSource>;
    }
  | { ok: false; errors: ConfigError[] };

export const ENV_PREFIX = 'BECKON_';

/**
 * Builds the effective configuration: defaults < file < environment < --set, then validates it once
 * against the schema (filling defaults) and the cross-field checks. Never throws on bad input.
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadConfigResult {
  const schema = asNode(BeckonConfigSchema);
  const validator = options.validator ?? new ConfigValidator();
  const errors: ConfigError[] = [];
  const marks = new SourceMarks();

  const base: Record<string, unknown> = {};
  const defaults = validator.validate(base);
  if (!defaults.ok) return defaults; // the schema's own defaults are invalid: a bug, reported as errors
  let doc: Record<string, unknown> = structuredClone(base);

  if (options.file !== undefined) {
    const file = readYamlFile(options.file);
    if (!file.ok) return { ok: false, errors: [file.error] };
    doc = deepMerge(doc, file.value);
    for (const [path] of flattenLeaves(file.value)) if (path.length > 0) marks.set(path, 'file');
  }

  const overrides: { label: string; path: (string | number)[]; raw: string; source: ConfigSource }[] = [];
  if (options.env) {
    for (const name of Object.keys(options.env).sort()) {
      if (!name.startsWith(ENV_PREFIX)) continue;
      const raw = options.env[name];
      if (raw === undefined) continue;
      const parts = name.slice(ENV_PREFIX.length).split('__');
      const section = resolveLoosePath(schema, parts.slice(0, 1));
      if (!section.ok) continue; // not a configuration variable (BECKON_SOMETHING_ELSE)
      const resolved = resolveLoosePath(schema, parts);
      if (!resolved.ok) {
        errors.push({
          path: `env ${name}`,
          message: `no such setting (${parts.slice(0, resolved.at + 1).join('__')})`,
        });
        continue;
      }
      overrides.push({ label: `env ${name}`, path: resolved.path, raw, source: 'env' });
    }
  }
  for (const set of options.sets ?? []) {
    const eq = set.indexOf('=');
    const path = eq > 0 ? parseConfigPath(set.slice(0, eq)) : undefined;
    if (!path) {
      errors.push({
        path: `--set ${set}`,
        message: 'expected path=value, for example sip.domain=example.com',
      });
      continue;
    }
    if (!schemaAtPath(schema, path)) {
      errors.push({ path: formatConfigPath(path), message: 'unknown setting (--set)' });
      continue;
    }
    overrides.push({ label: '--set', path, raw: set.slice(eq + 1), source: 'cli' });
  }
  for (const o of overrides) {
    const value = parseOverrideValue(o.raw, schemaAtPath(schema, o.path));
    const problem = setAtPath(doc, o.path, value);
    if (problem) {
      errors.push({ path: formatConfigPath(o.path), message: `${problem} (${o.label})` });
      continue;
    }
    marks.clearBelow(o.path);
    for (const [path] of flattenLeaves(value, [...o.path])) marks.set(path, o.source);
  }
  if (errors.length > 0) return { ok: false, errors };

  const validated = validator.validate(doc);
  if (!validated.ok) return validated;
  const checkErrors = runConfigChecks(validated.config);
  if (checkErrors.length > 0) return { ok: false, errors: checkErrors };

  const sources = new Map<string, ConfigSource>();
  for (const [path, value] of flattenLeaves(validated.config))
    sources.set(formatConfigPath(path), marks.sourceOf(path, Array.isArray(value)));
  return { ok: true, config: validated.config, sources };
}

/** The configuration with nothing but defaults (for tests and embedded use). */
export function defaultConfig(): BeckonConfig {
  const r = loadConfig();
  if (!r.ok) throw new Error(`configuration schema defaults are invalid: ${JSON.stringify(r.errors)}`);
  return r.config;
}

function readYamlFile(
  file: string,
): { ok: true; value: Record<string, unknown> } | { ok: false; error: ConfigError } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    return { ok: false, error: { path: file, message: `cannot read the file (${code})` } };
  }
  let value: unknown;
  try {
    value = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (e) {
    const msg = e instanceof YAMLParseError ? e.message.split('\n')[0]! : String(e);
    return { ok: false, error: { path: file, message: `not valid YAML: ${msg}` } };
  }
  if (value === null || value === undefined) return { ok: true, value: {} };
  if (!isPlainObject(value))
    return { ok: false, error: { path: '(root)', message: `must be a mapping (in ${file})` } };
  return { ok: true, value };
}

/**
 * Values from the environment and --set are YAML (so lists and numbers can be written); where the
 * schema wants a string, the text is taken as it is (`sip.domain=123` stays "123").
 */
function parseOverrideValue(raw: string, schema: SchemaNode | undefined): unknown {
  if (schema?.type === 'string') return raw;
  try {
    return parseYaml(raw);
  } catch {
    return raw;
  }
}

/** Objects merge key by key; anything else (lists included) is replaced. */
function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? deepMerge(b, v) : structuredClone(v);
  }
  return out;
}

/** Which layer last set each path. */
class SourceMarks {
  private readonly marks = new Map<string, { path: ConfigPath; source: ConfigSource }>();

  set(path: ConfigPath, source: ConfigSource): void {
    this.marks.set(formatConfigPath(path), { path, source });
  }

  clearBelow(path: ConfigPath): void {
    for (const [k, m] of this.marks) if (isPrefix(path, m.path)) this.marks.delete(k);
  }

  /** The highest layer that set this leaf or one of its ancestors (or, for a list leaf, an item of it). */
  sourceOf(path: ConfigPath, isList: boolean): ConfigSource {
    let best: ConfigSource = 'default';
    for (let n = path.length; n >= 0; n--) {
      const m = this.marks.get(formatConfigPath(path.slice(0, n)));
      if (m && RANK[m.source] > RANK[best]) best = m.source;
    }
    if (isList)
      for (const m of this.marks.values())
        if (isPrefix(path, m.path) && RANK[m.source] > RANK[best]) best = m.source;
    return best;
  }
}

function isPrefix(prefix: ConfigPath, path: ConfigPath): boolean {
  if (prefix.length > path.length) return false;
  return prefix.every((seg, i) => seg === path[i]);
}
