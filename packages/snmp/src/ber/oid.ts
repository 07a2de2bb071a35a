/**
 * OBJECT IDENTIFIER values as plain arrays of arcs, with a fast lexicographic compare, a parser and a
 * formatter. Arcs are unsigned 32-bit integers (RFC 2578 §7.1.3: "at most 128 sub-identifiers in a value,
 * and each sub-identifier has a maximum value of 2^32-1").
 */

export type Oid = readonly number[];

export const MAX_OID_ARCS = 128;
export const MAX_ARC = 0xffffffff;

export type OidParseResult = { ok: true; oid: Oid } | { ok: false; error: string };

/** Parses "1.3.6.1.2.1" (a leading dot is accepted). Never throws. */
export function parseOid(text: string): OidParseResult {
  let s = text;
  if (s.startsWith('.')) s = s.slice(1);
  if (s.length === 0) return { ok: false, error: 'empty OID' };
  const out: number[] = [];
  let cur = 0;
  let digits = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0) return { ok: false, error: `empty arc at ${i}` };
      out.push(cur);
      cur = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && cur === 0) return { ok: false, error: `leading zero at ${i}` };
      cur = cur * 10 + (c - 48);
      digits++;
      if (cur > MAX_ARC) return { ok: false, error: `arc exceeds 2^32-1 at ${i}` };
    } else return { ok: false, error: `bad character at ${i}` };
  }
  if (out.length > MAX_OID_ARCS) return { ok: false, error: 'more than 128 arcs' };
  return { ok: true, oid: out };
}

/** Parses an OID literal known to be valid (constants in code); a bad literal is a bug. */
export function oid(text: string): Oid {
  const r = parseOid(text);
  if (!r.ok) throw new Error(`bad OID literal ${text}: ${r.error}`);
  return r.oid;
}

export function formatOid(o: Oid): string {
  return o.join('.');
}

/** Lexicographic order of RFC 3416 (shorter prefix sorts first). */
export function compareOid(a: Oid, b: Oid): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

export function oidEquals(a: Oid, b: Oid): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True when `prefix` is a (non-strict) prefix of `o`. */
export function isOidPrefix(prefix: Oid, o: Oid): boolean {
  if (prefix.length > o.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== o[i]) return false;
  return true;
}

export function concatOid(a: Oid, b: Oid | number): Oid {
  return typeof b === 'number' ? [...a, b] : [...a, ...b];
}
