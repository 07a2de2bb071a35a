import { isLws, isTokenChar } from './char-classes.js';
import { scanQuoted, unquote } from './quoted-string.js';

/**
 * Header parameters (RFC 3261 §25.1 generic-param), keyed by lowercase name. A value is stored as it
 * appeared on the wire: a quoted-string keeps its quotes (use `unquote()`/`paramValue()` to read it);
 * a parameter without `=` maps to null.
 */
export type Params = Map<string, string | null>;

/** An empty map that refuses changes (what `NO_PARAMS` is). */
class ReadOnlyEmptyMap extends Map<string, never> {
  override set(): never {
    throw new TypeError('parsed parameters are read-only: copy them (new Map(params)) to change them');
  }
  override delete(): boolean {
    throw new TypeError('parsed parameters are read-only: copy them (new Map(params)) to change them');
  }
  override clear(): void {
    throw new TypeError('parsed parameters are read-only: copy them (new Map(params)) to change them');
  }
}

/**
 * The parameters (and URI headers) of whatever has none: the parsers share this one empty, read-only map
 * instead of allocating an empty Map per URI and header (most have no parameters at all). Code that
 * changes parameters works on a copy, as it must anyway for a parsed message.
 */
export const NO_PARAMS: ReadonlyMap<string, never> & Map<string, never> = Object.freeze(
  new ReadOnlyEmptyMap(),
);

/** True when `s` holds more than linear white space from `i` on (parameters may follow). */
export function hasMoreThanLws(s: string, i: number): boolean {
  for (; i < s.length; i++) if (!isLws(s.charCodeAt(i))) return true;
  return false;
}

//   generic-param = token [ EQUAL gen-value ]
//   gen-value     = token / host / quoted-string
function isValueChar(c: number): boolean {
  // token chars plus ":" "[" "]" for host / IPv6 values
  return isTokenChar(c) || c === 0x3a || c === 0x5b || c === 0x5d;
}

/**
 * Parses `*( SEMI generic-param )` from `s` starting at `i` up to the end of `s`.
 * Returns the parameters, or a reason string on a syntax error. The first occurrence of a repeated
 * parameter wins.
 */
export function parseHeaderParams(s: string, i: number, into: Params): string | undefined {
  const n = s.length;
  for (;;) {
    while (i < n && isLws(s.charCodeAt(i))) i++;
    if (i >= n) return undefined;
    if (s.charCodeAt(i) !== 0x3b) return `unexpected character '${s[i]}' in parameters`;
    i++;
    while (i < n && isLws(s.charCodeAt(i))) i++;
    const ns = i;
    while (i < n && isTokenChar(s.charCodeAt(i))) i++;
    if (i === ns) return 'empty parameter name';
    const name = s.slice(ns, i).toLowerCase();
    let j = i;
    while (j < n && isLws(s.charCodeAt(j))) j++;
    let value: string | null = null;
    if (j < n && s.charCodeAt(j) === 0x3d) {
      j++;
      while (j < n && isLws(s.charCodeAt(j))) j++;
      if (j < n && s.charCodeAt(j) === 0x22) {
        const end = scanQuoted(s, j);
        if (end < 0) return `unterminated quoted value of parameter ${name}`;
        value = s.slice(j, end);
        j = end;
      } else {
        const vs = j;
        while (j < n && isValueChar(s.charCodeAt(j))) j++;
        if (j === vs) return `empty value of parameter ${name}`;
        value = s.slice(vs, j);
      }
      i = j;
    }
    if (!into.has(name)) into.set(name, value);
  }
}

/** `;name=value` list for a header (values written as stored). */
export function formatHeaderParams(params: ReadonlyMap<string, string | null>): string {
  let out = '';
  for (const [k, v] of params) out += v === null ? ';' + k : ';' + k + '=' + v;
  return out;
}

/**
 * Reads a header parameter as text: undefined when absent, '' when present without a value,
 * otherwise the value with surrounding quotes and quoted-pairs resolved.
 */
export function paramValue(params: ReadonlyMap<string, string | null>, name: string): string | undefined {
  const v = params.get(name);
  if (v === undefined) return undefined;
  if (v === null) return '';
  if (v.charCodeAt(0) !== 0x22) return v;
  return unquote(v);
}
