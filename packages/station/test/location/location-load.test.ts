import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SqliteDatabase } from '@beckon/store';
import { LocationService, SqliteLocationStore, type Binding } from '../../src/location/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const NOW = Date.now();

function reg(j: number): Binding {
  const aor = `sip:user${j}@example.net`;
  return {
    aor,
    contact: `sip:user${j}@10.${(j >> 16) & 255}.${(j >> 8) & 255}.${j & 255}:5060;transport=udp`,
    contactParams: { expires: '3600', q: '1.0' },
    instance: `<urn:uuid:f81d4fae-7dec-11d0-a765-${j.toString(16).padStart(12, '0')}>`,
    regId: 1,
    instrument: j.toString(16).padStart(12, '0'),
    authUser: `user${j}`,
    callId: `${j}-a84b4c76e66710@pc33.example.net`,
    cseq: 1,
    expiresAt: NOW + 3_600_000 + (j % 600) * 1000,
    receivedAt: NOW,
    flow: {
      transport: 'udp',
      localAddress: '127.0.0.1',
      localPort: 5060,
      remoteAddress: '10.0.0.1',
      remotePort: 5060 + (j % 1000),
    },
    userAgent: 'Beckon-Test-Phone/1.0',
  };
}

async function load(n: number, t: { diagnostic(msg: string): void }): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'beckon-load-'));
  const db = new SqliteDatabase({}, { path: join(dir, 'location.db') });
  try {
    const opened = SqliteLocationStore.open({ db });
    assert.ok(opened.ok);
    if (!opened.ok) return;
    const store = opened.store;
    const svc = new LocationService({ store });
    await svc.start();
    const before = heap();
    for (let i = 0; i < n; i += 1000) {
      const ps = [];
      for (let j = i; j < Math.min(n, i + 1000); j++) {
        const b = reg(j);
        ps.push(svc.applyRegister(b.aor, { callId: b.callId, cseq: 1, add: [b] }));
      }
      for (const r of await Promise.all(ps)) assert.ok(r.ok);
    }
    const after = heap();
    t.diagnostic(
      `${n} bindings: heap +${((after - before) / 1024 / 1024).toFixed(1)} MiB, ${Math.round((after - before) / n)} bytes/binding`,
    );
    assert.deepEqual(svc.size, { bindings: n, aors: n, instruments: n });
    for (const j of [0, 1, n >> 1, n - 1]) {
      const b = reg(j);
      assert.equal(svc.lookup(b.aor)[0]?.contact, b.contact);
      assert.equal(svc.byInstrument(b.instrument as string)[0]?.aor, b.aor);
      assert.equal(svc.byAorAndInstrument(b.aor, b.instrument as string).length, 1);
    }
    // Refresh all with a higher CSeq, then remove a tenth.
    for (let i = 0; i < n; i += 1000) {
      const ps = [];
      for (let j = i; j < Math.min(n, i + 1000); j++) {
        const b = { ...reg(j), cseq: 2 };
        ps.push(
          j % 10 === 0
            ? svc.applyRegister(b.aor, { callId: b.callId, cseq: 2, removeAll: true })
            : svc.applyRegister(b.aor, { callId: b.callId, cseq: 2, add: [b] }),
        );
      }
      for (const r of await Promise.all(ps)) assert.ok(r.ok);
    }
    const expected = n - Math.ceil(n / 10);
    assert.equal(svc.size.bindings, expected);
    let walked = 0;
    let prev = 0;
    for (const e of svc.entries()) {
      assert.ok(e.userIndex > prev);
      prev = e.userIndex;
      walked += e.bindings.length;
    }
    assert.equal(walked, expected);
    await svc.stop();
    // Restart: the same state comes back from the store.
    const svc2 = new LocationService({ store });
    await svc2.start();
    assert.equal(svc2.size.bindings, expected);
    assert.equal(svc2.lookup(reg(n - 1).aor)[0]?.cseq, 2);
    // Expire everything through the wheel.
    svc2.expireDue(NOW + 10 * 3_600_000);
    await svc2.settled();
    assert.equal(svc2.size.bindings, 0);
    assert.equal((await store.loadAll()).length, 0);
    await svc2.stop();
    await store.close();
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void describe('LocationService under load', () => {
  void it('10,000 bindings', async (t) => load(10_000, t));
  void it('100,000 bindings', async (t) => load(100_000, t));
});
