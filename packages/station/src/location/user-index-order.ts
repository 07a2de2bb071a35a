import { ShardedMap } from '@beckon/ops';
import type { BindingRecord } from './binding.js';
import type { ContactMap } from './contact-map.js';

/** One AOR in the location cache. */
export interface AorEntry {
  readonly aor: string;
  readonly userIndex: number;
  readonly bindings: ContactMap<BindingRecord>;
  /** Bindings sorted by preference, rebuilt lazily after a change. */
  list: BindingRecord[] | undefined;
  /** Earliest expiresAt in `list` (valid while `list` is set). */
  minExpiresAt: number;
  /** Removed from the order (lazy deletion). */
  dead: boolean;
}

/**
 * AOR entries ordered by userIndex for SNMP table walks: an array kept sorted, with O(1) append (new
 * AORs get ever larger indexes), O(log n) exact and next lookups, and lazy deletion compacted when
 * more than half of the slots are dead.
 */
export class UserIndexOrder {
  private items: AorEntry[] = [];
  private readonly byIndex = new ShardedMap<number, AorEntry>();
  private deadCount = 0;
  /**
   * Slot of the entry last returned by `next` (a hint, checked before use): a table walk asks for the
   * successor of what it was just given, which then costs neither a hash lookup nor a binary search.
   */
  private hint = 0;

  get size(): number {
    return this.byIndex.size;
  }

  add(e: AorEntry): void {
    e.dead = false;
    this.byIndex.set(e.userIndex, e);
    const last = this.items[this.items.length - 1];
    if (!last || last.userIndex < e.userIndex) {
      this.items.push(e);
      return;
    }
    // Rare: an AOR re-created with its old index (expired while its refresh was being committed).
    const i = this.lowerBound(e.userIndex);
    const at = this.items[i];
    if (at && at.userIndex === e.userIndex) {
      if (at.dead) this.deadCount--;
      this.items[i] = e;
    } else this.items.splice(i, 0, e);
  }

  remove(e: AorEntry): void {
    if (this.byIndex.get(e.userIndex) !== e) return;
    this.byIndex.delete(e.userIndex);
    e.dead = true;
    this.deadCount++;
    if (this.deadCount > 64 && this.deadCount * 2 > this.items.length) {
      this.items = this.items.filter((x) => !x.dead);
      this.deadCount = 0;
    }
  }

  get(userIndex: number): AorEntry | undefined {
    // One slot per userIndex, and a live slot is the entry byIndex holds.
    const h = this.items[this.hint];
    if (h !== undefined && h.userIndex === userIndex && !h.dead) return h;
    return this.byIndex.get(userIndex);
  }

  /** First live entry with userIndex > after. */
  next(after: number): AorEntry | undefined {
    const h = this.items[this.hint];
    let i = h !== undefined && h.userIndex === after ? this.hint + 1 : this.lowerBound(after + 1);
    for (; i < this.items.length; i++) {
      const e = this.items[i] as AorEntry;
      if (!e.dead) {
        this.hint = i;
        return e;
      }
    }
    return undefined;
  }

  *iterate(): Generator<AorEntry> {
    for (const e of this.items) if (!e.dead) yield e;
  }

  private lowerBound(userIndex: number): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.items[mid] as AorEntry).userIndex < userIndex) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
