import { GroupCommit, type SqliteDatabase, type SqliteWrite } from '@beckon/store';
import type { Logger, MetricsRegistry } from '@beckon/ops';
import type { SubscriptionRecord, SubscriptionStore } from '@beckon/sip';

export interface SqliteSubscriptionStoreComponents {
  /** Migrated with MANAGEMENT_SQLITE_MIGRATIONS; opened and closed by the caller. */
  readonly db: SqliteDatabase;
  readonly log?: Logger;
  readonly metrics?: MetricsRegistry;
}

export interface SqliteSubscriptionStoreInit {
  /** Group-commit gathering delay, ms (default 0: same event-loop turn). */
  readonly maxDelayMs?: number;
}

type Job = { kind: 'put'; rec: SubscriptionRecord; insertOnly: boolean } | { kind: 'remove'; id: string };

const INSERT = 'INSERT OR REPLACE INTO event_subscriptions (id, event, expires_at, data) VALUES (?, ?, ?, ?)';
// The event of a subscription never changes: an update rewrites expiry and record only.
const UPDATE = 'UPDATE event_subscriptions SET expires_at = ?, data = ? WHERE id = ?';
const DELETE = 'DELETE FROM event_subscriptions WHERE id = ?';

/**
 * The notifier's {@link SubscriptionStore} on SQLite: one row per subscription, the record as JSON.
 * Writes are group-committed; `save` and `update` resolve after their transaction committed, so a
 * SUBSCRIBE answered 2xx survives kill -9 (WAL, synchronous=normal: see SqliteDatabase).
 */
export class SqliteSubscriptionStore implements SubscriptionStore {
  private readonly db: SqliteDatabase;
  private readonly gc: GroupCommit<Job>;

  constructor(components: SqliteSubscriptionStoreComponents, init: SqliteSubscriptionStoreInit = {}) {
    this.db = components.db;
    this.gc = new GroupCommit<Job>(
      { log: components.log, metrics: components.metrics },
      {
        name: 'subscriptions.sqlite',
        maxDelayMs: init.maxDelayMs ?? 0,
        // One transaction per batch, on the database's writer thread when it has one (see SqliteWriter).
        commit: async (batch) => {
          const ops: SqliteWrite[] = new Array<SqliteWrite>(batch.length);
          for (let i = 0; i < batch.length; i++) {
            const job = batch[i] as Job;
            if (job.kind === 'remove') ops[i] = { sql: DELETE, params: [job.id] };
            else {
              const rec = job.rec;
              // One JSON serialisation per write.
              const data = JSON.stringify(rec);
              ops[i] = job.insertOnly
                ? { sql: INSERT, params: [rec.id, rec.event, rec.expiresAt, data] }
                : { sql: UPDATE, params: [rec.expiresAt, data, rec.id] };
            }
          }
          await this.db.write(ops);
        },
      },
    );
  }

  save(record: SubscriptionRecord): Promise<void> {
    return this.gc.submit({ kind: 'put', rec: record, insertOnly: true });
  }

  /** Updates an existing row only (a late update of a removed subscription does not bring it back). */
  update(record: SubscriptionRecord): Promise<void> {
    return this.gc.submit({ kind: 'put', rec: record, insertOnly: false });
  }

  remove(id: string): Promise<void> {
    return this.gc.submit({ kind: 'remove', id });
  }

  async loadAll(): Promise<Iterable<SubscriptionRecord>> {
    await this.gc.flush();
    const rows = this.db.all<{ data: string }>('SELECT data FROM event_subscriptions');
    const out: SubscriptionRecord[] = [];
    for (const r of rows) {
      try {
        out.push(JSON.parse(r.data) as SubscriptionRecord);
      } catch {
        // A row that is not JSON cannot be restored; it is skipped (and ends when its expiry passes).
      }
    }
    return out;
  }

  /** Rows stored (tests, metrics). */
  count(): number {
    return this.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM event_subscriptions')?.n ?? 0;
  }

  /** Writes what is queued and stops accepting writes. */
  close(): Promise<void> {
    return this.gc.close();
  }
}
