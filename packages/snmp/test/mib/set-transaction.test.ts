import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ErrorStatus,
  MibRegistry,
  RowStatus,
  ScalarHandler,
  SetState,
  SortedTable,
  TableHandler,
  oid,
  rowStatusTableSource,
  runSetTransaction,
  type MibHandler,
  type Oid,
  type RequestContext,
  type SnmpValue,
} from '../../src/index.js';

const ctx: RequestContext = {
  securityModel: 2,
  securityName: 'private',
  securityLevel: 'noAuthNoPriv',
  contextName: '',
};
const int = (value: number): SnmpValue => ({ type: 'Integer', value });

function writableScalar(
  r: MibRegistry,
  root: Oid,
  state: { v: number },
  opts: { failCommit?: boolean; failUndo?: boolean } = {},
): void {
  r.register(
    root,
    new ScalarHandler(root, {
      get: () => int(state.v),
      set: {
        type: 'Integer',
        validate: (v) => (v.type === 'Integer' && v.value > 100 ? 'wrongValue' : undefined),
        apply: (v) => {
          if (v.type !== 'Integer') return false;
          if (opts.failCommit && v.value !== state.v && v.value === 99) return false;
          if (opts.failUndo && v.value === 0) return false;
          state.v = v.value;
          return true;
        },
      },
    }),
  );
}

void test('all succeed: both applied', () => {
  const r = new MibRegistry();
  const a = { v: 1 };
  const b = { v: 2 };
  writableScalar(r, oid('1.3.9.1'), a);
  writableScalar(r, oid('1.3.9.2'), b);
  const o = runSetTransaction(
    r,
    [
      { oid: oid('1.3.9.1.0'), value: int(10) },
      { oid: oid('1.3.9.2.0'), value: int(20) },
    ],
    ctx,
  );
  assert.deepEqual([o.errorStatus, o.errorIndex], [0, 0]);
  assert.deepEqual(o.trace, [SetState.Test, SetState.Commit, SetState.Done]);
  assert.deepEqual([a.v, b.v], [10, 20]);
});

void test('phase 1 errors: index of the first failing varbind, nothing applied', () => {
  const r = new MibRegistry();
  const a = { v: 1 };
  writableScalar(r, oid('1.3.9.1'), a);
  r.register(oid('1.3.9.3'), new ScalarHandler(oid('1.3.9.3'), { get: () => int(3) }));
  const cases: [SnmpValue, Oid, number][] = [
    [int(500), oid('1.3.9.1.0'), ErrorStatus.wrongValue],
    [{ type: 'OctetString', value: Buffer.from('x') }, oid('1.3.9.1.0'), ErrorStatus.wrongType],
    [int(5), oid('1.3.9.3.0'), ErrorStatus.notWritable],
    [int(5), oid('1.3.9.1.1'), ErrorStatus.noCreation],
    [int(5), oid('1.3.9.99.0'), ErrorStatus.notWritable],
  ];
  for (const [value, o2, status] of cases) {
    const o = runSetTransaction(
      r,
      [
        { oid: oid('1.3.9.1.0'), value: int(7) },
        { oid: o2, value },
      ],
      ctx,
    );
    assert.deepEqual([o.errorStatus, o.errorIndex], [status, 2]);
    assert.equal(a.v, 1);
  }
  const denied = runSetTransaction(r, [{ oid: oid('1.3.9.1.0'), value: int(7) }], ctx, () => false);
  assert.deepEqual([denied.errorStatus, denied.errorIndex], [ErrorStatus.noAccess, 1]);
});

void test('commit failure undoes earlier commits -> commitFailed; failing undo -> undoFailed', () => {
  const r = new MibRegistry();
  const a = { v: 1 };
  const b = { v: 2 };
  writableScalar(r, oid('1.3.9.1'), a);
  writableScalar(r, oid('1.3.9.2'), b, { failCommit: true });
  const o = runSetTransaction(
    r,
    [
      { oid: oid('1.3.9.1.0'), value: int(10) },
      { oid: oid('1.3.9.2.0'), value: int(99) },
    ],
    ctx,
  );
  assert.deepEqual([o.errorStatus, o.errorIndex], [ErrorStatus.commitFailed, 2]);
  assert.deepEqual(o.trace, [SetState.Test, SetState.Commit, SetState.Undo, SetState.Done]);
  assert.deepEqual([a.v, b.v], [1, 2]);

  const r2 = new MibRegistry();
  const c = { v: 0 };
  writableScalar(r2, oid('1.3.9.1'), c, { failUndo: true });
  writableScalar(r2, oid('1.3.9.2'), b, { failCommit: true });
  const o2 = runSetTransaction(
    r2,
    [
      { oid: oid('1.3.9.1.0'), value: int(10) },
      { oid: oid('1.3.9.2.0'), value: int(99) },
    ],
    ctx,
  );
  assert.deepEqual([o2.errorStatus, o2.errorIndex], [ErrorStatus.undoFailed, 2]);
});

void test('a commit that throws counts as a failed commit', () => {
  const r = new MibRegistry();
  const h: MibHandler = {
    get: () => undefined,
    isObject: () => true,
    next: () => undefined,
    testSet: () => ({
      ok: true,
      action: {
        commit: () => {
          throw new Error('disk');
        },
        undo: () => true,
      },
    }),
  };
  r.register(oid('1.3.9.5'), h);
  const o = runSetTransaction(r, [{ oid: oid('1.3.9.5.0'), value: int(1) }], ctx);
  assert.equal(o.errorStatus, ErrorStatus.commitFailed);
});

interface Row {
  rowStatus: number;
  name?: string;
  mtu?: number;
}

function rowTable(): { r: MibRegistry; table: SortedTable<Row>; entry: Oid } {
  const r = new MibRegistry();
  const table = new SortedTable<Row>();
  const entry = oid('1.3.9.10.1');
  r.register(
    entry,
    new TableHandler(
      entry,
      [2, 3, 9],
      rowStatusTableSource<Row>({
        table,
        rowStatusColumn: 9,
        columns: {
          2: {
            type: 'OctetString',
            get: (row) =>
              row.name === undefined ? undefined : { type: 'OctetString', value: Buffer.from(row.name) },
            set: (row, v) => v.type === 'OctetString' && (row.name = v.value.toString()),
            validate: (v) => (v.type === 'OctetString' && v.value.length > 8 ? 'wrongLength' : undefined),
          },
          3: {
            type: 'Integer',
            get: (row) => (row.mtu === undefined ? undefined : int(row.mtu)),
            set: (row, v) => v.type === 'Integer' && (row.mtu = v.value),
          },
        },
        createRow: (index) =>
          index.length === 1 && index[0]! < 1000 ? { rowStatus: RowStatus.notReady } : undefined,
        isReady: (row) => row.name !== undefined,
        copyRow: (row) => ({ ...row }),
      }),
    ),
  );
  return { r, table, entry };
}

void test('RowStatus: createAndGo with columns in the same PDU, then modify, notInService, destroy', () => {
  const { r, table, entry } = rowTable();
  const rs = (i: number): Oid => [...entry, 9, i];
  const name = (i: number): Oid => [...entry, 2, i];
  const str = (s: string): SnmpValue => ({ type: 'OctetString', value: Buffer.from(s) });
  // createAndGo without the mandatory name: inconsistentValue
  let o = runSetTransaction(r, [{ oid: rs(1), value: int(RowStatus.createAndGo) }], ctx);
  assert.deepEqual([o.errorStatus, o.errorIndex], [ErrorStatus.inconsistentValue, 1]);
  // column before RowStatus in the PDU
  o = runSetTransaction(
    r,
    [
      { oid: name(1), value: str('eth0') },
      { oid: rs(1), value: int(RowStatus.createAndGo) },
    ],
    ctx,
  );
  assert.deepEqual([o.errorStatus, o.errorIndex], [0, 0]);
  assert.deepEqual(table.get([1]), { rowStatus: RowStatus.active, name: 'eth0' });
  // creating it again: inconsistentValue
  o = runSetTransaction(r, [{ oid: rs(1), value: int(RowStatus.createAndWait) }], ctx);
  assert.equal(o.errorStatus, ErrorStatus.inconsistentValue);
  // plain column change, wrongLength
  o = runSetTransaction(r, [{ oid: name(1), value: str('a-very-long-name') }], ctx);
  assert.deepEqual([o.errorStatus, o.errorIndex], [ErrorStatus.wrongLength, 1]);
  o = runSetTransaction(r, [{ oid: [...entry, 3, 1], value: int(1500) }], ctx);
  assert.equal(o.errorStatus, 0);
  assert.equal(table.get([1])?.mtu, 1500);
  // column of a non-existent row without create: noCreation
  o = runSetTransaction(r, [{ oid: name(2), value: str('x') }], ctx);
  assert.equal(o.errorStatus, ErrorStatus.noCreation);
  // index that can never be created
  o = runSetTransaction(r, [{ oid: rs(5000), value: int(RowStatus.createAndWait) }], ctx);
  assert.equal(o.errorStatus, ErrorStatus.noCreation);
  // createAndWait without name -> notReady; active fails until ready
  o = runSetTransaction(r, [{ oid: rs(2), value: int(RowStatus.createAndWait) }], ctx);
  assert.equal(o.errorStatus, 0);
  assert.equal(table.get([2])?.rowStatus, RowStatus.notReady);
  o = runSetTransaction(r, [{ oid: rs(2), value: int(RowStatus.active) }], ctx);
  assert.equal(o.errorStatus, ErrorStatus.inconsistentValue);
  o = runSetTransaction(
    r,
    [
      { oid: rs(2), value: int(RowStatus.active) },
      { oid: name(2), value: str('eth1') },
    ],
    ctx,
  );
  assert.equal(o.errorStatus, 0);
  assert.deepEqual(table.get([2]), { rowStatus: RowStatus.active, name: 'eth1' });
  // notReady cannot be set; bad values
  assert.equal(
    runSetTransaction(r, [{ oid: rs(2), value: int(3) }], ctx).errorStatus,
    ErrorStatus.wrongValue,
  );
  assert.equal(
    runSetTransaction(r, [{ oid: rs(2), value: int(7) }], ctx).errorStatus,
    ErrorStatus.wrongValue,
  );
  assert.equal(
    runSetTransaction(r, [{ oid: rs(9), value: int(RowStatus.active) }], ctx).errorStatus,
    ErrorStatus.inconsistentValue,
  );
  // destroy
  o = runSetTransaction(r, [{ oid: rs(1), value: int(RowStatus.destroy) }], ctx);
  assert.equal(o.errorStatus, 0);
  assert.equal(table.has([1]), false);
  // reads through the registry
  assert.deepEqual(r.get(rs(2), ctx).value, int(RowStatus.active));
});

void test('RowStatus: a failure later in the PDU leaves no half-created row', () => {
  const { r, table, entry } = rowTable();
  const ro = oid('1.3.9.20');
  r.register(ro, new ScalarHandler(ro, { get: () => int(1) }));
  const o = runSetTransaction(
    r,
    [
      { oid: [...entry, 2, 7], value: { type: 'OctetString', value: Buffer.from('x') } },
      { oid: [...entry, 9, 7], value: int(RowStatus.createAndGo) },
      { oid: [...ro, 0], value: int(2) },
    ],
    ctx,
  );
  assert.deepEqual([o.errorStatus, o.errorIndex], [ErrorStatus.notWritable, 3]);
  assert.equal(table.size, 0);
});
