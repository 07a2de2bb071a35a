import { compareOid, type Oid, type SnmpValue, type TableSource } from '@beckon/snmp';

/** Anything keyed by applIndex (the first INDEX component of every SIP MIB table). */
export interface HasApplIndex {
  readonly applIndex: number;
}

/** The entity with `applIndex` in a list sorted by applIndex (lists are a handful of entries). */
export function findByApplIndex<E extends HasApplIndex>(
  list: readonly E[],
  applIndex: number,
): E | undefined {
  for (const e of list) if (e.applIndex === applIndex) return e;
  return undefined;
}

/**
 * A table indexed by applIndex alone: one row per entity that `columns` gives a value for.
 * `list()` is read at every request (live), and must be sorted by ascending applIndex.
 */
export function applRowSource<E extends HasApplIndex>(
  list: () => readonly E[],
  columns: Readonly<Record<number, (e: E) => SnmpValue | undefined>>,
): TableSource {
  return {
    get(column, index) {
      const f = columns[column];
      if (!f || index.length !== 1) return undefined;
      const e = findByApplIndex(list(), index[0]!);
      return e ? f(e) : undefined;
    },
    next(column, after) {
      const f = columns[column];
      if (!f) return undefined;
      for (const e of list()) {
        const index = [e.applIndex];
        if (after && compareOid(index, after) <= 0) continue;
        const v = f(e);
        if (v) return { index, value: v };
      }
      return undefined;
    },
  };
}

/** Rows below one entity, in index order (`sub` is the INDEX after applIndex). */
export interface SubRows<E, R> {
  get(e: E, sub: Oid): R | undefined;
  /** The first row whose `sub` is lexicographically greater than `after` (the first row if undefined). */
  next(e: E, after: Oid | undefined): { sub: Oid; row: R } | undefined;
}

/**
 * A table indexed by { applIndex, ... }: walks the entities in applIndex order and, inside each, the
 * rows `rows.next` yields. Each GetNext costs one `rows.next` call per row skipped (rows without a value
 * in the column), so a walk of n rows costs n calls of the source's successor query.
 */
export function nestedTableSource<E extends HasApplIndex, R>(
  list: () => readonly E[],
  rows: SubRows<E, R>,
  columns: Readonly<Record<number, (row: R, e: E) => SnmpValue | undefined>>,
): TableSource {
  return {
    get(column, index) {
      const f = columns[column];
      if (!f || index.length < 2) return undefined;
      const e = findByApplIndex(list(), index[0]!);
      if (!e) return undefined;
      const row = rows.get(e, index.slice(1));
      return row === undefined ? undefined : f(row, e);
    },
    next(column, after) {
      const f = columns[column];
      if (!f) return undefined;
      const a0 = after?.[0];
      for (const e of list()) {
        if (a0 !== undefined && e.applIndex < a0) continue;
        let cur: Oid | undefined = a0 === e.applIndex && after!.length > 1 ? after!.slice(1) : undefined;
        for (;;) {
          const r = rows.next(e, cur);
          if (!r) break;
          const v = f(r.row, e);
          if (v) return { index: prepend(e.applIndex, r.sub), value: v };
          cur = r.sub;
        }
      }
      return undefined;
    },
  };
}

/** [first, ...rest] without the spread (hot path of table walks). */
function prepend(first: number, rest: Oid): Oid {
  const out = new Array<number>(rest.length + 1);
  out[0] = first;
  for (let i = 0; i < rest.length; i++) out[i + 1] = rest[i]!;
  return out;
}

/** SubRows over a small array of rows with precomputed sub-indexes sorted in OID order. */
export function sortedSubRows<E, R>(rowsOf: (e: E) => readonly { sub: Oid; row: R }[]): SubRows<E, R> {
  return {
    get(e, sub) {
      for (const r of rowsOf(e)) if (compareOid(r.sub, sub) === 0) return r.row;
      return undefined;
    },
    next(e, after) {
      for (const r of rowsOf(e)) if (!after || compareOid(r.sub, after) > 0) return r;
      return undefined;
    },
  };
}
