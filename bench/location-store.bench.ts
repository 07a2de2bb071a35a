// Location service / store throughput.
// Run: node --import tsx bench/location-store.bench.ts [--pg]
// - store upserts/s through group commit (SQLite WAL, synchronous NORMAL and FULL; one write per binding,
//   up to `inflight` writes outstanding, as a registrar under load would submit them), and without
//   grouping (maxBatch 1) for comparison;
// - LocationService.applyRegister/s end to end (ordering checks, persist, cache update);
// - lookups/s from the in-memory cache (by AOR, by instrument) over 100,000 bindings;
// - with --pg, the same on a throwaway PostgreSQL 15 cluster (started with fsync=off: a ceiling, not a
//   durable figure).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MetricsRegistry } from '@beckon/ops';
import { PostgresDatabase, SqliteDatabase, type SqliteSynchronous } from '@beckon/store';
import { startPostgresTestServer } from '@beckon/store/testing';
import {
  contactKey,
  LocationService,
  PostgresLocationStore,
  SqliteLocationStore,
  type Binding,
  type BindingRecord,
  type LocationStore,
} from '../packages/station/src/location/index.js';

const NOW = Date.now();

function binding(j: number, cseq = 1): Binding {
  const aor = `sip:user${j}@example.net`;
  return {
    aor,
    contact: `sip:user${j}@10.${(j >> 16) & 255}.${(j >> 8) & 255}.${j & 255}:5060;transport=udp`,
    contactParams: { expires: '3600' },
    instrument: j.toString(16).padStart(12, '0'),
    authUser: `user${j}`,
    callId: `${j}-a84b4c76e66710@pc33.example.net`,
    cseq,
    expiresAt: NOW + 3_600_000,
    receivedAt: NOW,
    flow: {
      transport: 'udp',
      localAddress: '127.0.0.1',
      localPort: 5060,
      remoteAddress: '10.0.0.1',
      remotePort: 5060,
    },
    userAgent: 'Beckon-Bench/1.0',
  };
}

function record(j: number): BindingRecord {
  const b = binding(j);
  return { ...b, contactKey: contactKey(b), userIndex: j + 1, contactIndex: j + 1 };
}

/** Runs `op(i)` for i in [0, n) with at most `inflight` outstanding; returns ops/s. */
async function pipelined(n: number, inflight: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await op(next++);
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return n / s;
}

const fmt = (x: number): string => Math.round(x).toLocaleString('en');

function batchInfo(m: MetricsRegistry): string {
  const commits = m.counter('store_group_commits', '', ['name']).total();
  const writes = m.counter('store_group_commit_writes', '', ['name']).total();
  return `${fmt(commits)} transactions, ${(writes / Math.max(1, commits)).toFixed(1)} writes/txn`;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function sqliteFigures(sync: SqliteSynchronous): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'beckon-bench-'));
  try {
    for (const [label, maxBatch] of [
      ['group commit', 2000],
      ['no grouping (1 write/txn)', 1],
    ] as const) {
      const db = new SqliteDatabase({}, { path: join(dir, `${label.length}-${sync}.db`), synchronous: sync });
      const metrics = new MetricsRegistry();
      const o = SqliteLocationStore.open({ db, metrics }, { maxBatch });
      if (!o.ok) throw new Error(o.error.message);
      const n = maxBatch === 1 && sync === 'full' ? 2_000 : 50_000;
      const rate = await pipelined(n, 1000, (i) => o.store.upsert([record(i)]));
      console.log(
        `sqlite synchronous=${sync} store.upsert, ${label}: ${fmt(rate)} upserts/s (n=${n}, ${batchInfo(metrics)})`,
      );
      await o.store.close();
      db.close();
    }
    const db = new SqliteDatabase({}, { path: join(dir, `svc-${sync}.db`), synchronous: sync });
    const metrics = new MetricsRegistry();
    const o = SqliteLocationStore.open({ db, metrics });
    if (!o.ok) throw new Error(o.error.message);
    await serviceFigures(`sqlite synchronous=${sync}`, o.store, 100_000, false, metrics);
    await o.store.close();
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function serviceFigures(
  label: string,
  store: LocationStore,
  n: number,
  lookups = false,
  metrics?: MetricsRegistry,
): Promise<void> {
  const svc = new LocationService({ store });
  await svc.start();
  const h0 = heapUsed();
  const reg = await pipelined(n, 2000, (i) => {
    const b = binding(i);
    return svc.applyRegister(b.aor, { callId: b.callId, cseq: 1, add: [b] });
  });
  const h1 = heapUsed();
  const batches = metrics ? ', ' + batchInfo(metrics) : '';
  console.log(
    `${label} applyRegister (new bindings): ${fmt(reg)} REGISTER/s (n=${n}, 2000 in flight${batches})`,
  );
  console.log(`${label} cache memory: ${fmt((h1 - h0) / n)} bytes/binding (heap delta over ${n})`);
  const ref = await pipelined(n, 2000, (i) => {
    const b = binding(i, 2);
    return svc.applyRegister(b.aor, { callId: b.callId, cseq: 2, add: [b] });
  });
  console.log(`${label} applyRegister (refresh): ${fmt(ref)} REGISTER/s`);
  if (lookups) {
    const aors = Array.from({ length: 4096 }, (_, i) => binding((i * 7919) % n).aor);
    const insts = Array.from({ length: 4096 }, (_, i) => binding((i * 7919) % n).instrument as string);
    let sink = 0;
    const L = 2_000_000;
    for (let i = 0; i < 100_000; i++) sink += svc.lookup(aors[i & 4095] as string).length; // warm-up
    let t0 = process.hrtime.bigint();
    for (let i = 0; i < L; i++) sink += svc.lookup(aors[i & 4095] as string).length;
    let s = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(`lookup(aor) over ${n} bindings: ${fmt(L / s)} lookups/s`);
    t0 = process.hrtime.bigint();
    for (let i = 0; i < L; i++) sink += svc.byInstrument(insts[i & 4095] as string).length;
    s = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(`byInstrument(instrument) over ${n} bindings: ${fmt(L / s)} lookups/s`);
    if (sink !== 2 * L + 100_000) console.log('(unexpected lookup results)', sink);
  }
  await svc.stop();
}

await sqliteFigures('normal');
await sqliteFigures('full');
{
  const db = new SqliteDatabase({}, { path: ':memory:' });
  const o = SqliteLocationStore.open({ db });
  if (!o.ok) throw new Error(o.error.message);
  await serviceFigures('sqlite :memory:', o.store, 100_000, true);
  await o.store.close();
  db.close();
}
if (process.argv.includes('--pg')) {
  const started = await startPostgresTestServer();
  if (!started.ok) console.log(`postgres skipped: ${started.reason}`);
  else {
    try {
      const db = new PostgresDatabase({}, { connectionString: started.server.url, schema: 'bench' });
      const o = await PostgresLocationStore.open({ db });
      if (!o.ok) throw new Error(o.error.message);
      const rate = await pipelined(50_000, 1000, (i) => o.store.upsert([record(i + 1_000_000)]));
      console.log(`postgres (fsync=off) store.upsert, group commit: ${fmt(rate)} upserts/s (n=50000)`);
      await serviceFigures('postgres (fsync=off)', o.store, 50_000);
      await o.store.close();
      await db.close();
    } finally {
      await started.server.stop();
    }
  }
}
