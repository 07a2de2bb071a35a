import {
  GroupCommit,
  type MigrationOutcome,
  type PostgresDatabase,
  type PostgresMigration,
} from '@beckon/store';
import type { Logger, MetricsRegistry } from '@beckon/ops';
import type { PoolClient } from 'pg';
import type { BindingKey, BindingRecord } from './binding.js';
import { decodeBinding, encodeBinding } from './binding-codec.js';
import type { LocationStore, LocationWrite } from './location-store.js';

export const POSTGRES_LOCATION_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'location_bindings',
    up: `
      CREATE TABLE location_bindings (
        aor TEXT NOT NULL,
        contact_key TEXT NOT NULL,
        contact TEXT NOT NULL,
        instrument TEXT,
        expires_at BIGINT NOT NULL,
        user_index BIGINT NOT NULL,
        contact_index BIGINT NOT NULL,
        data JSONB NOT NULL,
        PRIMARY KEY (aor, contact_key)
      );
      CREATE INDEX location_bindings_expires_at ON location_bindings (expires_at);
    `,
  },
];

export interface PostgresLocationStoreComponents {
  /** Opened and closed by the caller. */
  readonly db: PostgresDatabase;
  readonly log?: Logger;
  readonly metrics?: MetricsRegistry;
}

export interface PostgresLocationStoreInit {
  readonly maxDelayMs?: number;
  readonly maxBatch?: number;
}

interface Job {
  readonly change: LocationWrite;
  removed: number;
}

// One statement per batch for all upserts (arrays unnested server-side) and one for all deletions.
const UPSERT = `
  INSERT INTO location_bindings (aor, contact_key, contact, instrument, expires_at, user_index, contact_index, data)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[], $8::jsonb[])
  ON CONFLICT (aor, contact_key) DO UPDATE SET
    contact = EXCLUDED.contact, instrument = EXCLUDED.instrument, expires_at = EXCLUDED.expires_at,
    user_index = EXCLUDED.user_index, contact_index = EXCLUDED.contact_index, data = EXCLUDED.data`;
const DELETE = `
  DELETE FROM location_bindings b USING unnest($1::text[], $2::text[]) AS k(aor, contact_key)
  WHERE b.aor = k.aor AND b.contact_key = k.contact_key`;
const EXPIRE = 'DELETE FROM location_bindings WHERE expires_at <= $1';

/** Location store on PostgreSQL; same behaviour as SqliteLocationStore (one compliance suite). */
export class PostgresLocationStore implements LocationStore {
  private readonly db: PostgresDatabase;
  private readonly gc: GroupCommit<Job>;

  private constructor(components: PostgresLocationStoreComponents, init: PostgresLocationStoreInit) {
    this.db = components.db;
    this.gc = new GroupCommit<Job>(
      { log: components.log, metrics: components.metrics },
      {
        name: 'location.postgres',
        maxDelayMs: init.maxDelayMs ?? 0,
        maxBatch: init.maxBatch ?? 2000,
        commit: (batch) => this.db.transaction((client) => commitBatch(client, batch)),
      },
    );
  }

  static async open(
    components: PostgresLocationStoreComponents,
    init: PostgresLocationStoreInit = {},
  ): Promise<{ ok: true; store: PostgresLocationStore } | Extract<MigrationOutcome, { ok: false }>> {
    const m = await components.db.migrate(POSTGRES_LOCATION_MIGRATIONS);
    if (!m.ok) return m;
    return { ok: true, store: new PostgresLocationStore(components, init) };
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

  async removeExpired(now: number): Promise<number> {
    const job: Job = { change: { expireUpTo: now }, removed: 0 };
    await this.gc.submit(job);
    return job.removed;
  }

  async loadAll(): Promise<BindingRecord[]> {
    await this.gc.flush();
    const r = await this.db.query<{ data: unknown }>(
      'SELECT data FROM location_bindings ORDER BY user_index, contact_index',
    );
    const out: BindingRecord[] = [];
    for (const row of r.rows) {
      const b = decodeBinding(row.data);
      if (b) out.push(b);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.gc.close();
  }
}

/**
 * Coalesces the batch to the final state per (aor, contactKey) — ON CONFLICT cannot touch one row
 * twice in a statement — and runs one upsert and one delete per segment; an `expireUpTo` ends a
 * segment so it applies exactly where it was submitted.
 */
async function commitBatch(client: PoolClient, batch: readonly Job[]): Promise<void> {
  let pending = new Map<string, BindingRecord | BindingKey>();
  const flush = async (): Promise<void> => {
    if (pending.size === 0) return;
    const ua: string[] = [],
      uk: string[] = [],
      uc: string[] = [],
      ui: (string | null)[] = [];
    const ue: number[] = [],
      uu: number[] = [],
      ux: number[] = [],
      ud: string[] = [];
    const da: string[] = [],
      dk: string[] = [];
    for (const v of pending.values()) {
      if ('expiresAt' in v) {
        const b = v as BindingRecord;
        ua.push(b.aor);
        uk.push(b.contactKey);
        uc.push(b.contact);
        ui.push(b.instrument ?? null);
        ue.push(b.expiresAt);
        uu.push(b.userIndex);
        ux.push(b.contactIndex);
        ud.push(encodeBinding(b));
      } else {
        da.push(v.aor);
        dk.push(v.contactKey);
      }
    }
    if (da.length > 0) await client.query({ name: 'location-delete', text: DELETE, values: [da, dk] });
    if (ua.length > 0)
      await client.query({ name: 'location-upsert', text: UPSERT, values: [ua, uk, uc, ui, ue, uu, ux, ud] });
    pending = new Map();
  };
  for (const job of batch) {
    const c = job.change;
    if (c.upsert) for (const b of c.upsert) pending.set(b.aor + '\u0000' + b.contactKey, b);
    if (c.remove) for (const k of c.remove) pending.set(k.aor + '\u0000' + k.contactKey, k);
    if (c.expireUpTo !== undefined) {
      await flush();
      const r = await client.query({ name: 'location-expire', text: EXPIRE, values: [c.expireUpTo] });
      job.removed = r.rowCount ?? 0;
    }
  }
  await flush();
}
