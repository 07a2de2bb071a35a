/**
 * Versioned schema migrations shared by the SQLite and PostgreSQL back-ends.
 *
 * A migration list is an ordered array of `{ version, name, up }`; versions are positive integers,
 * strictly increasing. Applied migrations are recorded in a `schema_migrations` table
 * (version, name, applied_at). Running the list again applies only what is missing; a database that
 * already holds a version this code does not know (a newer build wrote it) or whose recorded name differs
 * is refused rather than guessed at.
 */

export interface Migration<Ctx> {
  readonly version: number;
  readonly name: string;
  /** SQL text (may hold several statements) or a function run inside the migration's transaction. */
  readonly up: string | ((ctx: Ctx) => void | Promise<void>);
}

export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
  readonly appliedAt: number;
}

export type MigrationErrorCode =
  'invalid-list' | 'unknown-applied' | 'name-mismatch' | 'out-of-order' | 'failed';

export interface MigrationError {
  readonly code: MigrationErrorCode;
  readonly message: string;
  readonly version?: number;
}

export type MigrationOutcome =
  | { readonly ok: true; readonly applied: readonly number[]; readonly current: number }
  | { readonly ok: false; readonly error: MigrationError };

export type MigrationPlan<M> =
  | { readonly ok: true; readonly pending: readonly M[]; readonly current: number }
  | { readonly ok: false; readonly error: MigrationError };

/** The SQL both back-ends use for the bookkeeping table (portable subset). */
export const SCHEMA_MIGRATIONS_DDL =
  'CREATE TABLE IF NOT EXISTS schema_migrations (' +
  'version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)';

/**
 * Decides which migrations to run given what the database says is applied. Pure: no I/O.
 */
export function planMigrations<M extends { version: number; name: string }>(
  migrations: readonly M[],
  applied: readonly { version: number; name: string }[],
): MigrationPlan<M> {
  let prev = 0;
  const known = new Map<number, M>();
  for (const m of migrations) {
    if (!Number.isSafeInteger(m.version) || m.version <= prev) {
      return {
        ok: false,
        error: {
          code: 'invalid-list',
          message: `migration versions must be positive integers in strictly increasing order (got ${m.version} after ${prev})`,
          version: m.version,
        },
      };
    }
    prev = m.version;
    known.set(m.version, m);
  }
  let current = 0;
  for (const a of applied) {
    const m = known.get(a.version);
    if (!m) {
      return {
        ok: false,
        error: {
          code: 'unknown-applied',
          message: `database has migration ${a.version} (${a.name}) which this build does not know; refusing to run on a newer schema`,
          version: a.version,
        },
      };
    }
    if (m.name !== a.name) {
      return {
        ok: false,
        error: {
          code: 'name-mismatch',
          message: `migration ${a.version} is recorded as '${a.name}' but this build calls it '${m.name}'`,
          version: a.version,
        },
      };
    }
    if (a.version > current) current = a.version;
  }
  const appliedSet = new Set(applied.map((a) => a.version));
  const pending: M[] = [];
  for (const m of migrations) {
    if (appliedSet.has(m.version)) continue;
    if (m.version < current) {
      return {
        ok: false,
        error: {
          code: 'out-of-order',
          message: `migration ${m.version} (${m.name}) is missing but ${current} is already applied`,
          version: m.version,
        },
      };
    }
    pending.push(m);
  }
  return { ok: true, pending, current };
}
