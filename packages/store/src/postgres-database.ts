import pg from 'pg';
import type { PoolClient, PoolConfig, QueryResult, QueryResultRow } from 'pg';
import type { Logger } from '@beckon/ops';
import {
  planMigrations,
  SCHEMA_MIGRATIONS_DDL,
  type AppliedMigration,
  type Migration,
  type MigrationOutcome,
} from './migration.js';

export interface PostgresDatabaseInit {
  /** postgres://user:pass@host:port/db; individual fields below override it. */
  readonly connectionString?: string;
  readonly host?: string;
  readonly port?: number;
  readonly user?: string;
  readonly password?: string;
  readonly database?: string;
  /** Pool size (default 4). Group commit needs one connection; reads may use the others. */
  readonly maxConnections?: number;
  /** Schema to create (if missing) and put first on the search_path of every connection. */
  readonly schema?: string;
  readonly applicationName?: string;
  readonly connectTimeoutMs?: number;
}

export interface PostgresDatabaseComponents {
  readonly log?: Logger;
}

export type PostgresMigration = Migration<PoolClient>;

/** Arbitrary constant key for the session advisory lock that serialises concurrent migrators. */
const MIGRATION_LOCK_KEY = 0x6265636b; // 'beck'

/** Quotes an identifier for PostgreSQL ("a""b"). */
export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/**
 * A `pg` Pool with the shared migration runner. Statements given a `name` are prepared once per
 * connection by the server and reused (pg's named prepared statements).
 *
 * Durability: PostgreSQL's default `synchronous_commit=on` flushes the WAL before COMMIT returns, so a
 * resolved write survives both process crash and power loss (on honest storage).
 */
export class PostgresDatabase {
  readonly pool: pg.Pool;
  readonly schema: string | undefined;
  private readonly log: Logger | undefined;
  private closed = false;

  constructor(components: PostgresDatabaseComponents, init: PostgresDatabaseInit) {
    this.log = components.log?.child({ component: 'store.postgres' });
    this.schema = init.schema;
    const cfg: PoolConfig = {
      max: init.maxConnections ?? 4,
      application_name: init.applicationName ?? 'beckon',
      connectionTimeoutMillis: init.connectTimeoutMs ?? 10_000,
    };
    if (init.connectionString !== undefined) cfg.connectionString = init.connectionString;
    if (init.host !== undefined) cfg.host = init.host;
    if (init.port !== undefined) cfg.port = init.port;
    if (init.user !== undefined) cfg.user = init.user;
    if (init.password !== undefined) cfg.password = init.password;
    if (init.database !== undefined) cfg.database = init.database;
    if (init.schema !== undefined) cfg.options = `-c search_path=${quoteIdent(init.schema)},public`;
    this.pool = new pg.Pool(cfg);
    // An idle client losing its connection emits 'error' on the pool; unhandled it would crash the process.
    this.pool.on('error', (err) => this.log?.warn({ err }, 'idle postgres connection failed'));
  }

  query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    values: readonly unknown[] = [],
    name?: string,
  ): Promise<QueryResult<R>> {
    return this.pool.query<R>(
      name ? { name, text, values: values as unknown[] } : { text, values: values as unknown[] },
    );
  }

  /** Runs `fn` inside BEGIN/COMMIT on one pooled connection; ROLLBACK and rethrow on error. */
  async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        this.log?.warn({ err: rollbackErr }, 'rollback failed');
      }
      throw err;
    } finally {
      client.release();
    }
  }

  private async ensureSchema(client: PoolClient): Promise<void> {
    if (this.schema !== undefined)
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.schema)}`);
    await client.query(SCHEMA_MIGRATIONS_DDL);
  }

  async appliedMigrations(): Promise<AppliedMigration[]> {
    const client = await this.pool.connect();
    try {
      await this.ensureSchema(client);
      return await readApplied(client);
    } finally {
      client.release();
    }
  }

  /**
   * Applies the pending migrations in order, each in its own transaction with its bookkeeping row.
   * A session advisory lock makes concurrent starters (several station processes) take turns.
   */
  async migrate(migrations: readonly PostgresMigration[]): Promise<MigrationOutcome> {
    const client = await this.pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      try {
        await this.ensureSchema(client);
        const plan = planMigrations(migrations, await readApplied(client));
        if (!plan.ok) return plan;
        const applied: number[] = [];
        let current = plan.current;
        for (const m of plan.pending) {
          try {
            await client.query('BEGIN');
            if (typeof m.up === 'string') await client.query(m.up);
            else await m.up(client);
            await client.query(
              'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
              [m.version, m.name, Date.now()],
            );
            await client.query('COMMIT');
          } catch (err) {
            await client.query('ROLLBACK').catch(() => undefined);
            this.log?.error({ err, version: m.version, name: m.name }, 'migration failed');
            return {
              ok: false,
              error: {
                code: 'failed',
                message: `migration ${m.version} (${m.name}) failed: ${String(err)}`,
                version: m.version,
              },
            };
          }
          applied.push(m.version);
          current = m.version;
          this.log?.info({ version: m.version, name: m.name }, 'migration applied');
        }
        return { ok: true, applied, current };
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      }
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

async function readApplied(client: PoolClient): Promise<AppliedMigration[]> {
  const r = await client.query<{ version: number; name: string; applied_at: string }>(
    'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
  );
  return r.rows.map((x) => ({ version: Number(x.version), name: x.name, appliedAt: Number(x.applied_at) }));
}
