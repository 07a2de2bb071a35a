import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDatabase } from '@beckon/store';
import { SqliteLocationStore, type LocationStore } from '../../src/location/index.js';
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
