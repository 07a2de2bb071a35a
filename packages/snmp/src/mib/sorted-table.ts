import { compareOid, type Oid } from '../ber/oid.js';

/**
 * Rows kept sorted by their index OID (sorted array + binary search). The owner updates it
 * incrementally: insert/delete are O(log n) search + splice; lookups and successor queries O(log n).
 * Table handlers read it live, so a walk of n rows costs O(n log n) in total with no copying.
 */
export class SortedTable<Row> {
  private keys: Oid[] = [];
  private rows: Row[] = [];

  get size(): number {
    return this.keys.length;
  }

  /** Index of the first key >= k (exact=false) . */
  private lowerBound(k: Oid): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareOid(this.keys[mid]!, k) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Inserts or replaces the row at `index`. */
  set(index: Oid, row: Row): void {
    const i = this.lowerBound(index);
    const k = this.keys[i];
    if (k && compareOid(k, index) === 0) {
      this.rows[i] = row;
      return;
    }
    this.keys.splice(i, 0, index);
    this.rows.splice(i, 0, row);
  }

  delete(index: Oid): boolean {
    const i = this.lowerBound(index);
    const k = this.keys[i];
    if (!k || compareOid(k, index) !== 0) return false;
    this.keys.splice(i, 1);
    this.rows.splice(i, 1);
    return true;
  }

  get(index: Oid): Row | undefined {
    const i = this.lowerBound(index);
    const k = this.keys[i];
    return k && compareOid(k, index) === 0 ? this.rows[i] : undefined;
  }

  has(index: Oid): boolean {
    return this.get(index) !== undefined;
  }

  /** The first row whose index is strictly greater than `after` (or the first row when undefined). */
  next(after: Oid | undefined): { index: Oid; row: Row } | undefined {
    let i = 0;
    if (after) {
      i = this.lowerBound(after);
      const k = this.keys[i];
      if (k && compareOid(k, after) === 0) i++;
    }
    const index = this.keys[i];
    return index ? { index, row: this.rows[i]! } : undefined;
  }

  *entries(): IterableIterator<[Oid, Row]> {
    for (let i = 0; i < this.keys.length; i++) yield [this.keys[i]!, this.rows[i]!];
  }

  clear(): void {
    this.keys = [];
    this.rows = [];
  }
}
