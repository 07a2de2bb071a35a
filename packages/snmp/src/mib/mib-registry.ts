import { compareOid, formatOid, isOidPrefix, type Oid } from '../ber/oid.js';
import type { VarBind } from '../ber/snmp-value.js';
import type { MibHandler, RequestContext } from './mib-handler.js';

interface Registration {
  root: Oid;
  handler: MibHandler;
}

export type RegisterResult = { ok: true; unregister: () => void } | { ok: false; error: string };

/**
 * Ordered index of non-overlapping subtree registrations (sorted array + binary search): locating the
 * handler for a Get is O(log n) in the number of registrations; GetNext asks the containing handler and
 * then walks forward to the next registrations only when a subtree is exhausted.
 */
export class MibRegistry {
  private regs: Registration[] = [];
  /** Index of the registration that served the last GetNext (walks stay in one subtree for long runs). */
  private hint = 0;

  register(root: Oid, handler: MibHandler): RegisterResult {
    const i = this.upperBound(root);
    const prev = this.regs[i - 1];
    const next = this.regs[i];
    if (prev && isOidPrefix(prev.root, root))
      return { ok: false, error: `${formatOid(root)} overlaps ${formatOid(prev.root)}` };
    if (next && isOidPrefix(root, next.root))
      return { ok: false, error: `${formatOid(root)} overlaps ${formatOid(next.root)}` };
    const reg = { root, handler };
    this.regs.splice(i, 0, reg);
    this.hint = 0;
    return {
      ok: true,
      unregister: () => {
        const k = this.regs.indexOf(reg);
        if (k >= 0) this.regs.splice(k, 1);
        this.hint = 0;
      },
    };
  }

  get size(): number {
    return this.regs.length;
  }

  /** Index of the first registration whose root is > oid. */
  private upperBound(oid: Oid): number {
    let lo = 0;
    let hi = this.regs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareOid(this.regs[mid]!.root, oid) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The handler whose subtree contains `oid`. */
  find(oid: Oid): MibHandler | undefined {
    const i = this.upperBound(oid) - 1;
    const r = this.regs[i];
    return r && isOidPrefix(r.root, oid) ? r.handler : undefined;
  }

  /**
   * RFC 3416 §4.2.1: noSuchObject when no object type matches, noSuchInstance when the object exists
   * but not the instance.
   */
  get(oid: Oid, ctx: RequestContext): VarBind {
    const h = this.find(oid);
    if (!h) return { oid, value: { type: 'NoSuchObject' } };
    const v = h.get(oid, ctx);
    if (v) return { oid, value: v };
    return { oid, value: h.isObject(oid) ? { type: 'NoSuchInstance' } : { type: 'NoSuchObject' } };
  }

  /** RFC 3416 §4.2.2: the lexicographic successor, or undefined at the end of the MIB view. */
  next(oid: Oid, ctx: RequestContext): VarBind | undefined {
    // Registrations do not overlap, so when the hinted root is a prefix of `oid` it is the one the
    // binary search would find.
    const h = this.regs[this.hint];
    let i: number;
    if (h && isOidPrefix(h.root, oid)) i = this.hint;
    else {
      i = this.upperBound(oid) - 1;
      if (i < 0 || !isOidPrefix(this.regs[i]!.root, oid)) i++;
    }
    for (; i < this.regs.length; i++) {
      const vb = this.regs[i]!.handler.next(oid, ctx);
      if (vb) {
        this.hint = i;
        return vb;
      }
    }
    return undefined;
  }
}
