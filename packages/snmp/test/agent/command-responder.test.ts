import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CommandResponder,
  CommunityAccessControl,
  ErrorStatus,
  MibRegistry,
  ScalarHandler,
  SortedTable,
  TableHandler,
  oid,
  pduSize,
  sortedTableSource,
  type BasicPdu,
  type BulkPdu,
  type Oid,
  type RequestContext,
} from '../../src/index.js';

const entry = oid('1.3.6.1.4.1.99999.1.1.1');

function setup(): CommandResponder {
  const registry = new MibRegistry();
  const table = new SortedTable<number>();
  for (let i = 1; i <= 100; i++) table.set([i], i);
  registry.register(
    entry,
    new TableHandler(
      entry,
      [1, 2],
      sortedTableSource(table, {
        1: (v) => ({ type: 'Integer', value: v }),
        2: (v) => ({ type: 'Counter64', value: BigInt(v) }),
      }),
    ),
  );
  const s = oid('1.3.6.1.4.1.99999.9');
  registry.register(
    s,
    new ScalarHandler(s, { get: () => ({ type: 'OctetString', value: Buffer.alloc(400, 0x41) }) }),
  );
  return new CommandResponder({
    registry,
    access: new CommunityAccessControl([
      { community: 'public' },
      { community: 'limited', view: [oid('1.3.6.1.4.1.99999.1.1.1.2')] },
    ]),
  });
}

const ctx = (name = 'public', model = 2): RequestContext => ({
  securityModel: model,
  securityName: name,
  securityLevel: 'noAuthNoPriv',
  contextName: '',
});
const nulls = (...oids: Oid[]) => oids.map((o) => ({ oid: o, value: { type: 'Null' as const } }));

void test('GetBulk: non-repeaters, repetitions in round-robin order, endOfMibView', () => {
  const r = setup();
  const pdu: BulkPdu = {
    type: 'GetBulkRequest',
    requestId: 1,
    nonRepeaters: 1,
    maxRepetitions: 3,
    varbinds: nulls(oid('1.3.6.1.4.1.99999.1.1.1.1.100'), [...entry, 1, 98], [...entry, 2, 99]),
  };
  const res = r.process({ pdu, ctx: ctx(), version: 1, maxPduSize: 65000 });
  assert.equal(res.kind, 'response');
  if (res.kind !== 'response') return;
  const got = res.pdu.varbinds.map((v) => `${v.oid.join('.')}=${v.value.type}`);
  assert.deepEqual(got, [
    `${entry.join('.')}.2.1=Counter64`,
    `${entry.join('.')}.1.99=Integer`,
    `${entry.join('.')}.2.100=Counter64`,
    `${entry.join('.')}.1.100=Integer`,
    `1.3.6.1.4.1.99999.9.0=OctetString`,
    `${entry.join('.')}.2.1=Counter64`,
    `1.3.6.1.4.1.99999.9.0=EndOfMibView`,
  ]);
  assert.equal(got.length, 7);
});

void test('GetBulk is truncated to the response size limit (RFC 3416 §4.2.3)', () => {
  const r = setup();
  const pdu: BulkPdu = {
    type: 'GetBulkRequest',
    requestId: 1,
    nonRepeaters: 0,
    maxRepetitions: 100,
    varbinds: nulls(entry),
  };
  const res = r.process({ pdu, ctx: ctx(), version: 1, maxPduSize: 400 });
  assert.ok(res.kind === 'response');
  assert.equal(res.pdu.errorStatus, 0);
  assert.ok(res.pdu.varbinds.length > 5 && res.pdu.varbinds.length < 100);
  assert.ok(pduSize(res.pdu) <= 400);
});

void test('Get whose response does not fit: tooBig with empty varbinds', () => {
  const r = setup();
  const pdu: BasicPdu = {
    type: 'GetRequest',
    requestId: 5,
    errorStatus: 0,
    errorIndex: 0,
    varbinds: nulls(oid('1.3.6.1.4.1.99999.9.0')),
  };
  const res = r.process({ pdu, ctx: ctx(), version: 1, maxPduSize: 300 });
  assert.ok(res.kind === 'response');
  assert.deepEqual(
    [res.pdu.errorStatus, res.pdu.errorIndex, res.pdu.varbinds.length],
    [ErrorStatus.tooBig, 0, 0],
  );
});

void test('SNMPv1: exceptions and Counter64 become noSuchName; GetNext skips Counter64', () => {
  const r = setup();
  const get: BasicPdu = {
    type: 'GetRequest',
    requestId: 5,
    errorStatus: 0,
    errorIndex: 0,
    varbinds: nulls([...entry, 1, 1], [...entry, 2, 1]),
  };
  const res = r.process({ pdu: get, ctx: ctx('public', 1), version: 0, maxPduSize: 65000 });
  assert.ok(res.kind === 'response');
  assert.deepEqual([res.pdu.errorStatus, res.pdu.errorIndex], [ErrorStatus.noSuchName, 2]);
  assert.deepEqual(res.pdu.varbinds, get.varbinds);
  const next: BasicPdu = {
    type: 'GetNextRequest',
    requestId: 6,
    errorStatus: 0,
    errorIndex: 0,
    varbinds: nulls([...entry, 1, 100]),
  };
  const n = r.process({ pdu: next, ctx: ctx('public', 1), version: 0, maxPduSize: 65000 });
  assert.ok(n.kind === 'response');
  assert.deepEqual(n.pdu.varbinds[0]!.oid, oid('1.3.6.1.4.1.99999.9.0'));
  // v1 SET on a read-only object: notWritable -> noSuchName (RFC 3584 §4.4)
  const set: BasicPdu = {
    type: 'SetRequest',
    requestId: 7,
    errorStatus: 0,
    errorIndex: 0,
    varbinds: [{ oid: [...entry, 1, 1], value: { type: 'Integer', value: 1 } }],
  };
  const s = r.process({ pdu: set, ctx: ctx('public', 1), version: 0, maxPduSize: 65000 });
  assert.ok(s.kind === 'response');
  assert.deepEqual([s.pdu.errorStatus, s.pdu.errorIndex], [ErrorStatus.noSuchName, 1]);
});

void test('views: Get outside the view is noSuchObject, GetNext skips; unknown securityName is dropped', () => {
  const r = setup();
  const get: BasicPdu = {
    type: 'GetRequest',
    requestId: 1,
    errorStatus: 0,
    errorIndex: 0,
    varbinds: nulls([...entry, 2, 1], [...entry, 1, 1]),
  };
  const g = r.process({ pdu: get, ctx: ctx('limited'), version: 1, maxPduSize: 65000 });
  assert.ok(g.kind === 'response');
  assert.deepEqual(
    g.pdu.varbinds.map((v) => v.value.type),
    ['Counter64', 'NoSuchObject'],
  );
  const next: BasicPdu = {
    type: 'GetNextRequest',
    requestId: 1,
    errorStatus: 0,
    errorIndex: 0,
    varbinds: nulls(oid('1.3')),
  };
  const n = r.process({ pdu: next, ctx: ctx('limited'), version: 1, maxPduSize: 65000 });
  assert.ok(n.kind === 'response');
  assert.deepEqual(n.pdu.varbinds[0]!.oid, [...entry, 2, 1]);
  const d = r.process({ pdu: get, ctx: ctx('nobody'), version: 1, maxPduSize: 65000 });
  assert.equal(d.kind, 'drop');
  const v3 = r.process({ pdu: get, ctx: ctx('nobody', 3), version: 3, maxPduSize: 65000 });
  assert.ok(v3.kind === 'response' && v3.pdu.errorStatus === ErrorStatus.authorizationError);
});

void test('GetBulk stops once every repeater reached endOfMibView', () => {
  const r = setup();
  const pdu: BulkPdu = {
    type: 'GetBulkRequest',
    requestId: 1,
    nonRepeaters: 0,
    maxRepetitions: 50,
    varbinds: nulls(oid('1.3.6.1.4.1.99999.9.0'), [...entry, 2, 100]),
  };
  const res = r.process({ pdu, ctx: ctx(), version: 1, maxPduSize: 65000 });
  assert.ok(res.kind === 'response');
  assert.deepEqual(
    res.pdu.varbinds.map((v) => v.value.type),
    ['EndOfMibView', 'OctetString', 'EndOfMibView', 'EndOfMibView'],
  );
});

void test('SNMPv1 tooBig keeps the request varbinds', () => {
  const r = setup();
  const pdu: BasicPdu = {
    type: 'GetRequest',
    requestId: 5,
    errorStatus: 0,
    errorIndex: 0,
    varbinds: nulls(oid('1.3.6.1.4.1.99999.9.0')),
  };
  const res = r.process({ pdu, ctx: ctx('public', 1), version: 0, maxPduSize: 300 });
  assert.ok(res.kind === 'response');
  assert.deepEqual([res.pdu.errorStatus, res.pdu.varbinds], [ErrorStatus.tooBig, pdu.varbinds]);
});

void test('a throwing MIB handler yields genErr instead of an exception', () => {
  const registry = new MibRegistry();
  const root = oid('1.3.6.1.4.1.99999.7');
  registry.register(root, {
    get: () => {
      throw new Error('bug');
    },
    isObject: () => true,
    next: () => {
      throw new Error('bug');
    },
  });
  const r = new CommandResponder({ registry, access: new CommunityAccessControl([{ community: 'public' }]) });
  for (const type of ['GetRequest', 'GetNextRequest'] as const) {
    const pdu: BasicPdu = {
      type,
      requestId: 1,
      errorStatus: 0,
      errorIndex: 0,
      varbinds: nulls([...root, 0]),
    };
    const res = r.process({ pdu, ctx: ctx(), version: 1, maxPduSize: 65000 });
    assert.ok(res.kind === 'response');
    assert.deepEqual([res.pdu.errorStatus, res.pdu.errorIndex], [ErrorStatus.genErr, 1]);
  }
});
