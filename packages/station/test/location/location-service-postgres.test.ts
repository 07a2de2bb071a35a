import { it } from 'node:test';
import assert from 'node:assert/strict';
import { PostgresDatabase } from '@beckon/store';
import { startPostgresTestServer } from '@beckon/store/testing';
import { LocationService, PostgresLocationStore, type Binding } from '../../src/location/index.js';

const started = await startPostgresTestServer();
const skip = started.ok ? false : `PostgreSQL unavailable: ${started.reason}`;

void it('LocationService over PostgreSQL: register, restart, refresh, expire', { skip }, async () => {
  if (!started.ok) return;
  let t = 1_800_000_000_000;
  const now = (): number => t;
  const db = new PostgresDatabase({}, { connectionString: started.server.url, schema: 'svc' });
  try {
    const o = await PostgresLocationStore.open({ db });
    assert.ok(o.ok);
    if (!o.ok) return;
    const mk = (i: number, cseq = 1, ttl = 60_000): Binding => ({
      aor: `sip:${i}@example.net`,
      contact: `sip:${i}@10.0.0.${i}`,
      callId: `c${i}`,
      cseq,
      expiresAt: t + ttl,
      receivedAt: t,
      instrument: '0000deadbeef',
    });
    const svc = new LocationService({ store: o.store }, { now });
    await svc.start();
    const rs = await Promise.all(
      [1, 2, 3].map((i) =>
        svc.applyRegister(`sip:${i}@example.net`, { callId: `c${i}`, cseq: 1, add: [mk(i)] }),
      ),
    );
    assert.ok(rs.every((r) => r.ok));
    await svc.stop();

    const svc2 = new LocationService({ store: o.store }, { now });
    await svc2.start();
    assert.equal(svc2.byInstrument('0000deadbeef').length, 3);
    const r = await svc2.applyRegister('sip:1@example.net', {
      callId: 'c1',
      cseq: 2,
      add: [mk(1, 2, 600_000)],
    });
    assert.ok(r.ok && r.refreshed === 1);
    t += 120_000;
    svc2.expireDue();
    await svc2.settled();
    assert.deepEqual(
      svc2.byInstrument('0000deadbeef').map((b) => b.aor),
      ['sip:1@example.net'],
    );
    assert.deepEqual(
      (await o.store.loadAll()).map((b) => b.aor),
      ['sip:1@example.net'],
    );
    await svc2.stop();
    await o.store.close();
  } finally {
    await db.close();
    await started.server.stop();
  }
});
