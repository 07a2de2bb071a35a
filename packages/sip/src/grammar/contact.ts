import { isDigits, trimLws } from './char-classes.js';
import type { Parsed } from './grammar-result.js';
import { fail, ok } from './parsed-helpers.js';
import { paramValue } from './header-params.js';
import { formatNameAddr, parseNameAddr, type NameAddr } from './name-addr.js';
import { splitList } from './split-list.js';

/**
 * One Contact header value (RFC 3261 §20.10). `star` marks the wildcard `Contact: *` (then `uri` is
 * the placeholder `{ scheme: '*', raw: '*' }` and there are no params). Convenience fields are
 * decoded from the params: `q`, `expires` (undefined when absent or above 2^32-1), `instance`
 * (`+sip.instance`, unquoted, RFC 5626) and `regId` (`reg-id`).
 */
export interface Contact extends NameAddr {
  star: boolean;
  q?: number;
  expires?: number;
  instance?: string;
  regId?: number;
}

const MAX_DELTA = 4294967295;

/** Parses a delta-seconds value; undefined when malformed or above 2^32-1. */
export function parseDeltaSeconds(s: string): number | undefined {
  if (!isDigits(s) || s.length > 10) return undefined;
  const v = Number(s);
  return v <= MAX_DELTA ? v : undefined;
}

// RFC 3261 §25.1: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
function parseQ(s: string): number | undefined {
  if (s.length === 0 || s.length > 5) return undefined;
  if (!/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(s)) return undefined;
  return Number(s);
}

function decorate(na: NameAddr): Parsed<Contact> {
  const c: Contact = { uri: na.uri, params: na.params, star: false };
  if (na.displayName !== undefined) c.displayName = na.displayName;
  const q = c.params.get('q');
  if (q !== undefined) {
    const v = q === null ? undefined : parseQ(q);
    if (v === undefined) return fail('bad q value');
    c.q = v;
  }
  const e = c.params.get('expires');
  if (typeof e === 'string') {
    const v = parseDeltaSeconds(e);
    if (v !== undefined) c.expires = v;
  }
  if (c.params.size > 1 || !c.params.has('expires')) {
    const inst = paramValue(c.params, '+sip.instance');
    if (inst !== undefined) c.instance = inst;
  }
  const rid = c.params.get('reg-id');
  if (typeof rid === 'string') {
    if (!isDigits(rid) || rid.length > 10 || Number(rid) < 1 || Number(rid) > 2147483647) {
      return fail('bad reg-id');
    }
    c.regId = Number(rid);
  }
  return ok(c);
}

/**
 * Parses a Contact header value (a comma list, or `*`).
 * RFC 3261 §25.1: Contact = ("Contact" / "m" ) HCOLON ( STAR / (contact-param *(COMMA contact-param)))
 */
export function parseContactList(value: string): Parsed<Contact[]> {
  const t = trimLws(value);
  if (t === '*') return ok([{ star: true, uri: { scheme: '*', raw: '*' }, params: new Map() }]);
  const out: Contact[] = [];
  for (const part of splitList(t)) {
    if (part === '') return fail('empty Contact list element');
    if (part === '*') return fail("'*' mixed with other Contact values");
    const na = parseNameAddr(part);
    if (!na.ok) return na;
    const c = decorate(na.value);
    if (!c.ok) return c;
    out.push(c.value);
  }
  return ok(out);
}

export function formatContact(c: Contact): string {
  return c.star ? '*' : formatNameAddr(c);
}
