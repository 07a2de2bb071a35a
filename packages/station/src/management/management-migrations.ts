import { SqliteDatabase, type SqliteMigration, type SqliteSynchronous } from '@beckon/store';
import type { Logger } from '@beckon/ops';

/**
 * Schema of the management database: management requests, the audit log, and the notifier's
 * subscriptions (SqliteSubscriptionStore). One list for one database file: `schema_migrations` holds the
 * versions of ONE list, so this list does not share a file with another component's list.
 */
export const MANAGEMENT_SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'mgmt_requests_and_audit_log',
    up: `
      CREATE TABLE mgmt_requests (
        id TEXT PRIMARY KEY,
        target TEXT NOT NULL,
        preferred TEXT,
        strict INTEGER NOT NULL,
        requested_by TEXT,
        state TEXT NOT NULL,
        device TEXT,
        protocol TEXT,
        group_id TEXT,
        subscription_id TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        deadline_at INTEGER NOT NULL,
        notified_at INTEGER,
        detail TEXT
      ) WITHOUT ROWID;
      CREATE INDEX mgmt_requests_open ON mgmt_requests (state) WHERE state IN ('queued', 'notified', 'session-open');
      CREATE INDEX mgmt_requests_device ON mgmt_requests (device, notified_at);
      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        actor TEXT,
        subject TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT
      );
      CREATE INDEX audit_log_subject ON audit_log (subject, seq);
    `,
  },
  {
    version: 2,
    name: 'event_subscriptions',
    up: `
      CREATE TABLE event_subscriptions (
        id TEXT PRIMARY KEY,
        event TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        data TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX event_subscriptions_expires_at ON event_subscriptions (expires_at);
    `,
  },
  {
    // Nothing queries subscriptions by expiry (the notifier keeps its own expiry queue and ends expired
    // restored subscriptions itself): the index only cost a second B-tree write per subscription.
    version: 3,
    name: 'drop_event_subscriptions_expires_at_index',
    up: `DROP INDEX IF EXISTS event_subscriptions_expires_at;`,
  },
];

export type OpenManagementDatabase = { ok: true; db: SqliteDatabase } | { ok: false; error: string };

/** Opens (creating when needed) and migrates the management database. */
export function openManagementDatabase(
  path: string,
  opts: { log?: Logger; synchronous?: SqliteSynchronous } = {},
): OpenManagementDatabase {
  const db = new SqliteDatabase(opts.log ? { log: opts.log } : {}, {
    path,
    ...(opts.synchronous ? { synchronous: opts.synchronous } : {}),
  });
  const m = db.migrate(MANAGEMENT_SQLITE_MIGRATIONS);
  if (!m.ok) {
    db.close();
    return { ok: false, error: m.error.message };
  }
  return { ok: true, db };
}
