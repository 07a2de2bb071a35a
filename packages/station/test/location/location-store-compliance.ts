import { after, beforeEach, afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LocationStore } from '../../src/location/index.js';
import { record } from './fixtures.js';

export interface LocationStoreHarness {
  /** A fresh, empty store. */
  create(): Promise<LocationStore>;
  /** A second store over the same data as the last created one (simulates a restart). */
  reopen(): Promise<LocationStore>;
  /** Releases everything created by one test. */
  cleanup(): Promise<void>;
  /** Releases the harness itself after the suite (e.g. stops a database server). */
  teardown?(): Promise<void>;
}

/**
 * The behaviour every LocationStore must have, run against each implementation (js-libp2p style
 * compliance suite). Pass a harness, or a string: the reason the suite is skipped.
 */
export function locationStoreCompliance(name: string, harness: LocationStoreHarness | string): void {
  let store: LocationStore;
  const skip = typeof harness === 'string' ? harness : false;

  void describe(`LocationStore compliance: ${name}`, { skip }, () => {
    if (typeof harness === 'string') return;
    const h = (): LocationStoreHarness => harness;
    after(async () => {
      await harness.teardown?.();
    });
    beforeEach(async () => {
      store = await harness.create();
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    void it('starts empty', async () => {
      assert.deepEqual(await store.loadAll(), []);
    });

    void it('round-trips every field of a binding', async () => {
      const full = record(1, {
        contactParams: {
          q: '0.7',
          expires: '600',
          ob: null,
          '+sip.instance': '"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>"',
        },
        displayName: 'Desk "7"',
        instance: '<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>',
        regId: 1,
        instrument: '00a0c91e6bf6',
        authUser: 'u1',
        path: ['<sip:edge1.example.net;lr>', '<sip:edge2.example.net;lr>'],
        flow: {
          transport: 'tcp',
          localAddress: '127.0.0.1',
          localPort: 5060,
          remoteAddress: '192.0.2.7',
          remotePort: 40001,
          flowId: 'c42',
        },
        userAgent: 'Phone/1.0 ünïcode',
      });
      const minimal = record(2);
      await store.upsert([full, minimal]);
      assert.deepEqual(await store.loadAll(), [full, minimal]);
    });

    void it('upsert replaces by (aor, contactKey)', async () => {
      await store.upsert([record(1)]);
      const refreshed = { ...record(1), cseq: 2, expiresAt: 2_100_000_000_000, contact: 'sip:u1@10.9.9.9' };
      await store.upsert([refreshed]);
      assert.deepEqual(await store.loadAll(), [refreshed]);
    });

    void it('keeps the same contactKey apart under different AORs', async () => {
      const a = record(1, { contactKey: 'k' });
      const b = record(2, { contactKey: 'k' });
      await store.upsert([a, b]);
      assert.equal((await store.loadAll()).length, 2);
      await store.remove([{ aor: a.aor, contactKey: 'k', contactIndex: a.contactIndex }]);
      assert.deepEqual(await store.loadAll(), [b]);
    });

    void it('removes by key and ignores unknown keys', async () => {
      await store.upsert([record(1), record(2), record(3)]);
      await store.remove([
        { aor: record(2).aor, contactKey: record(2).contactKey, contactIndex: record(2).contactIndex },
        { aor: 'sip:nobody@example.net', contactKey: 'u:x', contactIndex: 999_999 },
      ]);
      assert.deepEqual(
        (await store.loadAll()).map((b) => b.aor),
        [record(1).aor, record(3).aor],
      );
    });

    void it('orders loadAll by (userIndex, contactIndex)', async () => {
      const rs = [
        record(1, { userIndex: 5, contactIndex: 9 }),
        record(2, { userIndex: 2, contactIndex: 30 }),
        record(3, { userIndex: 5, contactIndex: 3 }),
      ];
      await store.upsert(rs);
      assert.deepEqual(
        (await store.loadAll()).map((b) => [b.userIndex, b.contactIndex]),
        [
          [2, 30],
          [5, 3],
          [5, 9],
        ],
      );
    });

    void it('removeExpired deletes expiresAt <= now and reports the count', async () => {
      await store.upsert([
        record(1, { expiresAt: 1000 }),
        record(2, { expiresAt: 2000 }),
        record(3, { expiresAt: 3000 }),
      ]);
      assert.equal(await store.removeExpired(2000), 2);
      assert.deepEqual(
        (await store.loadAll()).map((b) => b.expiresAt),
        [3000],
      );
      assert.equal(await store.removeExpired(2500), 0);
    });

    void it('removeExpired with candidates deletes those that are still expired', async () => {
      const rs = [
        record(1, { expiresAt: 1000 }),
        record(2, { expiresAt: 2000 }),
        record(3, { expiresAt: 3000 }),
      ];
      await store.upsert(rs);
      // A candidate refreshed meanwhile (stored expiry later than now) stays.
      assert.equal(await store.removeExpired(2000, rs), 2);
      assert.deepEqual(
        (await store.loadAll()).map((b) => b.expiresAt),
        [3000],
      );
    });

    void it('applies concurrent writes in call order (last write wins)', async () => {
      const k = record(1);
      await Promise.all([
        store.upsert([{ ...k, cseq: 1 }]),
        store.upsert([{ ...k, cseq: 2 }]),
        store.remove([{ aor: k.aor, contactKey: k.contactKey, contactIndex: k.contactIndex }]),
        store.upsert([{ ...k, cseq: 4 }]),
        store.upsert([record(2)]),
        store.remove([
          { aor: record(2).aor, contactKey: record(2).contactKey, contactIndex: record(2).contactIndex },
        ]),
      ]);
      assert.deepEqual(
        (await store.loadAll()).map((b) => b.cseq),
        [4],
      );
    });

    void it('a write applies upserts then removals, atomically', async () => {
      await store.upsert([record(1)]);
      await store.write({
        upsert: [record(2), record(3)],
        remove: [
          { aor: record(1).aor, contactKey: record(1).contactKey, contactIndex: record(1).contactIndex },
        ],
      });
      assert.deepEqual(
        (await store.loadAll()).map((b) => b.aor),
        [record(2).aor, record(3).aor],
      );
      await store.write({
        upsert: [record(4)],
        remove: [
          { aor: record(4).aor, contactKey: record(4).contactKey, contactIndex: record(4).contactIndex },
        ],
      });
      assert.equal((await store.loadAll()).length, 2);
    });

    void it('expiry interleaved with writes honours submission order', async () => {
      const old = record(1, { expiresAt: 1000 });
      await store.upsert([old]);
      const [, removed] = await Promise.all([
        store.upsert([{ ...old, expiresAt: 5000 }]), // refresh committed before the expiry sweep
        store.removeExpired(2000),
        store.upsert([record(2, { expiresAt: 1500 })]), // after the sweep: stays
      ]);
      assert.equal(removed, 0);
      assert.deepEqual(
        (await store.loadAll()).map((b) => b.expiresAt),
        [5000, 1500],
      );
    });

    void it('keeps call order across runs of many upserts in one turn (any run length)', async () => {
      // Runs of 1 to 150 upserts between removals, all submitted in one turn, each run ending with an
      // upsert of a binding that the next removal deletes and the next run writes again.
      const k = record(9999);
      const key = { aor: k.aor, contactKey: k.contactKey, contactIndex: k.contactIndex };
      const writes: Promise<void>[] = [];
      let n = 0;
      for (const len of [1, 150, 3, 64, 65, 17, 4]) {
        for (let i = 0; i < len; i++) writes.push(store.upsert([record(n++)]));
        writes.push(store.upsert([{ ...k, cseq: len }]));
        writes.push(store.remove([key]));
        writes.push(store.upsert([{ ...k, cseq: len + 1000 }]));
      }
      await Promise.all(writes);
      const all = await store.loadAll();
      assert.equal(all.length, n + 1);
      assert.deepEqual(
        all.filter((b) => b.contactIndex === k.contactIndex).map((b) => b.cseq),
        [1004],
      );
      assert.deepEqual(
        all.filter((b) => b.contactIndex !== k.contactIndex),
        Array.from({ length: n }, (_, i) => record(i)),
      );
    });

    void it('persists across reopen', async () => {
      const rs = Array.from({ length: 50 }, (_, i) => record(i));
      await Promise.all(rs.map((r) => store.upsert([r])));
      await store.close();
      const again = await h().reopen();
      assert.deepEqual(await again.loadAll(), rs);
    });

    void it('handles 10,000 bindings in one batch and many small writes', async () => {
      const rs = Array.from({ length: 10_000 }, (_, i) => record(i));
      await store.upsert(rs.slice(0, 5000));
      await Promise.all(rs.slice(5000).map((r) => store.upsert([r])));
      const all = await store.loadAll();
      assert.equal(all.length, 10_000);
      assert.deepEqual(all[9999], rs[9999]);
      assert.equal(await store.removeExpired(3_000_000_000_000), 10_000);
    });
  });
}
