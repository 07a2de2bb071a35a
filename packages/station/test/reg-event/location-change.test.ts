import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry } from '@beckon/ops';
import { SqliteDatabase } from '@beckon/store';
import { LocationService, SqliteLocationStore, type Binding } from '../../src/location/index.js';

const T0 = 1_800_000_000_000;
const AOR = 'sip:1000@example.net';

function b(over: Partial<Binding> = {}): Binding {
  return {
    aor: AOR,
    contact: 'sip:1000@192.0.2.1:5062',
    instrument: '0000deadbeef',
    callId: 'c1',
    cseq: 1,
    expiresAt: T0 + 60_000,
    receivedAt: T0,
    ...over,
  };
}

/** LocationService.onChange, the hook the reg event package listens to. */
void describe('LocationService.onChange', () => {
  void it('tells register, refresh, removal and expiry, after the cache changed; unsubscribe works', async () => {
    let t = T0;
    const db = new SqliteDatabase({}, { path: ':memory:' });
    const r = SqliteLocationStore.open({ db, metrics: new MetricsRegistry() });
    assert.ok(r.ok);
    const svc = new LocationService({ store: r.store }, { now: () => t });
    await svc.start();
    const seen: [string, string | undefined, number][] = [];
    const off = svc.onChange((aor, instrument) => seen.push([aor, instrument, svc.lookup(aor).length]));
    try {
      // Register: the listener sees the new binding already.
      assert.ok((await svc.applyRegister(AOR, { callId: 'c1', cseq: 1, add: [b()] })).ok);
      assert.deepEqual(seen, [[AOR, '0000deadbeef', 1]]);
      // Refresh.
      assert.ok((await svc.applyRegister(AOR, { callId: 'c1', cseq: 2, add: [b({ cseq: 2 })] })).ok);
      assert.equal(seen.length, 2);
      // A REGISTER that changes nothing (no contacts) tells nobody.
      assert.ok((await svc.applyRegister(AOR, { callId: 'c1', cseq: 3 })).ok);
      assert.equal(seen.length, 2);
      // Removal (Expires: 0).
      assert.ok(
        (await svc.applyRegister(AOR, { callId: 'c1', cseq: 4, add: [b({ cseq: 4, expiresAt: t })] })).ok,
      );
      assert.deepEqual(seen[2], [AOR, '0000deadbeef', 0]);
      // Expiry: a binding without instrument.
      assert.ok(
        (
          await svc.applyRegister(AOR, {
            callId: 'c2',
            cseq: 1,
            add: [b({ callId: 'c2', instrument: undefined })],
          })
        ).ok,
      );
      assert.deepEqual(seen[3], [AOR, undefined, 1]);
      t += 61_000;
      svc.expireDue(t);
      assert.deepEqual(seen[4], [AOR, undefined, 0]);
      // A listener that throws does not break the change.
      const offBad = svc.onChange(() => {
        throw new Error('listener bug');
      });
      assert.ok(
        (
          await svc.applyRegister(AOR, {
            callId: 'c3',
            cseq: 1,
            add: [b({ callId: 'c3', expiresAt: t + 60_000 })],
          })
        ).ok,
      );
      assert.equal(svc.lookup(AOR).length, 1);
      assert.equal(seen.length, 6);
      offBad();
      off();
      assert.ok(
        (
          await svc.applyRegister(AOR, {
            callId: 'c3',
            cseq: 2,
            add: [b({ callId: 'c3', cseq: 2, expiresAt: t + 90_000 })],
          })
        ).ok,
      );
      assert.equal(seen.length, 6);
    } finally {
      await svc.stop();
      await r.store.close();
      db.close();
    }
  });
});
