import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, MetricsRegistry } from '@beckon/ops';
import { SqliteDatabase } from '@beckon/store';
import {
  canonicalContactUri,
  canonicalContactUriGeneral,
  checkRegistrationOrder,
  contactKey,
  LocationService,
  SqliteLocationStore,
  type Binding,
  type LocationServiceInit,
  type LocationStore,
  type LocationWrite,
} from '../../src/location/index.js';

const T0 = 1_800_000_000_000;
const AOR = 'sip:69@example.net';

class Clock {
  t = T0;
  now = (): number => this.t;
}

function b(over: Partial<Binding> = {}): Binding {
  return {
    aor: AOR,
    contact: 'sip:69@10.3.14.159',
    callId: 'c1',
    cseq: 1,
    expiresAt: T0 + 3600_000,
    receivedAt: T0,
    ...over,
  };
}

interface Rig {
  svc: LocationService;
  store: LocationStore;
  db: SqliteDatabase;
  clock: Clock;
  metrics: MetricsRegistry;
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

async function rig(init: LocationServiceInit = {}, db?: SqliteDatabase): Promise<Rig> {
  const clock = new Clock();
  const metrics = new MetricsRegistry();
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n'))
        if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const log = createLogger({ level: 'info', destination });
  const database = db ?? new SqliteDatabase({}, { path: ':memory:' });
  const r = SqliteLocationStore.open({ db: database, metrics });
  if (!r.ok) throw new Error(r.error.message);
  const svc = new LocationService({ store: r.store, log, metrics }, { now: clock.now, ...init });
  await svc.start();
  return {
    svc,
    store: r.store,
    db: database,
    clock,
    metrics,
    logs,
    close: async () => {
      await svc.stop();
      await r.store.close();
      if (!db) database.close();
    },
  };
}

void describe('contact identity', () => {
  void it('canonicalises URIs per RFC 3261 §19.1.4', () => {
    const same = [
      'sip:69@10.3.14.159',
      'SIP:69@10.3.14.159',
      'sip:69@10.3.14.159;line=abc',
      'sip:%36%39@10.3.14.159',
    ];
    for (const u of same) assert.equal(canonicalContactUri(u), canonicalContactUri(same[0] as string), u);
    assert.equal(
      canonicalContactUri('sip:alice@ATLANTA.com;Transport=TCP'),
      'sip:alice@atlanta.com;transport=tcp',
    );
    assert.notEqual(
      canonicalContactUri('sip:Alice@atlanta.com'),
      canonicalContactUri('sip:alice@atlanta.com'),
    );
    assert.notEqual(
      canonicalContactUri('sip:alice@atlanta.com'),
      canonicalContactUri('sip:alice@atlanta.com:5060'),
    );
    assert.notEqual(
      canonicalContactUri('sip:alice@atlanta.com'),
      canonicalContactUri('sip:alice@atlanta.com;transport=tcp'),
    );
    assert.equal(canonicalContactUri('sip:a;x=1@h'), 'sip:a;x=1@h');
    assert.equal(canonicalContactUri('garbage'), 'garbage');
  });
  void it('uses instance + reg-id when both are present (RFC 5626 §6)', () => {
    const inst = '<urn:uuid:00000000-0000-1000-8000-000a95a0e128>';
    assert.equal(
      contactKey({ contact: 'sip:a@1.1.1.1', instance: inst, regId: 1 }),
      contactKey({ contact: 'sip:a@2.2.2.2', instance: inst, regId: 1 }),
    );
    assert.notEqual(
      contactKey({ contact: 'sip:a@1.1.1.1', instance: inst, regId: 1 }),
      contactKey({ contact: 'sip:a@1.1.1.1', instance: inst, regId: 2 }),
    );
    assert.notEqual(
      contactKey({ contact: 'sip:a@1.1.1.1', instance: inst }),
      contactKey({ contact: 'sip:a@2.2.2.2', instance: inst }),
    );
  });
  void it('checks Call-ID/CSeq ordering (RFC 3261 §10.3 step 7)', () => {
    assert.equal(checkRegistrationOrder(undefined, 'c', 1), 'ok');
    assert.equal(checkRegistrationOrder({ callId: 'c', cseq: 5 }, 'c', 6), 'ok');
    assert.equal(checkRegistrationOrder({ callId: 'c', cseq: 5 }, 'c', 5), 'out-of-order');
    assert.equal(checkRegistrationOrder({ callId: 'c', cseq: 5 }, 'c', 4), 'out-of-order');
    assert.equal(checkRegistrationOrder({ callId: 'c', cseq: 5 }, 'other', 1), 'ok');
  });
});

void describe('LocationService', () => {
  void it('adds, refreshes and looks up bindings; persists before resolving', async () => {
    const r = await rig();
    const o = await r.svc.applyRegister(AOR, { callId: 'c1', cseq: 1, add: [b()] });
    assert.ok(o.ok);
    if (!o.ok) return;
    assert.equal(o.added, 1);
    assert.equal(o.bindings.length, 1);
    assert.equal((await r.store.loadAll()).length, 1, 'durable when resolved');
    const o2 = await r.svc.applyRegister(AOR, {
      callId: 'c1',
      cseq: 2,
      add: [b({ contact: 'SIP:69@10.3.14.159', cseq: 2, expiresAt: T0 + 7200_000 })],
    });
    assert.ok(o2.ok && o2.refreshed === 1 && o2.added === 0);
    const [x] = r.svc.lookup(AOR);
    assert.equal(x?.expiresAt, T0 + 7200_000);
    assert.equal(x?.contactIndex, o.bindings[0]?.contactIndex, 'refresh keeps the contact index');
    assert.deepEqual(r.svc.lookup('sip:nobody@example.net'), []);
    await r.close();
  });

  void it('rejects an out-of-order CSeq and changes nothing', async () => {
    const r = await rig();
    await r.svc.applyRegister(AOR, { callId: 'c1', cseq: 5, add: [b({ cseq: 5 })] });
    const o = await r.svc.applyRegister(AOR, {
      callId: 'c1',
      cseq: 5,
      add: [b({ cseq: 5, expiresAt: T0 + 1 })],
    });
    assert.deepEqual(o, { ok: false, reason: 'out-of-order', contactKey: contactKey(b()) });
    const rm = await r.svc.applyRegister(AOR, { callId: 'c1', cseq: 4, remove: [contactKey(b())] });
    assert.equal(rm.ok, false);
    const star = await r.svc.applyRegister(AOR, { callId: 'c1', cseq: 3, removeAll: true });
    assert.equal(star.ok, false);
    assert.equal(r.svc.lookup(AOR).length, 1);
    // A different Call-ID may update.
    const other = await r.svc.applyRegister(AOR, {
      callId: 'c2',
      cseq: 1,
      add: [b({ callId: 'c2', cseq: 1 })],
    });
    assert.ok(other.ok);
    await r.close();
  });

  void it('removes by key, by expires=0, and all with Contact: *', async () => {
    const r = await rig();
    const add = [b(), b({ contact: 'sip:69@10.0.0.2' }), b({ contact: 'sip:69@10.0.0.3' })];
    await r.svc.applyRegister(AOR, { callId: 'c1', cseq: 1, add });
    const o1 = await r.svc.applyRegister(AOR, {
      callId: 'c1',
      cseq: 2,
      remove: [contactKey(add[1] as Binding)],
    });
    assert.ok(o1.ok && o1.removed === 1 && o1.bindings.length === 2);
    const o2 = await r.svc.applyRegister(AOR, {
      callId: 'c1',
      cseq: 3,
      add: [b({ contact: 'sip:69@10.0.0.3', cseq: 3, expiresAt: T0 })],
    });
    assert.ok(o2.ok && o2.removed === 1 && o2.bindings.length === 1);
    const o3 = await r.svc.applyRegister(AOR, { callId: 'c1', cseq: 4, removeAll: true });
    assert.ok(o3.ok && o3.bindings.length === 0);
    assert.equal(r.svc.size.aors, 0);
    assert.deepEqual(await r.store.loadAll(), []);
    await r.close();
  });

  void it('replaces a binding with the same instance and reg-id (RFC 5626)', async () => {
    const r = await rig();
    const inst = '<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>';
    await r.svc.applyRegister(AOR, { callId: 'c1', cseq: 1, add: [b({ instance: inst, regId: 1 })] });
    const o = await r.svc.applyRegister(AOR, {
      callId: 'c9',
      cseq: 1,
      add: [b({ instance: inst, regId: 1, contact: 'sip:69@198.51.100.1:40000', callId: 'c9' })],
    });
    assert.ok(o.ok && o.refreshed === 1 && o.bindings.length === 1);
    assert.equal(o.ok && o.bindings[0]?.contact, 'sip:69@198.51.100.1:40000');
    await r.close();
  });

  void it('enforces the contact limit: reject, or evict the oldest', async () => {
    const r = await rig({ maxContactsPerAor: 2 });
    const mk = (i: number): Binding =>
      b({ contact: `sip:69@10.0.0.${i}`, callId: `c${i}`, receivedAt: T0 + i });
    await r.svc.applyRegister(AOR, { callId: 'c1', cseq: 1, add: [mk(1), mk(2)] });
    const o = await r.svc.applyRegister(AOR, { callId: 'c3', cseq: 1, add: [mk(3)] });
    assert.deepEqual(o, { ok: false, reason: 'too-many-contacts', max: 2, wanted: 3 });
    await r.close();

    const e = await rig({ maxContactsPerAor: 2, tooManyContacts: 'evict-oldest' });
    await e.svc.applyRegister(AOR, { callId: 'c1', cseq: 1, add: [mk(1), mk(2)] });
    const o2 = await e.svc.applyRegister(AOR, { callId: 'c3', cseq: 1, add: [mk(3)] });
    assert.ok(o2.ok && o2.evicted === 1);
    assert.deepEqual(
      e.svc
        .lookup(AOR)
        .map((x) => x.contact)
        .sort(),
      ['sip:69@10.0.0.2', 'sip:69@10.0.0.3'],
    );
    const o3 = await e.svc.applyRegister(AOR, { callId: 'c4', cseq: 1, add: [mk(4), mk(5), mk(6)] });
    assert.equal(o3.ok, false, 'a single REGISTER above the limit is rejected even when evicting');
    await e.close();
  });

  void it('orders lookups by q, then most recent', async () => {
    const r = await rig();
    await r.svc.applyRegister(AOR, {
      callId: 'c1',
      cseq: 1,
      add: [
        b({ contact: 'sip:69@10.0.0.1', contactParams: { q: '0.5' } }),
        b({ contact: 'sip:69@10.0.0.2', contactParams: { q: '0.9' } }),
        b({ contact: 'sip:69@10.0.0.3', receivedAt: T0 + 5 }),
      ],
    });
    assert.deepEqual(
      r.svc.lookup(AOR).map((x) => x.contact),
      ['sip:69@10.0.0.3', 'sip:69@10.0.0.2', 'sip:69@10.0.0.1'],
    );
    await r.close();
  });

  void it('indexes instruments (seed 002: two lines on instrument 0000deadbeef)', async () => {
    const r = await rig();
    const line = (user: string, instrument?: string): Binding =>
      b({
        aor: `sip:${user}@example.net`,
        contact: `sip:${user}@10.3.14.159`,
        instrument,
        callId: `c-${user}`,
      });
    await r.svc.applyRegister('sip:69@example.net', {
      callId: 'c-69',
      cseq: 1,
      add: [line('69', '0000deadbeef')],
    });
    await r.svc.applyRegister('sip:70@example.net', {
      callId: 'c-70',
      cseq: 1,
      add: [line('70', '0000deadbeef')],
    });
    await r.svc.applyRegister('sip:71@example.net', { callId: 'c-71', cseq: 1, add: [line('71')] });
    assert.deepEqual(
      r.svc
        .byInstrument('0000deadbeef')
        .map((x) => x.aor)
        .sort(),
      ['sip:69@example.net', 'sip:70@example.net'],
    );
    assert.deepEqual(
      r.svc.byAorAndInstrument('sip:70@example.net', '0000deadbeef').map((x) => x.contact),
      ['sip:70@10.3.14.159'],
    );
    assert.deepEqual(r.svc.byAorAndInstrument('sip:71@example.net', '0000deadbeef'), []);
    assert.deepEqual(r.svc.listInstruments(), [
      { instrument: '0000deadbeef', aors: ['sip:69@example.net', 'sip:70@example.net'] },
    ]);
    assert.equal(r.metrics.get('registrar_instruments')?.samples()[0]?.value, 1);
    // A refresh that moves line 70 to another instrument updates the index.
    await r.svc.applyRegister('sip:70@example.net', {
      callId: 'c-70',
      cseq: 2,
      add: [{ ...line('70', '0004f2aabbcc'), cseq: 2 }],
    });
    assert.deepEqual(
      r.svc.byInstrument('0000deadbeef').map((x) => x.aor),
      ['sip:69@example.net'],
    );
    assert.equal(r.svc.listInstruments().length, 2);
    await r.close();
  });

  void it('expires bindings on time: one log line, one count, persisted removal', async () => {
    const r = await rig({ expiryTickMs: 1000 });
    await r.svc.applyRegister(AOR, {
      callId: 'c1',
      cseq: 1,
      add: [
        b({ expiresAt: T0 + 10_000, instrument: '0000deadbeef' }),
        b({ contact: 'sip:69@10.0.0.9', expiresAt: T0 + 60_000 }),
      ],
    });
    r.svc.expireDue(T0 + 9_999);
    assert.equal(r.svc.size.bindings, 2);
    // Past expiry but before the sweep: hidden from lookups already.
    r.clock.t = T0 + 10_500;
    assert.equal(r.svc.lookup(AOR).length, 1);
    r.svc.expireDue(T0 + 11_000);
    assert.equal(r.svc.size.bindings, 1);
    assert.equal(r.svc.size.instruments, 0);
    await r.svc.settled();
    assert.equal((await r.store.loadAll()).length, 1);
    assert.equal(r.metrics.counter('registrar_binding_expirations', '').total(), 1);
    const line = r.logs.find((l) => l['msg'] === 'binding expired');
    assert.ok(line);
    assert.equal(line['level'], 'info');
    assert.equal(line['aor'], AOR);
    assert.equal(line['contact'], 'sip:69@10.3.14.159');
    assert.equal(line['instrument'], '0000deadbeef');
    assert.equal(r.metrics.get('registrar_bindings')?.samples()[0]?.value, 1);
    assert.equal(r.metrics.get('registrar_aors')?.samples()[0]?.value, 1);
    await r.close();
  });

  void it('a refresh beats the expiry of the old binding', async () => {
    const r = await rig();
    await r.svc.applyRegister(AOR, { callId: 'c1', cseq: 1, add: [b({ expiresAt: T0 + 1000 })] });
    await r.svc.applyRegister(AOR, { callId: 'c1', cseq: 2, add: [b({ cseq: 2, expiresAt: T0 + 100_000 })] });
    r.clock.t = T0 + 5000;
    r.svc.expireDue();
    await r.svc.settled();
    assert.equal(r.svc.lookup(AOR).length, 1);
    assert.equal((await r.store.loadAll()).length, 1);
    assert.equal(r.metrics.counter('registrar_binding_expirations', '').total(), 0);
    await r.close();
  });

  void it('serialises concurrent REGISTERs for one AOR', async () => {
    const r = await rig();
    const [a, c] = await Promise.all([
      r.svc.applyRegister(AOR, { callId: 'c1', cseq: 2, add: [b({ cseq: 2 })] }),
      r.svc.applyRegister(AOR, { callId: 'c1', cseq: 1, add: [b({ cseq: 1 })] }),
    ]);
    assert.equal(a.ok, true);
    assert.deepEqual(c, { ok: false, reason: 'out-of-order', contactKey: contactKey(b()) });
    await r.close();
  });

  void it('reports a storage failure as a value and leaves the cache untouched', async () => {
    const failing: LocationStore = {
      write: async (_c: LocationWrite) => {
        throw new Error('disk on fire');
      },
      upsert: async () => undefined,
      remove: async () => undefined,
      loadAll: async () => [],
      removeExpired: async () => 0,
      close: async () => undefined,
    };
    const svc = new LocationService({ store: failing }, { now: () => T0 });
    await svc.start();
    const o = await svc.applyRegister(AOR, { callId: 'c1', cseq: 1, add: [b()] });
    assert.equal(o.ok, false);
    assert.equal(!o.ok && o.reason, 'storage-failed');
    assert.deepEqual(svc.lookup(AOR), []);
    await svc.stop();
  });

  void it('restores cache, indexes and index counters from the store on start', async () => {
    const db = new SqliteDatabase({}, { path: ':memory:' });
    const r1 = await rig({}, db);
    for (let i = 0; i < 5; i++)
      await r1.svc.applyRegister(`sip:${i}@example.net`, {
        callId: 'c',
        cseq: 1,
        add: [
          b({
            aor: `sip:${i}@example.net`,
            contact: `sip:${i}@10.0.0.${i}`,
            ...(i % 2 ? { instrument: 'aa' } : {}),
          }),
        ],
      });
    await r1.svc.applyRegister('sip:1@example.net', { callId: 'c', cseq: 2, removeAll: true });
    const before = [...r1.svc.entries()];
    await r1.close();
    const r2 = await rig({}, db);
    assert.deepEqual([...r2.svc.entries()], before);
    assert.deepEqual(
      r2.svc.byInstrument('aa').map((x) => x.aor),
      ['sip:3@example.net'],
    );
    const o = await r2.svc.applyRegister('sip:9@example.net', {
      callId: 'c',
      cseq: 1,
      add: [b({ aor: 'sip:9@example.net', contact: 'sip:9@10.0.0.9' })],
    });
    assert.ok(o.ok);
    assert.ok(o.ok && (o.bindings[0]?.userIndex ?? 0) > Math.max(...before.map((e) => e.userIndex)));
    await r2.close();
    db.close();
  });

  void it('gives stable, monotonic SNMP indexes with ordered GETNEXT', async () => {
    const r = await rig();
    const reg = (u: string, hosts: number[], cseq = 1) =>
      r.svc.applyRegister(`sip:${u}@x`, {
        callId: 'c',
        cseq,
        add: hosts.map((h) => b({ aor: `sip:${u}@x`, contact: `sip:${u}@10.0.0.${h}`, cseq })),
      });
    await reg('a', [1, 2]);
    await reg('b', [3]);
    await reg('c', [4]);
    const idx = [...r.svc.entries()].map((e) => [e.userIndex, e.bindings.map((x) => x.contactIndex)]);
    assert.deepEqual(idx, [
      [1, [1, 2]],
      [2, [3]],
      [3, [4]],
    ]);
    // b disappears and comes back: new, larger index; indexes are never reused.
    await r.svc.applyRegister('sip:b@x', { callId: 'c', cseq: 2, removeAll: true });
    await reg('b', [3], 3);
    assert.deepEqual(
      [...r.svc.entries()].map((e) => [e.aor, e.userIndex]),
      [
        ['sip:a@x', 1],
        ['sip:c@x', 3],
        ['sip:b@x', 4],
      ],
    );
    assert.equal(r.svc.nextUser(0)?.userIndex, 1);
    assert.equal(r.svc.nextUser(1)?.userIndex, 3);
    assert.equal(r.svc.nextUser(2)?.userIndex, 3);
    assert.equal(r.svc.nextUser(4), undefined);
    assert.equal(r.svc.userByIndex(2), undefined);
    const walk: [number, number][] = [];
    for (let c = r.svc.nextContact(0, 0); c; c = r.svc.nextContact(c.userIndex, c.contactIndex))
      walk.push([c.userIndex, c.contactIndex]);
    assert.deepEqual(walk, [
      [1, 1],
      [1, 2],
      [3, 4],
      [4, 5],
    ]);
    assert.equal(r.svc.contactByIndex(1, 2)?.contact, 'sip:a@10.0.0.2');
    await r.close();
  });
});

void describe('canonicalContactUri fast path', () => {
  void it('gives what the general algorithm gives, for generated URIs', () => {
    let seed = 99;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)] as T;
    const schemes = ['sip:', 'sips:', 'SIP:', 'Sip:', 'tel:', ' sip:'];
    const users = ['', 'alice@', 'Alice@', 'a;x=1@', 'u%41@', 'bob:pw@', '69@', 'a@b@', 'é@'];
    const hosts = ['h', 'example.com', 'EXAMPLE.com', '10.0.0.1', '[::1]', 'Ünï.example', 'host'];
    const ports = ['', ':5060', ':5094'];
    const params = [
      '',
      ';transport=udp',
      ';transport=UDP',
      ';Transport=TCP',
      ';line=abc',
      ';lr',
      ';user=phone',
      ';transport=tcp;user=ip',
      ';ttl=5;line=x',
      ';',
      ';;maddr=1.2.3.4',
      ';method=REGISTER',
      ';x=%41',
      ';transport',
    ];
    const tails = ['', '', '', '?h=1', ' ', '\u00a0', '\t'];
    for (let i = 0; i < 20_000; i++) {
      const u =
        pick(schemes) + pick(users) + pick(hosts) + pick(ports) + pick(params) + pick(params) + pick(tails);
      assert.equal(canonicalContactUri(u), canonicalContactUriGeneral(u), JSON.stringify(u));
    }
  });
});
