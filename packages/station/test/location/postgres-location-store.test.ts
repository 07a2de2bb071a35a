import { PostgresDatabase } from '@beckon/store';
import { startPostgresTestServer } from '@beckon/store/testing';
import { PostgresLocationStore, type LocationStore } from '../../src/location/index.js';
import { locationStoreCompliance } from './location-store-compliance.js';

// A throwaway PostgreSQL 15 cluster (or BECKON_TEST_PG_URL); the suite is skipped with the reason if
// neither is available. Each test gets its own schema.
const started = await startPostgresTestServer();
let schemaSeq = 0;
let schema = '';
let dbs: PostgresDatabase[] = [];
let stores: LocationStore[] = [];

async function open(url: string): Promise<LocationStore> {
  const db = new PostgresDatabase({}, { connectionString: url, schema, maxConnections: 2 });
  dbs.push(db);
  const r = await PostgresLocationStore.open({ db });
  if (!r.ok) throw new Error(r.error.message);
  stores.push(r.store);
  return r.store;
}

locationStoreCompliance(
  'PostgresLocationStore',
  started.ok
    ? {
        create: async () => {
          schema = `loc_${process.pid}_${++schemaSeq}`;
          return open(started.server.url);
        },
        reopen: () => open(started.server.url),
        cleanup: async () => {
          for (const s of stores) await s.close();
          for (const d of dbs) await d.close();
          stores = [];
          dbs = [];
        },
        teardown: () => started.server.stop(),
      }
    : `PostgreSQL unavailable: ${started.reason}`,
);
