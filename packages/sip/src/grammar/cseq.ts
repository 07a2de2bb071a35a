import { isDigit, isLws, isTokenChar } from './char-classes.js';
import type { Parsed } from './grammar-result.js';
import { fail, ok } from './parsed-helpers.js';

export interface CSeq {
  seq: number;
  method: string;
}

// RFC 3261 §25.1: CSeq = "CSeq" HCOLON 1*DIGIT LWS Method
// §8.1.1.5: "The sequence number value MUST be expressible as a 32-bit unsigned integer and MUST be
// less than 2**31."
export function parseCSeq(s: string): Parsed<CSeq> {
  const n = s.length;
  let i = 0;
  while (i < n && isLws(s.charCodeAt(i))) i++;
  const ds = i;
  let seq = 0;
  while (i < n && isDigit(s.charCodeAt(i))) {
    seq = seq * 10 + s.charCodeAt(i) - 0x30;
    i++;
  }
  if (i === ds) return fail('CSeq number missing');
  if (i - ds > 10 || seq > 2147483647) return fail('CSeq number too large');
  const ws = i;
  while (i < n && isLws(s.charCodeAt(i))) i++;
  if (i === ws) return fail('CSeq method missing');
  const ms = i;
  while (i < n && isTokenChar(s.charCodeAt(i))) i++;
  if (i === ms) return fail('CSeq method missing');
  const method = s.slice(ms, i);
  while (i < n && isLws(s.charCodeAt(i))) i++;
  if (i !== n) return fail('trailing characters in CSeq');
  return ok({ seq, method });
}

export function formatCSeq(c: CSeq): string {
  return c.seq + ' ' + c.method;
}
