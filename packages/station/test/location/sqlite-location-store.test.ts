import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDatabase } from '@beckon/store';
import {
  SQLITE_LOCATION_MIGRATIONS,
  SqliteLocationStore,
  type LocationStore,
} from '../../src/location/index.js';
import { record } from './fixtures.js';
import { locationStoreCompliance } from './location-store-compliance.js';

let dir = '';
let path = '';
let dbs: SqliteDatabase[] = [];
let stores: LocationStore[] = [];

function open(): LocationStore {
  const db = new SqliteDatabase({}, { path });
  dbs.push(db);
  const r = SqliteLocationStore.open({ db });
  if (!r.ok) throw new Error(r.error.message);
  stores.push(r.store);
  return r.store;
}

locationStoreCompliance('SqliteLocationStore', {
  create: async () => {
    dir = mkdtempSync(join(tmpdir(), 'beckon-loc-'));
    path = join(dir, 'location.db');
    return open();
  },
  reopen: async () => open(),
  cleanup: async () => {
    for (const s of stores) await s.close();
    for (const d of dbs) d.close();
    stores = [];
    dbs = [];
    rmSync(dir, { recursive: true, force: true });
  },
});

void test('a version-1 database (rows keyed by AOR and contact key) migrates with every binding kept', async () => {
  const d = mkdtempSync(join(tmpdir(), 'beckon-loc-v1-'));
  const file = join(d, 'location.db');
  try {
    const old = new SqliteDatabase({}, { path: file });
    const m = old.migrate(SQLITE_LOCATION_MIGRATIONS.slice(0, 1));
    assert.ok(m.ok);
    const rows = [record(3), record(1), record(2, { aor: 'sip:other@example.net' })];
    for (const b of rows)
      old
        .statement(
          'INSERT INTO location_bindings (aor, contact_key, contact, instrument, expires_at, user_index, contact_index, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          b.aor,
          b.contactKey,
          b.contact,
          b.instrument ?? null,
          b.expiresAt,
          b.userIndex,
          b.contactIndex,
          JSON.stringify(b), // format 1, as version-1 stations wrote it
        );
    old.close();

    const db = new SqliteDatabase({}, { path: file });
    const r = SqliteLocationStore.open({ db });
    assert.ok(r.ok);
    assert.deepEqual(await r.store.loadAll(), [
      record(1),
      record(2, { aor: 'sip:other@example.net' }),
      record(3),
    ]);
    // Removal now goes by contactIndex.
    await r.store.remove([
      { aor: record(1).aor, contactKey: record(1).contactKey, contactIndex: record(1).contactIndex },
    ]);
    assert.equal((await r.store.loadAll()).length, 2);
    await r.store.close();
    db.close();
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

void test('expiry with candidates deletes only the named rows (no table sweep), and the table holds four columns', async () => {
  const d = mkdtempSync(join(tmpdir(), 'beckon-loc-slim-'));
  const db = new SqliteDatabase({}, { path: join(d, 'location.db') });
  try {
    const r = SqliteLocationStore.open({ db });
    assert.ok(r.ok);
    const rs = [
      record(1, { expiresAt: 1000 }),
      record(2, { expiresAt: 1000 }),
      record(3, { expiresAt: 3000 }),
    ];
    await r.store.upsert(rs);
    // Only the first is named: the second, expired as well, stays until a sweep.
    assert.equal(await r.store.removeExpired(2000, [rs[0]!]), 1);
    assert.deepEqual(
      (await r.store.loadAll()).map((b) => b.contactIndex),
      [rs[1]!.contactIndex, rs[2]!.contactIndex],
    );
    assert.equal(await r.store.removeExpired(2000), 1);
    assert.deepEqual(
      db
        .all<{ name: string }>('SELECT name FROM pragma_table_info(?)', ['location_bindings'])
        .map((c) => c.name),
      ['contact_index', 'user_index', 'expires_at', 'data'],
    );
    await r.store.close();
  } finally {
    db.close();
    rmSync(d, { recursive: true, force: true });
  }
});
