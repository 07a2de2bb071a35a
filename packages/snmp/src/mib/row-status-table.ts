import { formatOid, type Oid } from '../ber/oid.js';
import type { SnmpValue, SnmpValueType } from '../ber/snmp-value.js';
import type { ErrorStatusName } from '../proto/pdu.js';
import type { SetTestResult, SetTransaction } from './mib-handler.js';
import type { SortedTable } from './sorted-table.js';
import type { TableSource } from './table-handler.js';

/** RFC 2579 RowStatus values. */
export const RowStatus = {
  active: 1,
  notInService: 2,
  notReady: 3,
  createAndGo: 4,
  createAndWait: 5,
  destroy: 6,
} as const;

export interface RowStatusColumn<Row> {
  type: SnmpValueType;
  get(row: Row): SnmpValue | undefined;
  /** Absent: read-only column. */
  set?(row: Row, value: SnmpValue): void;
  validate?(value: SnmpValue): ErrorStatusName | undefined;
}

export interface RowStatusTableInit<Row extends { rowStatus: number }> {
  table: SortedTable<Row>;
  rowStatusColumn: number;
  columns: Readonly<Record<number, RowStatusColumn<Row>>>;
  /** A fresh row for `index`, or undefined if that index may never be created (noCreation). */
  createRow(index: Oid): Row | undefined;
  /** True when every mandatory column has a value (RFC 2579: notReady otherwise). */
  isReady(row: Row): boolean;
  copyRow(row: Row): Row;
}

interface Pending<Row> {
  row: Row;
  created: boolean;
}

/**
 * A TableSource for tables in which an operator creates and deletes rows with RowStatus
 * (RFC 2579 createAndGo / createAndWait / active / notInService / destroy).
 *
 * Values set in one PDU are staged on a per-transaction copy of the row during the test phase, so
 * createAndGo can check readiness against the other columns of the same PDU; the commit of the
 * RowStatus varbind installs (or removes) the row; undo restores the previous row.
 */
export function rowStatusTableSource<Row extends { rowStatus: number }>(
  init: RowStatusTableInit<Row>,
): TableSource {
  const { table, rowStatusColumn: rsCol, columns } = init;

  function statusOf(row: Row): SnmpValue {
    return { type: 'Integer', value: row.rowStatus };
  }

  function pendingFor(index: Oid, tx: SetTransaction, create: boolean): Pending<Row> | undefined {
    const key = `rs:${formatOid(index)}`;
    let p = tx.scratch.get(key) as Pending<Row> | undefined;
    if (p) return p;
    const existing = table.get(index);
    if (existing) p = { row: init.copyRow(existing), created: false };
    else if (create) {
      const row = init.createRow(index);
      if (!row) return undefined;
      p = { row, created: true };
    } else return undefined;
    tx.scratch.set(key, p);
    return p;
  }

  /** The RowStatus value requested for `index` in this PDU, if any. */
  function requestedStatus(index: Oid, tx: SetTransaction, entryLen: number): number | undefined {
    for (const vb of tx.varbinds) {
      const o = vb.oid;
      if (o.length !== entryLen + 1 + index.length || o[entryLen] !== rsCol) continue;
      let same = true;
      for (let i = 0; i < index.length; i++) if (o[entryLen + 1 + i] !== index[i]) same = false;
      if (same && vb.value.type === 'Integer') return vb.value.value;
    }
    return undefined;
  }

  return {
    get(column, index) {
      const row = table.get(index);
      if (!row) return undefined;
      return column === rsCol ? statusOf(row) : columns[column]?.get(row);
    },
    next(column, after) {
      let cur = after;
      for (;;) {
        const e = table.next(cur);
        if (!e) return undefined;
        const v = column === rsCol ? statusOf(e.row) : columns[column]?.get(e.row);
        if (v) return { index: e.index, value: v };
        cur = e.index;
      }
    },
    testSet(column, index, value, tx): SetTestResult {
      const entryLen = tx.varbinds.length > 0 ? findEntryLen(tx, column, index) : 0;
      if (column === rsCol) {
        if (value.type !== 'Integer') return { ok: false, status: 'wrongType' };
        const v = value.value;
        if (v < 1 || v > 6 || v === RowStatus.notReady) return { ok: false, status: 'wrongValue' };
        const exists = table.has(index);
        const old = table.get(index);
        if (v === RowStatus.destroy) {
          return {
            ok: true,
            action: {
              commit: () => (table.delete(index), true),
              undo: () => (old && table.set(index, old), true),
            },
          };
        }
        if (v === RowStatus.createAndGo || v === RowStatus.createAndWait) {
          // RFC 2579 RowStatus: creating a row that already exists fails with inconsistentValue
          if (exists) return { ok: false, status: 'inconsistentValue' };
          const p = pendingFor(index, tx, true);
          if (!p) return { ok: false, status: 'noCreation' };
          stageSiblings(p, index, tx, entryLen);
          const ready = init.isReady(p.row);
          if (v === RowStatus.createAndGo && !ready) return { ok: false, status: 'inconsistentValue' };
          p.row.rowStatus =
            v === RowStatus.createAndGo
              ? RowStatus.active
              : ready
                ? RowStatus.notInService
                : RowStatus.notReady;
          return {
            ok: true,
            action: {
              commit: () => (table.set(index, p.row), true),
              undo: () => (table.delete(index), true),
            },
          };
        }
        // active / notInService on a row that does not exist
        if (!exists || !old) return { ok: false, status: 'inconsistentValue' };
        const p = pendingFor(index, tx, false)!;
        stageSiblings(p, index, tx, entryLen);
        if (v === RowStatus.active && !init.isReady(p.row)) return { ok: false, status: 'inconsistentValue' };
        p.row.rowStatus = v;
        return {
          ok: true,
          action: {
            commit: () => (table.set(index, p.row), true),
            undo: () => (table.set(index, old), true),
          },
        };
      }
      const col = columns[column];
      if (!col) return { ok: false, status: 'noCreation' };
      if (!col.set) return { ok: false, status: 'notWritable' };
      if (value.type !== col.type) return { ok: false, status: 'wrongType' };
      const bad = col.validate?.(value);
      if (bad) return { ok: false, status: bad };
      const old = table.get(index);
      if (!old) {
        // a column of a row that does not exist: only with a create in the same PDU
        const rs = requestedStatus(index, tx, entryLen);
        if (rs !== RowStatus.createAndGo && rs !== RowStatus.createAndWait)
          return { ok: false, status: 'noCreation' };
        // staged by the RowStatus varbind's test/commit
        return { ok: true, action: { commit: () => true, undo: () => true } };
      }
      const rs = requestedStatus(index, tx, entryLen);
      if (rs !== undefined) return { ok: true, action: { commit: () => true, undo: () => true } };
      // plain column change on an existing row
      const setter = col.set;
      const prev = col.get(old);
      return {
        ok: true,
        action: {
          commit: () => (setter(old, value), true),
          undo: () => (prev ? setter(old, prev) : undefined, true),
        },
      };
    },
  };

  function stageSiblings(p: Pending<Row>, index: Oid, tx: SetTransaction, entryLen: number): void {
    for (const vb of tx.varbinds) {
      const o = vb.oid;
      if (o.length !== entryLen + 1 + index.length) continue;
      let same = true;
      for (let i = 0; i < index.length; i++) if (o[entryLen + 1 + i] !== index[i]) same = false;
      const c = o[entryLen]!;
      if (!same || c === rsCol) continue;
      const col = columns[c];
      if (col?.set && vb.value.type === col.type) col.set(p.row, vb.value);
    }
  }
}

/** Length of the entry OID, found from the varbind being tested. */
function findEntryLen(tx: SetTransaction, column: number, index: Oid): number {
  for (const vb of tx.varbinds) {
    const n = vb.oid.length - index.length - 1;
    if (n > 0 && vb.oid[n] === column) {
      let same = true;
      for (let i = 0; i < index.length; i++) if (vb.oid[n + 1 + i] !== index[i]) same = false;
      if (same) return n;
    }
  }
  return 0;
}
