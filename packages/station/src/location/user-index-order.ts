import type { BindingRecord } from './binding.js';
import type { ContactMap } from './contact-map.js';

/** One AOR in the location cache. */
export interface AorEntry {
  readonly aor: string;
  readonly userIndex: number;
  readonly bindings: ContactMap<BindingRecord>;
  /**
   * Bindings sorted by preference, built when asked for and dropped by a change; only for an AOR with
   * several bindings (a single one needs no sorting, and most AORs have one).
   */
  list: BindingRecord[] | undefined;
  /** Removed from the order (lazy deletion). */
  dead: boolean;
}

/**
 * AOR entries ordered by userIndex for SNMP table walks: an array kept sorted, with O(1) append (new
 * AORs get ever larger indexes), O(log n) exact and next lookups, and lazy deletion compacted when
 * more than half of the slots are dead. No hash table by userIndex: a REGISTER that creates an AOR
 * costs one array append here (a Map would add an entry per AOR to a table of hundreds of thousands,
 * which every registration pays for and every garbage collection visits), and SNMP lookups by index
 * are a binary search, or no search at all while a walk goes from one row to the next.
 */
export class UserIndexOrder {
  private items: AorEntry[] = [];
  private deadCount = 0;
  private live = 0;
  /**
   * Slot of the entry last returned by `next` (a hint, checked before use): a table walk asks for the
   * successor of what it was just given, which then costs no binary search.
   */
  private hint = 0;

  get size(): number {
    return this.live;
  }

  add(e: AorEntry): void {
    e.dead = false;
    const last = this.items[this.items.length - 1];
    if (!last || last.userIndex < e.userIndex) {
      this.items.push(e);
      this.live++;
      return;
    }
    // Rare: an AOR re-created with its old index (expired while its refresh was being committed).
    const i = this.lowerBound(e.userIndex);
    const at = this.items[i];
    if (at && at.userIndex === e.userIndex) {
      if (at.dead) {
        this.deadCount--;
        this.live++;
      }
      this.items[i] = e;
    } else {
      this.items.splice(i, 0, e);
      this.live++;
    }
  }

  remove(e: AorEntry): void {
    if (e.dead || this.slotOf(e.userIndex) !== e) return;
    e.dead = true;
    this.deadCount++;
    this.live--;
    if (this.deadCount > 64 && this.deadCount * 2 > this.items.length) {
      this.items = this.items.filter((x) => !x.dead);
      this.deadCount = 0;
    }
  }

  get(userIndex: number): AorEntry | undefined {
    const h = this.items[this.hint];
    const e = h !== undefined && h.userIndex === userIndex ? h : this.slotOf(userIndex);
    return e !== undefined && !e.dead ? e : undefined;
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

  /** The entry in the slot of `userIndex` (live or dead), if there is one. */
  private slotOf(userIndex: number): AorEntry | undefined {
    const e = this.items[this.lowerBound(userIndex)];
    return e !== undefined && e.userIndex === userIndex ? e : undefined;
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
