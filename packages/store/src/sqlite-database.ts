import Database from 'better-sqlite3';
import type { EventLoopUtilizationReader, Logger } from '@beckon/ops';
import {
  planMigrations,
  SCHEMA_MIGRATIONS_DDL,
  type AppliedMigration,
  type Migration,
  type MigrationOutcome,
} from './migration.js';
import { SqliteWriter, type SqliteWrite } from './sqlite-writer.js';

/**
 * SQLite `synchronous` levels (https://www.sqlite.org/pragma.html#pragma_synchronous).
 *
 * Durability with `journal_mode=WAL`:
 * - `normal` (the default here): a commit appends the transaction's pages to the WAL file with write(2)
 *   but does not fsync it; the WAL is fsynced only at checkpoints. Once `COMMIT` returns, the data is in
 *   the operating system's page cache, so it survives the process dying in any way (kill -9, crash, OOM
 *   kill): the next open replays the WAL. It does NOT survive power loss or a kernel crash: the last
 *   transactions before the failure may roll back (the database stays consistent, never corrupt).
 *   This meets the registrar's rule "an acknowledged REGISTER survives kill -9" at a fraction of the cost
 *   of an fsync per commit, and phones re-register anyway after a power cut of the server.
 * - `full`: the WAL is fsynced at every commit, so an acknowledged write also survives power loss, at
 *   the cost of one fsync per group commit (group commit amortises it over the batch).
 * - `extra`: like full, plus fsync of the directory after a rollback-journal unlink (only matters
 *   outside WAL mode).
 * - `off`: no ordering guarantees at all; only for throwaway databases.
 */
export type SqliteSynchronous = 'off' | 'normal' | 'full' | 'extra';

export interface SqliteDatabaseInit {
  /** File path, or ':memory:' for a private in-memory database (tests). */
  readonly path: string;
  /** See {@link SqliteSynchronous}. Default 'normal' (durable against process crash, not power loss). */
  readonly synchronous?: SqliteSynchronous;
  /** Use WAL journaling (default true). Without WAL every commit rewrites the rollback journal. */
  readonly wal?: boolean;
  /** How long a writer waits for a lock held by another connection, ms (default 5000). */
  readonly busyTimeoutMs?: number;
  /** WAL pages after which SQLite checkpoints automatically (default SQLite's 1000). */
  readonly walAutocheckpointPages?: number;
  /** Upper bound on cached prepared statements (default 256). */
  readonly statementCacheSize?: number;
}

export interface SqliteDatabaseComponents {
  readonly log?: Logger;
}

export type SqliteMigration = Migration<SqliteDatabase>;
export type SqliteParams = readonly unknown[] | Record<string, unknown>;

/**
 * A single better-sqlite3 connection with WAL, a prepared-statement cache and the shared migration
 * runner. better-sqlite3 is synchronous: every call blocks the event loop for its duration, which is
 * a few microseconds for indexed single-row statements. Use {@link GroupCommit} to batch writes.
 */
export class SqliteDatabase {
  readonly raw: Database.Database;
  readonly path: string;
  readonly synchronous: SqliteSynchronous;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly cacheSize: number;
  private readonly log: Logger | undefined;
  private readonly busyTimeoutMs: number;
  private readonly walAutocheckpointPages: number | undefined;
  private writer: SqliteWriter | undefined;

  constructor(components: SqliteDatabaseComponents, init: SqliteDatabaseInit) {
    this.log = components.log?.child({ component: 'store.sqlite' });
    this.path = init.path;
    this.synchronous = init.synchronous ?? 'normal';
    this.cacheSize = init.statementCacheSize ?? 256;
    this.busyTimeoutMs = Math.max(0, Math.floor(init.busyTimeoutMs ?? 5000));
    this.walAutocheckpointPages =
      init.walAutocheckpointPages === undefined
        ? undefined
        : Math.max(0, Math.floor(init.walAutocheckpointPages));
    this.raw = new Database(init.path);
    this.raw.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
    if (init.wal ?? true) this.raw.pragma('journal_mode = WAL');
    this.raw.pragma(`synchronous = ${this.synchronous.toUpperCase()}`);
    if (init.walAutocheckpointPages !== undefined)
      this.raw.pragma(`wal_autocheckpoint = ${Math.max(0, Math.floor(init.walAutocheckpointPages))}`);
    this.raw.pragma('foreign_keys = ON');
    this.log?.debug(
      { path: init.path, synchronous: this.synchronous, journal: this.journalMode() },
      'sqlite database opened',
    );
  }

  /** The journal mode SQLite actually uses ('wal', or 'memory' for ':memory:'). */
  journalMode(): string {
    return String(this.raw.pragma('journal_mode', { simple: true }));
  }

  /** A prepared statement for `sql`, prepared once and reused. */
  statement(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      if (this.statements.size >= this.cacheSize) {
        // Drop the oldest entry (Map keeps insertion order): a crude but allocation-free LRU.
        const first = this.statements.keys().next();
        if (!first.done) this.statements.delete(first.value);
      }
      s = this.raw.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  run(sql: string, params: SqliteParams = []): Database.RunResult {
    const s = this.statement(sql);
    return Array.isArray(params) ? s.run(...(params as unknown[])) : s.run(params);
  }

  get<T>(sql: string, params: SqliteParams = []): T | undefined {
    const s = this.statement(sql);
    return (Array.isArray(params) ? s.get(...(params as unknown[])) : s.get(params)) as T | undefined;
  }

  all<T>(sql: string, params: SqliteParams = []): T[] {
    const s = this.statement(sql);
    return (Array.isArray(params) ? s.all(...(params as unknown[])) : s.all(params)) as T[];
  }

  /** Runs SQL text with possibly several statements and no parameters (DDL). */
  exec(sql: string): void {
    this.raw.exec(sql);
  }

  /** Runs `fn` in one transaction (BEGIN IMMEDIATE); nested calls become savepoints. */
  transaction<T>(fn: () => T): T {
    return this.raw.transaction(fn).immediate();
  }

  appliedMigrations(): AppliedMigration[] {
    this.exec(SCHEMA_MIGRATIONS_DDL);
    return this.all<{ version: number; name: string; applied_at: number }>(
      'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
    ).map((r) => ({ version: Number(r.version), name: r.name, appliedAt: Number(r.applied_at) }));
  }

  /** Applies the pending migrations in order, each in its own transaction with its bookkeeping row. */
  migrate(migrations: readonly SqliteMigration[]): MigrationOutcome {
    const plan = planMigrations(migrations, this.appliedMigrations());
    if (!plan.ok) return plan;
    const applied: number[] = [];
    let current = plan.current;
    for (const m of plan.pending) {
      try {
        this.transaction(() => {
          if (typeof m.up === 'string') this.exec(m.up);
          else {
            const r = m.up(this);
            if (r instanceof Promise) throw new Error('SQLite migrations must be synchronous');
          }
          this.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
            m.version,
            m.name,
            Date.now(),
          ]);
        });
      } catch (err) {
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
  }

  /**
   * Moves the writes made through {@link write} to a worker thread with its own connection (see
   * {@link SqliteWriter}), so that commits and checkpoints no longer block the event loop. Only for
   * files (an in-memory database is private to its connection); resolves false when not started.
   * Run migrations first: they stay on this connection.
   */
  async startWriterThread(): Promise<boolean> {
    if (this.writer || this.path === ':memory:' || this.path === '') return this.writer !== undefined;
    this.writer = await SqliteWriter.start(
      { log: this.log },
      {
        path: this.path,
        synchronous: this.synchronous,
        busyTimeoutMs: this.busyTimeoutMs,
        ...(this.walAutocheckpointPages !== undefined
          ? { walAutocheckpointPages: this.walAutocheckpointPages }
          : {}),
      },
    );
    this.log?.info({ path: this.path }, 'sqlite writes moved to a worker thread');
    return true;
  }

  /** The writer thread's event-loop utilisation reader, while writes go through it. */
  get writerLoad(): EventLoopUtilizationReader | undefined {
    const w = this.writer;
    return w === undefined || w.failed ? undefined : (a, b) => w.eventLoopUtilization(a, b);
  }

  /** True while writes go through the worker thread. */
  get writerThread(): boolean {
    return this.writer !== undefined && !this.writer.failed;
  }

  /**
   * Runs the statements in one transaction and resolves with the rows each changed, after the commit.
   * On the writer thread when started (and alive), otherwise on this connection. Rejects, with nothing
   * applied, if a statement fails. Writes made through one database object commit in call order.
   */
  write(ops: readonly SqliteWrite[]): Promise<number[]> {
    const w = this.writer;
    if (w && !w.failed) return w.write(ops);
    try {
      return Promise.resolve(
        this.transaction(() => {
          const changes = new Array<number>(ops.length);
          for (let i = 0; i < ops.length; i++) {
            const op = ops[i] as SqliteWrite;
            changes[i] = this.statement(op.sql).run(...op.params).changes;
          }
          return changes;
        }),
      );
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /**
   * Closes the connection. A writer thread is told to close too (its already posted writes still
   * commit: the worker handles messages in order); use {@link shutdown} to wait for it.
   */
  close(): void {
    void this.shutdown();
  }

  /** Closes the connection and waits until the writer thread, if any, has closed its own. */
  shutdown(): Promise<void> {
    this.statements.clear();
    if (this.raw.open) this.raw.close();
    const w = this.writer;
    this.writer = undefined;
    return w ? w.close() : Promise.resolve();
  }
}
