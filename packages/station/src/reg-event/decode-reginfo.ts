import {
  CONTACT_EVENTS,
  CONTACT_STATES,
  GRUUINFO_NS,
  REGINFO_NS,
  REGISTRATION_STATES,
  type ContactEvent,
  type ContactState,
  type Reginfo,
  type ReginfoContact,
  type ReginfoRegistration,
  type ReginfoState,
  type RegistrationState,
} from './reginfo.js';

export interface ReginfoDecodeError {
  readonly code: 'syntax' | 'structure' | 'value';
  /** Offset in the (line-end normalised) text, or -1 for checks on the decoded tree. */
  readonly at: number;
  readonly message: string;
}

export type ReginfoDecodeResult =
  { readonly ok: true; readonly value: Reginfo } | { readonly ok: false; readonly error: ReginfoDecodeError };

interface XmlElement {
  name: string;
  attrs: Map<string, string>;
  children: XmlElement[];
  text: string;
  at: number;
}

class DecodeFailure {
  constructor(readonly error: ReginfoDecodeError) {}
}

/**
 * A strict decoder of the reginfo documents {@link encodeReginfo} writes (tests, tools): the RFC 3680 §5
 * vocabulary Beckon uses and nothing else. Well-formed XML 1.0 without DOCTYPE, comments, processing
 * instructions (except the XML declaration) or CDATA; the default namespace must be the reginfo one;
 * unknown elements or attributes are errors. Never throws: the outcome is a value.
 */
export function decodeReginfo(input: string | Buffer): ReginfoDecodeResult {
  const text = (typeof input === 'string' ? input : input.toString('utf8'))
    // XML 1.0 §2.11: "translating both the two-character sequence #xD #xA and any #xD that is not
    // followed by #xA to a single #xA character".
    .replace(/\r\n?/g, '\n');
  try {
    const root = new MiniXmlParser(text).document();
    return { ok: true, value: toReginfo(root) };
  } catch (err) {
    if (err instanceof DecodeFailure) return { ok: false, error: err.error };
    return { ok: false, error: { code: 'syntax', at: -1, message: String(err) } };
  }
}

function fail(code: ReginfoDecodeError['code'], at: number, message: string): never {
  throw new DecodeFailure({ code, at, message });
}

// ---------------------------------------------------------------------------------- tree to values

function toReginfo(root: XmlElement): Reginfo {
  if (root.name !== 'reginfo') fail('structure', root.at, `root element is ${root.name}`);
  attrsOnly(root, ['xmlns', 'xmlns:gr', 'version', 'state']);
  if (root.attrs.get('xmlns') !== REGINFO_NS) fail('structure', root.at, 'reginfo namespace missing');
  const gr = root.attrs.get('xmlns:gr');
  if (gr !== undefined && gr !== GRUUINFO_NS)
    fail('structure', root.at, 'prefix gr is not the gruuinfo namespace');
  const version = uint(root, 'version', true) as number;
  const state = oneOf(root, 'state', ['full', 'partial'] as const) as ReginfoState;
  noText(root);
  const registrations: ReginfoRegistration[] = [];
  for (const r of root.children) {
    if (r.name !== 'registration') fail('structure', r.at, `unexpected element ${r.name}`);
    attrsOnly(r, ['aor', 'id', 'state']);
    noText(r);
    const contacts: ReginfoContact[] = [];
    for (const c of r.children) contacts.push(toContact(c, gr !== undefined));
    registrations.push({
      aor: required(r, 'aor'),
      id: required(r, 'id'),
      state: oneOf(r, 'state', REGISTRATION_STATES) as RegistrationState,
      contacts,
    });
  }
  return { version, state, registrations };
}

function toContact(c: XmlElement, gruu: boolean): ReginfoContact {
  if (c.name !== 'contact') fail('structure', c.at, `unexpected element ${c.name}`);
  attrsOnly(c, ['id', 'state', 'event', 'expires', 'q', 'callid', 'cseq']);
  noText(c);
  let uri: string | undefined;
  let displayName: string | undefined;
  let instance: string | undefined;
  let pubGruu: string | undefined;
  let tempGruu: { uri: string; firstCseq: number } | undefined;
  for (const k of c.children) {
    if (k.children.length > 0) fail('structure', k.at, `${k.name} has child elements`);
    if (k.name === 'unknown-param' && instance === undefined) {
      attrsOnly(k, ['name']);
      if (k.attrs.get('name') !== '+sip.instance')
        fail('structure', k.at, 'unknown-param other than +sip.instance');
      instance = k.text;
      continue;
    }
    if (gruu && k.name === 'gr:pub-gruu' && pubGruu === undefined) {
      attrsOnly(k, ['uri']);
      noText(k);
      pubGruu = required(k, 'uri');
      continue;
    }
    if (gruu && k.name === 'gr:temp-gruu' && tempGruu === undefined) {
      attrsOnly(k, ['uri', 'first-cseq']);
      noText(k);
      tempGruu = { uri: required(k, 'uri'), firstCseq: uint(k, 'first-cseq', true) as number };
      continue;
    }
    attrsOnly(k, []);
    if (k.name === 'uri' && uri === undefined) uri = k.text;
    else if (k.name === 'display-name' && displayName === undefined) displayName = k.text;
    else fail('structure', k.at, `unexpected or repeated element ${k.name}`);
  }
  if (uri === undefined) fail('structure', c.at, 'contact without uri');
  const expires = uint(c, 'expires', false);
  const cseq = uint(c, 'cseq', false);
  const q = c.attrs.get('q');
  const callId = c.attrs.get('callid');
  return {
    id: required(c, 'id'),
    state: oneOf(c, 'state', CONTACT_STATES) as ContactState,
    event: oneOf(c, 'event', CONTACT_EVENTS) as ContactEvent,
    ...(expires !== undefined ? { expires } : {}),
    ...(q !== undefined ? { q } : {}),
    ...(callId !== undefined ? { callId } : {}),
    ...(cseq !== undefined ? { cseq } : {}),
    uri,
    ...(displayName !== undefined ? { displayName } : {}),
    ...(instance !== undefined ? { instance } : {}),
    ...(pubGruu !== undefined ? { pubGruu } : {}),
    ...(tempGruu !== undefined ? { tempGruu } : {}),
  };
}

function attrsOnly(e: XmlElement, allowed: readonly string[]): void {
  for (const k of e.attrs.keys())
    if (!allowed.includes(k)) fail('structure', e.at, `unexpected attribute ${k} on ${e.name}`);
}

function noText(e: XmlElement): void {
  if (e.text.trim() !== '') fail('structure', e.at, `text inside ${e.name}`);
}

function required(e: XmlElement, name: string): string {
  const v = e.attrs.get(name);
  if (v === undefined) fail('structure', e.at, `${e.name} without ${name}`);
  return v;
}

function oneOf(e: XmlElement, name: string, values: readonly string[]): string {
  const v = required(e, name);
  if (!values.includes(v)) fail('value', e.at, `${e.name} ${name}="${v}"`);
  return v;
}

function uint(e: XmlElement, name: string, needed: boolean): number | undefined {
  const v = needed ? required(e, name) : e.attrs.get(name);
  if (v === undefined) return undefined;
  if (!/^[0-9]{1,15}$/.test(v)) fail('value', e.at, `${e.name} ${name}="${v}" is not a number`);
  return Number(v);
}

// ---------------------------------------------------------------------------------- XML subset

const NAME_START = /[A-Za-z_]/;
/** Code units outside XML 1.0 §2.2 Char (see xml-escape.ts), lone surrogates included. */
/* eslint-disable no-control-regex -- controls outside XML 1.0 Char are what is looked for. */
const NOT_XML_CHAR =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/* eslint-enable no-control-regex */
const NAME_CHAR = /[A-Za-z0-9._:-]/;

/** A recursive-descent reader of the XML subset above. Depth is bounded by the reginfo shape (4). */
class MiniXmlParser {
  private i = 0;

  constructor(private readonly s: string) {}

  document(): XmlElement {
    this.checkChars();
    if (this.s.startsWith('<?xml')) {
      const end = this.s.indexOf('?>');
      if (end < 0) fail('syntax', 0, 'unterminated XML declaration');
      const decl = this.s.slice(5, end);
      if (!/^\s+version\s*=\s*["']1\.[0-9]+["'](\s+encoding\s*=\s*["'](UTF-8|utf-8)["'])?\s*$/.test(decl))
        fail('syntax', 0, 'unsupported XML declaration');
      this.i = end + 2;
    }
    this.skipSpace();
    const root = this.element(0);
    this.skipSpace();
    if (this.i !== this.s.length) fail('syntax', this.i, 'content after the root element');
    return root;
  }

  private checkChars(): void {
    const bad = NOT_XML_CHAR.exec(this.s);
    if (bad) fail('syntax', bad.index, 'character not allowed in XML');
  }

  private element(depth: number): XmlElement {
    if (depth > 4) fail('structure', this.i, 'nesting too deep');
    const at = this.i;
    if (this.s[this.i] !== '<') fail('syntax', this.i, 'element expected');
    this.i++;
    const name = this.name();
    const attrs = new Map<string, string>();
    for (;;) {
      const spaced = this.skipSpace();
      const c = this.s[this.i];
      if (c === '/' && this.s[this.i + 1] === '>') {
        this.i += 2;
        return { name, attrs, children: [], text: '', at };
      }
      if (c === '>') {
        this.i++;
        break;
      }
      if (!spaced) fail('syntax', this.i, 'space expected between attributes');
      const an = this.name();
      this.skipSpace();
      if (this.s[this.i] !== '=') fail('syntax', this.i, '= expected');
      this.i++;
      this.skipSpace();
      if (attrs.has(an)) fail('syntax', this.i, `attribute ${an} repeated`);
      attrs.set(an, this.attrValue());
    }
    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      if (this.i >= this.s.length) fail('syntax', this.i, `unterminated element ${name}`);
      const c = this.s[this.i];
      if (c === '<') {
        if (this.s[this.i + 1] === '/') {
          this.i += 2;
          const end = this.name();
          if (end !== name) fail('syntax', this.i, `</${end}> closes <${name}>`);
          this.skipSpace();
          if (this.s[this.i] !== '>') fail('syntax', this.i, '> expected');
          this.i++;
          if (children.length > 0 && text.trim() !== '') fail('structure', at, `mixed content in ${name}`);
          return { name, attrs, children, text, at };
        }
        const n = this.s[this.i + 1];
        if (n === '!' || n === '?')
          fail('syntax', this.i, 'comments, CDATA, DOCTYPE and PIs are not accepted');
        children.push(this.element(depth + 1));
      } else if (c === '&') text += this.reference();
      else if (c === '>' && this.s.startsWith(']]>', this.i - 2)) fail('syntax', this.i, ']]> in text');
      else {
        text += c;
        this.i++;
      }
    }
  }

  private name(): string {
    const start = this.i;
    if (!NAME_START.test(this.s[this.i] ?? '')) fail('syntax', this.i, 'name expected');
    this.i++;
    while (this.i < this.s.length && NAME_CHAR.test(this.s[this.i] as string)) this.i++;
    return this.s.slice(start, this.i);
  }

  private attrValue(): string {
    const q = this.s[this.i];
    if (q !== '"' && q !== "'") fail('syntax', this.i, 'quoted value expected');
    this.i++;
    let v = '';
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined) fail('syntax', this.i, 'unterminated attribute value');
      if (c === q) {
        this.i++;
        return v;
      }
      if (c === '<') fail('syntax', this.i, '< in attribute value');
      if (c === '&') v += this.reference();
      else {
        // XML 1.0 §3.3.3: literal white space characters in attribute values are normalised to spaces.
        v += c === '\t' || c === '\n' ? ' ' : c;
        this.i++;
      }
    }
  }

  private reference(): string {
    const end = this.s.indexOf(';', this.i);
    if (end < 0 || end - this.i > 12) fail('syntax', this.i, 'bad reference');
    const body = this.s.slice(this.i + 1, end);
    const at = this.i;
    this.i = end + 1;
    switch (body) {
      case 'amp':
        return '&';
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
    }
    const m = /^#(?:([0-9]{1,7})|x([0-9A-Fa-f]{1,6}))$/.exec(body);
    if (!m) fail('syntax', at, `unknown entity &${body};`);
    const cp = m[1] !== undefined ? Number(m[1]) : parseInt(m[2] as string, 16);
    const ok =
      cp === 0x9 ||
      cp === 0xa ||
      cp === 0xd ||
      (cp >= 0x20 && cp <= 0xd7ff) ||
      (cp >= 0xe000 && cp <= 0xfffd) ||
      (cp >= 0x10000 && cp <= 0x10ffff);
    if (!ok) fail('syntax', at, `character reference &${body}; is not a Char`);
    return String.fromCodePoint(cp);
  }

  /** Skips XML white space; true when there was some. */
  private skipSpace(): boolean {
    const start = this.i;
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') break;
      this.i++;
    }
    return this.i > start;
  }
}
