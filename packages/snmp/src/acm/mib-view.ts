/**
 * MIB views as families of view subtrees (RFC 3415 §2.4, vacmViewTreeFamilyTable).
 */
import { compareOid, type Oid } from '../ber/oid.js';

export type ViewFamilyType = 'included' | 'excluded';

export interface ViewTreeFamily {
  /** vacmViewTreeFamilySubtree as sub-identifiers. */
  readonly subtree: Oid;
  /**
   * vacmViewTreeFamilyMask, at most 16 octets. "a '1' indicates that an exact match must occur; a '0'
   * indicates 'wild card'" ... "If the value of this bit mask is M bits long and there are more than M
   * sub-identifiers in the corresponding instance of vacmViewTreeFamilySubtree, then the bit mask is
   * extended with 1's to be the required length." Empty mask: every sub-identifier must match.
   */
  readonly mask: Buffer;
  readonly type: ViewFamilyType;
}

/** Parses a view mask written as hex ('ff', 'ff:a0', 'FFA0' or '0xffa0'); undefined when malformed. */
export function parseViewMask(text: string): Buffer | undefined {
  let s = text.trim().toLowerCase();
  if (s.startsWith('0x')) s = s.slice(2);
  s = s.replace(/[:\s]/g, '');
  if (s.length % 2 !== 0 || !/^[0-9a-f]*$/.test(s) || s.length > 32) return undefined;
  return Buffer.from(s, 'hex');
}

/** True when `oid` is in the family (RFC 3415 vacmViewTreeFamilyTable DESCRIPTION). */
export function familyMatches(f: ViewTreeFamily, oid: Oid): boolean {
  const sub = f.subtree;
  if (oid.length < sub.length) return false;
  const mask = f.mask;
  for (let i = 0; i < sub.length; i++) {
    const byte = i >>> 3;
    // Bits beyond the mask length count as 1 (exact match required).
    const exact = byte >= mask.length || ((mask[byte] as number) & (0x80 >>> (i & 7))) !== 0;
    if (exact && sub[i] !== oid[i]) return false;
  }
  return true;
}

/**
 * One MIB view: its families ordered so that the first match decides. "the entry whose value of
 * vacmViewTreeFamilySubtree has the most sub-identifiers. If multiple entries match and have the same
 * number of sub-identifiers ... then the lexicographically greatest instance of vacmViewTreeFamilyType
 * determines the inclusion or exclusion." (RFC 3415, vacmViewTreeFamilyTable)
 */
export class MibView {
  private readonly ordered: readonly ViewTreeFamily[];

  constructor(
    readonly name: string,
    families: readonly ViewTreeFamily[],
  ) {
    this.ordered = [...families].sort(
      (a, b) => b.subtree.length - a.subtree.length || compareOid(b.subtree, a.subtree),
    );
  }

  get families(): readonly ViewTreeFamily[] {
    return this.ordered;
  }

  /** "If none match, then the object instance is not in the MIB view." */
  contains(oid: Oid): boolean {
    for (const f of this.ordered) {
      if (familyMatches(f, oid)) return f.type === 'included';
    }
    return false;
  }

  /**
   * Whether any instance under `prefix` may be in the view (used by GETNEXT/GETBULK walkers to skip
   * whole subtrees cheaply). Conservative: returns true when unsure.
   */
  mayContainUnder(prefix: Oid): boolean {
    for (const f of this.ordered) {
      if (f.type !== 'included') continue;
      // An included family intersects the subtree under `prefix` when they agree on common positions.
      const n = Math.min(prefix.length, f.subtree.length);
      let ok = true;
      for (let i = 0; i < n && ok; i++) {
        const byte = i >>> 3;
        const exact = byte >= f.mask.length || ((f.mask[byte] as number) & (0x80 >>> (i & 7))) !== 0;
        if (exact && f.subtree[i] !== prefix[i]) ok = false;
      }
      if (ok) return true;
    }
    return false;
  }
}
