import { compareOid, isOidPrefix, type Oid } from '../ber/oid.js';
import type { SnmpValue, VarBind } from '../ber/snmp-value.js';
import type { MibHandler, RequestContext, SetTestResult, SetTransaction } from './mib-handler.js';
import type { SortedTable } from './sorted-table.js';

/** Live data behind a conceptual table (columns are the sub-identifiers under the entry OID). */
export interface TableSource {
  get(column: number, index: Oid, ctx: RequestContext): SnmpValue | undefined;
  /** First row with index > `after` (first row when undefined) that has a value in `column`. */
  next(
    column: number,
    after: Oid | undefined,
    ctx: RequestContext,
  ): { index: Oid; value: SnmpValue } | undefined;
  testSet?(column: number, index: Oid, value: SnmpValue, tx: SetTransaction): SetTestResult;
}

/**
 * A table registered at its entry OID (e.g. ifEntry = 1.3.6.1.2.1.2.2.1). Instances are
 * entry.column.index; GetNext walks column by column in index order.
 */
export class TableHandler implements MibHandler {
  private readonly columns: number[];
  private readonly n: number;

  constructor(
    readonly entry: Oid,
    columns: readonly number[],
    private readonly source: TableSource,
  ) {
    this.columns = [...columns].sort((a, b) => a - b);
    this.n = entry.length;
  }

  /** entry.column.index as one new array. */
  private instance(c: number, index: Oid): Oid {
    const n = this.n;
    const e = this.entry;
    const out = new Array<number>(n + 1 + index.length);
    for (let i = 0; i < n; i++) out[i] = e[i]!;
    out[n] = c;
    for (let i = 0; i < index.length; i++) out[n + 1 + i] = index[i]!;
    return out;
  }

  private hasColumn(c: number): boolean {
    return this.columns.includes(c);
  }

  get(oid: Oid, ctx: RequestContext): SnmpValue | undefined {
    const n = this.entry.length;
    if (oid.length <= n + 1 || !isOidPrefix(this.entry, oid)) return undefined;
    const c = oid[n]!;
    if (!this.hasColumn(c)) return undefined;
    return this.source.get(c, oid.slice(n + 1), ctx);
  }

  isObject(oid: Oid): boolean {
    const n = this.entry.length;
    return oid.length > n && isOidPrefix(this.entry, oid) && this.hasColumn(oid[n]!);
  }

  next(oid: Oid, ctx: RequestContext): VarBind | undefined {
    const n = this.entry.length;
    let startCol = -1;
    let after: Oid | undefined;
    if (isOidPrefix(this.entry, oid)) {
      if (oid.length > n) {
        startCol = oid[n]!;
        if (oid.length > n + 1) after = oid.slice(n + 1);
      }
    } else if (compareOid(oid, this.entry) > 0) return undefined;
    const cols = this.columns;
    for (let k = 0; k < cols.length; k++) {
      const c = cols[k]!;
      if (c < startCol) continue;
      const r = this.source.next(c, c === startCol ? after : undefined, ctx);
      if (r) return { oid: this.instance(c, r.index), value: r.value };
    }
    return undefined;
  }

  testSet(oid: Oid, value: SnmpValue, tx: SetTransaction): SetTestResult {
    const n = this.entry.length;
    if (!this.source.testSet) return { ok: false, status: 'notWritable' };
    if (oid.length <= n + 1 || !this.hasColumn(oid[n]!)) return { ok: false, status: 'noCreation' };
    return this.source.testSet(oid[n]!, oid.slice(n + 1), value, tx);
  }
}

/** Column readers over rows of a SortedTable: `columns[c](row)` gives the value (undefined = absent). */
export function sortedTableSource<Row>(
  table: SortedTable<Row>,
  columns: Readonly<Record<number, (row: Row, index: Oid) => SnmpValue | undefined>>,
): TableSource {
  return {
    get(column, index) {
      const row = table.get(index);
      const f = columns[column];
      return row === undefined || !f ? undefined : f(row, index);
    },
    next(column, after) {
      const f = columns[column];
      if (!f) return undefined;
      let cur = after;
      for (;;) {
        const e = table.next(cur);
        if (!e) return undefined;
        const v = f(e.row, e.index);
        if (v) return { index: e.index, value: v };
        cur = e.index;
      }
    },
  };
}
