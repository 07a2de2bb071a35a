import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { BeckonConfigSchema, type BeckonConfig } from './schema/root.js';
import { formatConfigPath } from './config-path.js';
import type { ConfigError } from './config-error.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives either as the function or wrapped.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ??
  (addFormatsModule as unknown as AddFormats);

/**
 * Compiles the configuration schema once per instance. `validate` fills in defaults (mutating the
 * document it is given) and turns ajv's errors into `ConfigError`s that name the setting.
 */
export class ConfigValidator {
  private readonly check: ValidateFunction;

  constructor(schema: object = BeckonConfigSchema) {
    const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: false });
    addFormats(ajv);
    ajv.addKeyword({ keyword: 'x-reason', schemaType: 'string' });
    ajv.addKeyword({ keyword: 'x-secret', schemaType: 'boolean' });
    this.check = ajv.compile(schema);
  }

  validate(doc: unknown): { ok: true; config: BeckonConfig } | { ok: false; errors: ConfigError[] } {
    if (this.check(doc)) return { ok: true, config: doc as BeckonConfig };
    return { ok: false, errors: dedupe((this.check.errors ?? []).map(toConfigError)) };
  }
}

function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function toConfigError(e: ErrorObject): ConfigError {
  const path = pointerToPath(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return {
        path: formatConfigPath([...path, String(p['additionalProperty'])]),
        message: 'unknown setting',
      };
    case 'required':
      return { path: formatConfigPath([...path, String(p['missingProperty'])]), message: 'is required' };
    case 'enum':
      return {
        path: formatConfigPath(path),
        message: `must be one of ${(p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'pattern':
      return { path: formatConfigPath(path), message: `must match the pattern ${String(p['pattern'])}` };
    default:
      return { path: formatConfigPath(path), message: e.message ?? e.keyword };
  }
}

function dedupe(errors: ConfigError[]): ConfigError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const k = `${e.path}\u0000${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
