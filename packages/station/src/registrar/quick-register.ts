import { parseContactList, parseDeltaSeconds, type Contact } from '@beckon/sip';
import type { RegisterHeaders } from './register-headers.js';
import { CALL_ID, CSEQ, DIGITS, NAME_ADDR, registerHead, stampedViaText } from './register-text.js';

/** A REGISTER read by {@link QuickRegisterScanner}: what `Registrar.processQuick` needs. */
export interface QuickRegister {
  readonly headers: RegisterHeaders;
  /** The address-of-record, in `aorOf`'s canonical form. */
  readonly aor: string;
  readonly toUser: string;
  readonly callId: string;
  readonly cseq: number;
  readonly contacts: readonly Contact[];
  /** The Contact header's value, as `contacts` was read from. */
  readonly contactValue: string;
  /** The Expires header's value (undefined when absent). */
  readonly headerExpires: number | undefined;
  /** The response's lines copied from the request before the To line (the Via stamped), each with CRLF. */
  readonly before: string;
  /** The request's To value (the response adds its tag). */
  readonly to: string;
  /** The copied lines after the To line. */
  readonly after: string;
}

export interface QuickRegisterScannerInit {
  /** The registrar's domains (any case): the Request-URI and the To URI must name one. */
  readonly domains: readonly string[];
  /** Any domain is accepted (test rigs; `RegistrarInit.acceptAnyDomain`). */
  readonly acceptAnyDomain: boolean;
}

// To for the quick path: an optional quoted display name and <sip:user@host>, no port, no parameters
// (the AOR is then `sip:` user `@` lower-cased host, RFC 3261 §10.3 step 5, with nothing to unescape).
const TO = /^(?:"[A-Za-z0-9 .!%*_+`'~-]*" ?)?<sip:([A-Za-z0-9._+-]+)@([A-Za-z0-9.-]+)>$/;

/** The headers a quick REGISTER may carry (any other sends it to the full path), each at most once. */
const enum H {
  Other,
  Via,
  MaxForwards,
  From,
  To,
  CallId,
  CSeq,
  Contact,
  Expires,
  Authorization,
  UserAgent,
  ContentLength,
}

/** Lower-case names by length, for {@link headerId}. */
const NAMES: readonly (readonly [string, H])[][] = (() => {
  const t: [string, H][][] = [];
  const all: [string, H][] = [
    ['via', H.Via],
    ['max-forwards', H.MaxForwards],
    ['from', H.From],
    ['to', H.To],
    ['call-id', H.CallId],
    ['cseq', H.CSeq],
    ['contact', H.Contact],
    ['expires', H.Expires],
    ['authorization', H.Authorization],
    ['user-agent', H.UserAgent],
    ['content-length', H.ContentLength],
  ];
  for (const e of all) (t[e[0].length] ??= []).push(e);
  return t;
})();

/** Which header `s[at, at + len)` names, in any letter case (no string is made). */
function headerId(s: string, at: number, len: number): H {
  const candidates = NAMES[len];
  if (candidates === undefined) return H.Other;
  for (const [name, id] of candidates) {
    let k = 0;
    // Only ASCII letters compare case-insensitively.
    for (; k < len; k++) {
      const c = s.charCodeAt(at + k);
      const n = name.charCodeAt(k);
      if (c !== n && !(n >= 0x61 && n <= 0x7a && c === n - 0x20)) break;
    }
    if (k === len) return id;
  }
  return H.Other;
}

/**
 * The quick view of the headers: exact, since the request has no other header than those kept (the
 * Authorization and User-Agent values; undefined when absent).
 */
export class ScannedHeaders implements RegisterHeaders {
  constructor(
    private readonly authorization: string | undefined,
    private readonly userAgent: string | undefined,
  ) {}

  get(name: string): string | undefined {
    switch (name.toLowerCase()) {
      case 'authorization':
        return this.authorization;
      case 'user-agent':
        return this.userAgent;
      default:
        return undefined;
    }
  }

  getAll(name: string): readonly string[] {
    const v = this.get(name);
    return v === undefined ? [] : [v];
  }
}

/**
 * The registrar's quick path for the REGISTER that carries the registration (the second leg of a
 * digest registration, or the only one without authentication): reads the common text form (the one
 * `QuickChallenge` accepts, plus one Contact line, Expires, Authorization and User-Agent, and no other
 * header) without building a message object, for `Registrar.processQuick`, which runs the same steps as
 * the full path from the repeat check on. Anything else gets `undefined` and goes to the full path. The
 * test `quick-register.test.ts` compares the two paths' responses and stored bindings over generated and
 * mutated requests.
 *
 * The Contact value goes through the SIP parser's own Contact grammar, so every contact form is read as
 * the full path reads it; the response lines are copied as `QuickChallenge` copies them (a stamped Via
 * only where the full path stamps it the same way, and responses go back where the request came from).
 */
export class QuickRegisterScanner {
  private readonly domains: ReadonlySet<string> | undefined;

  constructor(init: QuickRegisterScannerInit) {
    this.domains = init.acceptAnyDomain ? undefined : new Set(init.domains.map((d) => d.toLowerCase()));
  }

  /** The request in `data` from `sourceAddress`:`sourcePort` (over UDP), or undefined for the full path. */
  scan(data: Buffer, sourceAddress: string, sourcePort: number): QuickRegister | undefined {
    const head = registerHead(data);
    if (head === undefined || !this.isLocal(head.host)) return undefined;
    const { s, lineEnd, headEnd } = head;
    let via = false;
    let from = false;
    let maxForwards = false;
    let contentLength = false;
    let to: RegExpExecArray | undefined;
    let toValue = '';
    let callId: string | undefined;
    let cseq: string | undefined;
    let contact: string | undefined;
    let expires: string | undefined;
    let authorization: string | undefined;
    let userAgent: string | undefined;
    let first = '';
    let before = '';
    let after = '';
    for (let p = lineEnd + 2; p < headEnd + 2;) {
      const e = s.indexOf('\r\n', p);
      // A bare LF ends a line for the parser, and a line starting with white space continues the last.
      const lf = s.indexOf('\n', p);
      const c0 = s.charCodeAt(p);
      if (lf !== e + 1 || c0 === 0x20 || c0 === 0x09) return undefined;
      const colon = s.indexOf(':', p);
      if (colon < 0 || colon > e) return undefined;
      // No white space before the colon (the parser allows it), no compact form, no other header.
      const id = headerId(s, p, colon - p);
      if (id === H.Other) return undefined;
      let vs = colon + 1;
      let ve = e;
      while (vs < ve && isSpaceOrTab(s.charCodeAt(vs))) vs++;
      while (ve > vs && isSpaceOrTab(s.charCodeAt(ve - 1))) ve--;
      if (vs === ve) return undefined;
      const value = s.slice(vs, ve);
      p = e + 2;
      let line = '';
      switch (id) {
        case H.Via: {
          const v = via ? undefined : stampedViaText(value, sourceAddress, sourcePort);
          if (v === undefined) return undefined;
          via = true;
          // A stamped Via replaces the request's and becomes its first header (stampVia prepends it).
          if (v === value) line = 'Via: ' + v + '\r\n';
          else first = 'Via: ' + v + '\r\n';
          break;
        }
        case H.From:
          if (from || !NAME_ADDR.test(value)) return undefined;
          from = true;
          line = 'From: ' + value + '\r\n';
          break;
        case H.To: {
          const t = to === undefined ? TO.exec(value) : null;
          if (t === null || !this.isLocal(t[2] as string)) return undefined;
          to = t;
          toValue = value;
          continue;
        }
        case H.CallId:
          if (callId !== undefined || !CALL_ID.test(value)) return undefined;
          callId = value;
          line = 'Call-ID: ' + value + '\r\n';
          break;
        case H.CSeq:
          if (cseq !== undefined || !CSEQ.test(value)) return undefined;
          cseq = value;
          line = 'CSeq: ' + value + '\r\n';
          break;
        case H.MaxForwards:
          if (maxForwards || !DIGITS.test(value)) return undefined;
          maxForwards = true;
          continue;
        case H.ContentLength:
          if (contentLength || value !== '0') return undefined;
          contentLength = true;
          continue;
        case H.Contact:
          if (contact !== undefined) return undefined;
          contact = value;
          continue;
        case H.Expires:
          if (expires !== undefined) return undefined;
          expires = value;
          continue;
        case H.Authorization:
          if (authorization !== undefined) return undefined;
          authorization = value;
          continue;
        case H.UserAgent:
          if (userAgent !== undefined) return undefined;
          userAgent = value;
          continue;
      }
      if (to === undefined) before += line;
      else after += line;
    }
    if (!via || !from || to === undefined || callId === undefined || cseq === undefined) return undefined;
    if (contact === undefined) return undefined;
    const contacts = parseContactList(contact);
    if (!contacts.ok) return undefined;
    let headerExpires: number | undefined;
    if (expires !== undefined) {
      headerExpires = parseDeltaSeconds(expires);
      // An unreadable Expires is for the full path to judge.
      if (headerExpires === undefined) return undefined;
    }
    const user = to[1] as string;
    return {
      headers: new ScannedHeaders(authorization, userAgent),
      aor: 'sip:' + user + '@' + (to[2] as string).toLowerCase(),
      toUser: user,
      callId,
      cseq: Number(cseq.slice(0, cseq.indexOf(' '))),
      contacts: contacts.value,
      contactValue: contact,
      headerExpires,
      before: first + before,
      to: toValue,
      after,
    };
  }

  private isLocal(host: string): boolean {
    return this.domains === undefined || this.domains.has(host.toLowerCase());
  }
}

function isSpaceOrTab(c: number): boolean {
  return c === 0x20 || c === 0x09;
}
