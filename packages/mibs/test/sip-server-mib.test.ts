import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { compareOid, MibRegistry, type SnmpValue } from '@beckon/snmp';
import { COLUMNS, SIP_SERVER_ENTRIES, registerSipServerMib, timeStampOfEpoch } from '../src/index.js';
import { fakeRegistrar, fakeServer } from './helpers/fake-sip.js';
import { buildSipRegistry, CTX, get, walk } from './helpers/sip-registry.js';

const S = SIP_SERVER_ENTRIES;
const num = (v: SnmpValue): number => ('value' in v && typeof v.value === 'number' ? v.value : NaN);
const text = (v: SnmpValue): string => (v.type === 'OctetString' ? v.value.toString('utf8') : `<${v.type}>`);

void describe('SIP-SERVER-MIB', () => {
  void test('server, proxy and registrar configuration and statistics', () => {
    const t = buildSipRegistry(3, 2);
    assert.equal(num(get(t.registry, [...S.sipServerCfgEntry, 1, 1])), 1);
    assert.deepEqual(get(t.registry, [...S.sipServerCfgEntry, 2, 1]), {
      type: 'OctetString',
      value: Buffer.from([192, 0, 2, 10]),
    });
    // the UA (applIndex 2) has no server rows
    assert.equal(get(t.registry, [...S.sipServerCfgEntry, 1, 2]).type, 'NoSuchInstance');
    assert.equal(num(get(t.registry, [...S.sipServerProxyCfgEntry, 1, 1])), 2);
    assert.equal(num(get(t.registry, [...S.sipServerProxyCfgEntry, 3, 1])), 1);
    // digest(2): 0b0010_0000
    assert.deepEqual(get(t.registry, [...S.sipServerProxyCfgEntry, 4, 1]), {
      type: 'OctetString',
      value: Buffer.from([0x20]),
    });
    assert.equal(num(get(t.registry, [...S.sipServerProxyStatsEntry, 1, 1])), 1);
    const rc = COLUMNS.sipServerRegCfgEntry;
    assert.equal(
      num(get(t.registry, [...S.sipServerRegCfgEntry, rc.sipServerRegMaxContactExpiryDuration, 1])),
      7200,
    );
    assert.deepEqual(get(t.registry, [...S.sipServerRegCfgEntry, rc.sipServerRegCurrentUsers, 1]), {
      type: 'Gauge32',
      value: 3,
    });
    assert.equal(num(get(t.registry, [...S.sipServerRegStatsEntry, 1, 1])), 33);
    assert.equal(num(get(t.registry, [...S.sipServerRegStatsEntry, 2, 1])), 7);
    t.metrics.counter('registrar_accepted_registrations', '').inc();
    assert.equal(num(get(t.registry, [...S.sipServerRegStatsEntry, 1, 1])), 34);
  });

  void test('user and contact rows, Get and GetNext from arbitrary points', () => {
    const t = buildSipRegistry(3, 2);
    const u = COLUMNS.sipServerRegUserEntry;
    const c = COLUMNS.sipServerRegContactEntry;
    // users have indexes 2, 4, 6 (sparse), two contacts each
    assert.deepEqual(
      walk(t.registry, [...S.sipServerRegUserEntry, u.sipServerRegUserUri]).map((vb) => [
        vb.oid.at(-1),
        text(vb.value),
      ]),
      [
        [2, 'user1@example.com'],
        [4, 'user2@example.com'],
        [6, 'user3@example.com'],
      ],
    );
    assert.equal(
      text(get(t.registry, [...S.sipServerRegContactEntry, c.sipServerRegContactURI, 1, 4, 2])),
      'sip:user2@192.0.2.2:5060',
    );
    assert.equal(
      get(t.registry, [...S.sipServerRegContactEntry, c.sipServerRegContactURI, 1, 4, 3]).type,
      'NoSuchInstance',
    );
    const uriCol = [...S.sipServerRegContactEntry, c.sipServerRegContactURI];
    // from a user with no contact of that index / between users / a longer OID
    assert.deepEqual(t.registry.next([...uriCol, 1, 3], CTX)?.oid, [...uriCol, 1, 4, 1]);
    assert.deepEqual(t.registry.next([...uriCol, 1, 4, 2], CTX)?.oid, [...uriCol, 1, 6, 1]);
    assert.deepEqual(t.registry.next([...uriCol, 1, 4, 1, 7, 7], CTX)?.oid, [...uriCol, 1, 4, 2]);
    // past the last contact: the next column
    assert.deepEqual(t.registry.next([...uriCol, 1, 6, 2], CTX)?.oid, [
      ...S.sipServerRegContactEntry,
      c.sipServerRegContactLastUpdated,
      1,
      2,
      1,
    ]);
    // DateAndTime of 2026-11-21 06:00:00 UTC, 11 octets
    assert.deepEqual(get(t.registry, [...S.sipServerRegContactEntry, c.sipServerRegContactExpiry, 1, 2, 1]), {
      type: 'OctetString',
      value: Buffer.from([0x07, 0xea, 11, 21, 6, 0, 0, 0, 0x2b, 0, 0]),
    });
  });

  void test('walking 100,000 contacts costs one successor query per GetNext', () => {
    const registry = new MibRegistry();
    const users = 50_000;
    const { registrar, calls } = fakeRegistrar(users, 2);
    registerSipServerMib(
      registry,
      { servers: () => [fakeServer(1, new MetricsRegistry(), registrar)] },
      { log: silentLogger() },
    );
    const entry = S.sipServerRegContactEntry;
    let prev: readonly number[] = entry;
    let steps = 0;
    for (;;) {
      const vb = registry.next(prev, CTX);
      if (!vb || compareOid(vb.oid, [...entry, 7]) >= 0 || vb.oid.length < entry.length) break;
      if (vb.oid[entry.length - 1] !== entry.at(-1)) break;
      assert.ok(compareOid(prev, vb.oid) < 0);
      prev = vb.oid;
      steps++;
    }
    assert.equal(steps, 5 * 100_000);
    // one contactAfter per GetNext, plus one (empty) at the end of each of the 5 columns
    assert.ok(
      calls.contactAfter <= steps + 5,
      `${calls.contactAfter} contactAfter calls for ${steps} GetNexts`,
    );
    assert.equal(calls.getContact, 0);
    assert.equal(calls.userAfter, 0);
    // the users table: 3 columns x 50,000 rows
    const before = calls.userAfter;
    const n = walk(registry, S.sipServerRegUserEntry).length;
    assert.equal(n, 3 * users);
    assert.ok(calls.userAfter - before <= n + 3);
  });

  void test('TimeStamp of a wall-clock event', () => {
    assert.equal(timeStampOfEpoch(9_000, 5000, 10_000), 4900);
    assert.equal(timeStampOfEpoch(0, 5000, 100_000), 0, 'before the agent started');
    assert.equal(timeStampOfEpoch(10_500, 5000, 10_000), 5000, 'clock skew: not in the future');
  });
});
