import {
  GroupCommit,
  type MigrationOutcome,
  type SqliteDatabase,
  type SqliteMigration,
  type SqliteValue,
  type SqliteWrite,
} from '@beckon/store';
import type { Logger, MetricsRegistry } from '@beckon/ops';
import type { BindingKey, BindingRecord } from './binding.js';
import { decodeBinding, encodeBinding } from './binding-codec.js';
import type { LocationStore, LocationWrite } from './location-store.js';

export const SQLITE_LOCATION_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'location_bindings',
    up: `
      CREATE TABLE location_bindings (
        aor TEXT NOT NULL,
        contact_key TEXT NOT NULL,
        contact TEXT NOT NULL,
        instrument TEXT,
        expires_at INTEGER NOT NULL,
        user_index INTEGER NOT NULL,
        contact_index INTEGER NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (aor, contact_key)
      ) WITHOUT ROWID;
      CREATE INDEX location_bindings_expires_at ON location_bindings (expires_at);
    `,
  },
  {
    // Rows keyed by contact_index (the rowid) instead of (aor, contact_key). contact_index grows with every
    // new binding, so new rows go to the end of the table's B-tree and one commit of n new bindings
    // rewrites about n/5 pages; under the random (aor, contact_key) key each of them landed on a page of
    // its own, and the WAL took ~2.8 KB per REGISTER (measured at 100,000 registrations), which every
    // checkpoint then copied and fsynced again. Nothing looks rows up by AOR: the location service keeps
    // every binding in memory and hands the contactIndex of what it removes.
    version: 2,
    name: 'location_bindings_by_contact_index',
    up: `
      CREATE TABLE location_bindings_v2 (
        contact_index INTEGER PRIMARY KEY,
        aor TEXT NOT NULL,
        contact_key TEXT NOT NULL,
        contact TEXT NOT NULL,
        instrument TEXT,
        expires_at INTEGER NOT NULL,
        user_index INTEGER NOT NULL,
        data TEXT NOT NULL
      );
      INSERT OR REPLACE INTO location_bindings_v2
        (contact_index, aor, contact_key, contact, instrument, expires_at, user_index, data)
        SELECT contact_index, aor, contact_key, contact, instrument, expires_at, user_index, data
        FROM location_bindings ORDER BY contact_index;
      DROP TABLE location_bindings;
      ALTER TABLE location_bindings_v2 RENAME TO location_bindings;
      CREATE INDEX location_bindings_expires_at ON location_bindings (expires_at);
    `,
  },
  {
    // Rows hold only what SQLite itself reads: the key, the load order, the expiry, and the record. The
    // AOR, contact key, contact and instrument columns repeated what `data` holds (nothing queried them:
    // the location service keeps every binding in memory), and the expires_at index was there for the
    // expiry sweep, which now deletes the expired bindings by contact_index. Every REGISTER that changes a
    // binding wrote all of it: measured on 200,000 new bindings in batches of 500, 3.4-3.7 µs of CPU per
    // row before, 1.4-1.6 µs after.
    version: 3,
    name: 'location_bindings_slim',
    up: `
      CREATE TABLE location_bindings_v3 (
        contact_index INTEGER PRIMARY KEY,
        user_index INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        data TEXT NOT NULL
      );
      INSERT INTO location_bindings_v3 (contact_index, user_index, expires_at, data)
        SELECT contact_index, user_index, expires_at, data FROM location_bindings ORDER BY contact_index;
      DROP TABLE location_bindings;
      ALTER TABLE location_bindings_v3 RENAME TO location_bindings;
    `,
  },
];

export interface SqliteLocationStoreComponents {
  /** Opened by the caller (who chooses path and synchronous level) and closed by the caller. */
  readonly db: SqliteDatabase;
  readonly log?: Logger;
  readonly metrics?: MetricsRegistry;
}

export interface SqliteLocationStoreInit {
  /** Group-commit gathering delay in ms (0 = same event-loop turn; default 0). */
  readonly maxDelayMs?: number;
  /** Largest transaction (default 2000 writes). */
  readonly maxBatch?: number;
}

interface Job {
  readonly change: LocationWrite;
  removed: number;
}

/**
 * Upserts of n rows in one statement, for the n of UPSERT_ROWS: a commit's new bindings go in as few
 * statements as the sizes allow (one statement's fixed cost, its bind, step, reset and halt, is paid per
 * statement, not per row). The sizes are few so that few statements are prepared and cached.
 */
const UPSERT_ROWS = [64, 16, 4, 1] as const;
const UPSERT = new Map<number, string>(
  UPSERT_ROWS.map((n) => [
    n,
    'INSERT OR REPLACE INTO location_bindings (contact_index, user_index, expires_at, data) VALUES ' +
      Array.from({ length: n }, () => '(?, ?, ?, ?)').join(', '),
  ]),
);
const DELETE = 'DELETE FROM location_bindings WHERE contact_index = ?';
/** The sweep of every expired row (a table scan: at start-up, and when no candidates are named). */
const EXPIRE = 'DELETE FROM location_bindings WHERE expires_at <= ?';
/** One named candidate, deleted only if still expired (a refresh committed meanwhile keeps it). */
const EXPIRE_ONE = 'DELETE FROM location_bindings WHERE contact_index = ? AND expires_at <= ?';

/** Appends the upserts of `values` (four per row, in order) as statements of UPSERT_ROWS rows. */
function pushUpserts(ops: SqliteWrite[], values: readonly SqliteValue[]): void {
  let at = 0;
  for (const n of UPSERT_ROWS)
    for (; values.length - at >= n * 4; at += n * 4)
      ops.push({ sql: UPSERT.get(n) as string, params: values.slice(at, at + n * 4) });
}

/** The default location store: SQLite through better-sqlite3, writes group-committed. */
export class SqliteLocationStore implements LocationStore {
  private readonly db: SqliteDatabase;
  private readonly gc: GroupCommit<Job>;

  private constructor(components: SqliteLocationStoreComponents, init: SqliteLocationStoreInit) {
    this.db = components.db;
    this.gc = new GroupCommit<Job>(
      { log: components.log, metrics: components.metrics },
      {
        name: 'location.sqlite',
        maxDelayMs: init.maxDelayMs ?? 0,
        maxBatch: init.maxBatch ?? 2000,
        // One transaction per batch, on the database's writer thread when it has one (see SqliteWriter).
        commit: async (batch) => {
          const ops: SqliteWrite[] = [];
          const expireFrom: number[] = [];
          const expireTo: number[] = [];
          // A run of upserts with no other write between them goes in as multi-row statements (rows of
          // one run are written in order, so a later upsert of the same binding still replaces the
          // earlier); any other write ends the run, so that every write keeps its place.
          let run: SqliteValue[] = [];
          const endRun = (): void => {
            if (run.length > 0) pushUpserts(ops, run);
            run = [];
          };
          for (let j = 0; j < batch.length; j++) {
            const c = (batch[j] as Job).change;
            if (c.upsert)
              for (const b of c.upsert) run.push(b.contactIndex, b.userIndex, b.expiresAt, encodeBinding(b));
            if (c.remove) {
              endRun();
              for (const k of c.remove) ops.push({ sql: DELETE, params: [k.contactIndex] });
            }
            if (c.expireUpTo !== undefined) {
              endRun();
              expireFrom[j] = ops.length;
              if (c.expireCandidates === undefined) ops.push({ sql: EXPIRE, params: [c.expireUpTo] });
              else
                for (const k of c.expireCandidates)
                  ops.push({ sql: EXPIRE_ONE, params: [k.contactIndex, c.expireUpTo] });
              expireTo[j] = ops.length;
            }
          }
          endRun();
          const changes = await this.db.write(ops);
          for (let j = 0; j < batch.length; j++) {
            const from = expireFrom[j];
            if (from === undefined) continue;
            let removed = 0;
            for (let i = from; i < (expireTo[j] as number); i++) removed += changes[i] ?? 0;
            (batch[j] as Job).removed = removed;
          }
        },
      },
    );
  }

  /** Migrates the schema and returns the store, or the migration error as a value. */
  static open(
    components: SqliteLocationStoreComponents,
    init: SqliteLocationStoreInit = {},
  ): { ok: true; store: SqliteLocationStore } | Extract<MigrationOutcome, { ok: false }> {
    const m = components.db.migrate(SQLITE_LOCATION_MIGRATIONS);
    if (!m.ok) return m;
    return { ok: true, store: new SqliteLocationStore(components, init) };
  }

  write(change: LocationWrite): Promise<void> {
    return this.gc.submit({ change, removed: 0 });
  }

  upsert(bindings: readonly BindingRecord[]): Promise<void> {
    return this.write({ upsert: bindings });
  }

  remove(keys: readonly BindingKey[]): Promise<void> {
    return this.write({ remove: keys });
  }

  async removeExpired(now: number, candidates?: readonly BindingKey[]): Promise<number> {
    const change: LocationWrite =
      candidates === undefined ? { expireUpTo: now } : { expireUpTo: now, expireCandidates: candidates };
    const job: Job = { change, removed: 0 };
    await this.gc.submit(job);
    return job.removed;
  }

  async loadAll(): Promise<BindingRecord[]> {
    await this.gc.flush();
    const out: BindingRecord[] = [];
    for (const row of this.db
      .statement('SELECT data FROM location_bindings ORDER BY user_index, contact_index')
      .iterate() as IterableIterator<{ data: string }>) {
      const b = decodeBinding(row.data);
      if (b) out.push(b);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.gc.close();
  }
}
