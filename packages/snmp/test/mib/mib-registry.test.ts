import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MibRegistry,
  ScalarHandler,
  SortedTable,
  TableHandler,
  compareOid,
  formatOid,
  oid,
  parseOid,
  sortedTableSource,
  type RequestContext,
} from '../../src/index.js';

const ctx: RequestContext = {
  securityModel: 2,
  securityName: 'public',
  securityLevel: 'noAuthNoPriv',
  contextName: '',
};

void test('OID parse/format/compare', () => {
  assert.deepEqual(parseOid('.1.3.6.1'), { ok: true, oid: [1, 3, 6, 1] });
  assert.equal(parseOid('1..3').ok, false);
  assert.equal(parseOid('1.3.x').ok, false);
  assert.equal(parseOid('1.4294967296').ok, false);
  assert.equal(parseOid('1.4294967295').ok, true);
  assert.equal(parseOid('1.03').ok, false);
  assert.equal(formatOid([1, 3, 6]), '1.3.6');
  assert.ok(compareOid([1, 3], [1, 3, 0]) < 0);
  assert.ok(compareOid([1, 4], [1, 3, 9]) > 0);
  assert.equal(compareOid([1, 3], [1, 3]), 0);
});

void test('SortedTable: incremental insert/delete and successor queries', () => {
  const t = new SortedTable<string>();
  for (const i of [5, 1, 3, 10, 2]) t.set([i], `r${i}`);
  t.set([1, 1], 'r1.1');
  assert.equal(t.size, 6);
  assert.deepEqual(t.next(undefined)?.index, [1]);
  assert.deepEqual(t.next([1])?.index, [1, 1]);
  assert.deepEqual(t.next([1, 1])?.index, [2]);
  assert.deepEqual(t.next([4])?.index, [5]);
  assert.equal(t.next([10]), undefined);
  assert.ok(t.delete([3]));
  assert.equal(t.delete([3]), false);
  assert.deepEqual(t.next([2])?.index, [5]);
  t.set([5], 'five');
  assert.equal(t.get([5]), 'five');
});

void test('registry rejects overlapping registrations', () => {
  const r = new MibRegistry();
  const h = new ScalarHandler(oid('1.3.6.1.2.1.1.1'), { get: () => ({ type: 'Integer', value: 1 }) });
  assert.ok(r.register(oid('1.3.6.1.2.1.1.1'), h).ok);
  assert.equal(r.register(oid('1.3.6.1.2.1.1'), h).ok, false);
  assert.equal(r.register(oid('1.3.6.1.2.1.1.1.5'), h).ok, false);
  assert.ok(r.register(oid('1.3.6.1.2.1.1.2'), h).ok);
});

void test('get: noSuchObject vs noSuchInstance; getNext across scalars and table columns', () => {
  const r = new MibRegistry();
  const a = oid('1.3.6.1.4.1.1.1');
  r.register(a, new ScalarHandler(a, { get: () => ({ type: 'Integer', value: 11 }) }));
  const table = new SortedTable<{ v: number }>();
  for (const i of [3, 1, 2]) table.set([i], { v: i * 10 });
  table.set([4], { v: -1 }); // sparse: column 3 absent for row 4
  const entry = oid('1.3.6.1.4.1.1.2.1');
  r.register(
    entry,
    new TableHandler(
      entry,
      [2, 3],
      sortedTableSource(table, {
        2: (row) => ({ type: 'Integer', value: row.v }),
        3: (row) => (row.v < 0 ? undefined : { type: 'Gauge32', value: row.v }),
      }),
    ),
  );
  assert.deepEqual(r.get([...a, 0], ctx).value, { type: 'Integer', value: 11 });
  assert.equal(r.get([...a, 1], ctx).value.type, 'NoSuchInstance');
  assert.equal(r.get(oid('1.3.6.1.4.1.1.3.0'), ctx).value.type, 'NoSuchObject');
  assert.equal(r.get([...entry, 9, 1], ctx).value.type, 'NoSuchObject');
  assert.equal(r.get([...entry, 2, 9], ctx).value.type, 'NoSuchInstance');
  const walk: string[] = [];
  let cur = oid('1.3');
  for (;;) {
    const vb = r.next(cur, ctx);
    if (!vb) break;
    walk.push(formatOid(vb.oid));
    cur = vb.oid;
  }
  assert.deepEqual(walk, [
    '1.3.6.1.4.1.1.1.0',
    '1.3.6.1.4.1.1.2.1.2.1',
    '1.3.6.1.4.1.1.2.1.2.2',
    '1.3.6.1.4.1.1.2.1.2.3',
    '1.3.6.1.4.1.1.2.1.2.4',
    '1.3.6.1.4.1.1.2.1.3.1',
    '1.3.6.1.4.1.1.2.1.3.2',
    '1.3.6.1.4.1.1.2.1.3.3',
  ]);
  // next from inside a column with a partial index
  assert.equal(formatOid(r.next([...entry, 2, 2, 5], ctx)!.oid), '1.3.6.1.4.1.1.2.1.2.3');
  assert.equal(formatOid(r.next([...entry, 1], ctx)!.oid), '1.3.6.1.4.1.1.2.1.2.1');
  assert.equal(r.next([...entry, 3, 3], ctx), undefined);
});

void test('a 100,000-row table walks completely and in order', () => {
  const r = new MibRegistry();
  const table = new SortedTable<number>();
  for (let i = 100_000; i >= 1; i--) table.set([i], i);
  const entry = oid('1.3.6.1.4.1.1.2.1');
  r.register(
    entry,
    new TableHandler(entry, [1], sortedTableSource(table, { 1: (v) => ({ type: 'Integer', value: v }) })),
  );
  let cur = entry;
  let n = 0;
  for (;;) {
    const vb = r.next(cur, ctx);
    if (!vb) break;
    assert.ok(compareOid(vb.oid, cur) > 0);
    cur = vb.oid;
    n++;
  }
  assert.equal(n, 100_000);
});
