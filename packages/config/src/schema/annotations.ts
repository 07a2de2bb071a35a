import { Type, type TInteger, type TString, type TUnsafe, type SchemaOptions } from '@sinclair/typebox';

/**
 * Every setting carries a description (what it does) and a reason (why the default is what it is).
 * The documentation generator and the schema tests read these keywords; ajv treats them as annotations.
 */
export interface Documented extends SchemaOptions {
  description: string;
  'x-reason': string;
  /** Secrets are masked in `beckon config show`/`diff` and never logged. */
  'x-secret'?: boolean;
}

/** A string restricted to a fixed list, as a plain JSON Schema `enum` (clearer errors than a union of literals). */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: Documented & { default?: T[number] },
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });
}

/** A TCP/UDP port; 0 asks the operating system for a free one (useful for tests). */
export function Port(options: Documented & { default: number }): TInteger {
  return Type.Integer({ minimum: 0, maximum: 65535, ...options });
}

/** A host name or IP address to bind or connect to. */
export function Host(options: Documented & { default?: string }): TString {
  return Type.String({ minLength: 1, maxLength: 253, ...options });
}
