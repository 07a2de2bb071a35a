import { xmlAttr, xmlText } from './xml-escape.js';

/** RFC 3680 §4.5: the body type of `reg` NOTIFYs. */
export const REGINFO_TYPE = 'application/reginfo+xml';
/** RFC 3680 §5.4 (schema): the namespace of reginfo documents. */
export const REGINFO_NS = 'urn:ietf:params:xml:ns:reginfo';
/** RFC 5628: the GRUU extension of reginfo, prefix `gr` in the documents Beckon writes. */
export const GRUUINFO_NS = 'urn:ietf:params:xml:ns:gruuinfo';

/** RFC 3680 §5.1: a document carries the full state, or only the changes since the previous one. */
export type ReginfoState = 'full' | 'partial';
/** RFC 3680 §5.1: registration states. */
export type RegistrationState = 'init' | 'active' | 'terminated';
/** RFC 3680 §5.1: contact states. */
export type ContactState = 'active' | 'terminated';
/** RFC 3680 §5.1: what moved a contact to its state (the first four leave it active). */
export type ContactEvent =
  | 'registered'
  | 'created'
  | 'refreshed'
  | 'shortened'
  | 'expired'
  | 'deactivated'
  | 'probation'
  | 'unregistered'
  | 'rejected';

export const REGISTRATION_STATES: readonly RegistrationState[] = ['init', 'active', 'terminated'];
export const CONTACT_STATES: readonly ContactState[] = ['active', 'terminated'];
export const CONTACT_EVENTS: readonly ContactEvent[] = [
  'registered',
  'created',
  'refreshed',
  'shortened',
  'expired',
  'deactivated',
  'probation',
  'unregistered',
  'rejected',
];

/** One `<contact>` (RFC 3680 §5.1). Optional attributes are left out when undefined. */
export interface ReginfoContact {
  readonly id: string;
  readonly state: ContactState;
  readonly event: ContactEvent;
  /** Seconds until the binding expires. */
  readonly expires?: number;
  /** The q value as registered (text, e.g. `0.5`). */
  readonly q?: string;
  readonly callId?: string;
  readonly cseq?: number;
  readonly uri: string;
  readonly displayName?: string;
  /** The contact's +sip.instance value as registered (an `unknown-param`, RFC 3680 §5.1). */
  readonly instance?: string;
  /** RFC 5628 `pub-gruu`: the contact's public GRUU. */
  readonly pubGruu?: string;
  /** RFC 5628 `temp-gruu`: a temporary GRUU of the contact and the CSeq of the REGISTER it stands for. */
  readonly tempGruu?: { readonly uri: string; readonly firstCseq: number };
}

/** One `<registration>`: the bindings of one address-of-record. */
export interface ReginfoRegistration {
  readonly aor: string;
  readonly id: string;
  readonly state: RegistrationState;
  readonly contacts: readonly ReginfoContact[];
}

/** A reginfo document (RFC 3680 §5). */
export interface Reginfo {
  readonly version: number;
  readonly state: ReginfoState;
  readonly registrations: readonly ReginfoRegistration[];
}

/**
 * Writes a reginfo document. RFC 3680 §5.1 (paraphrase): the root `reginfo` element has the attributes
 * `version` and `state` and holds zero or more `registration` elements (attributes `aor`, `id`, `state`),
 * each holding zero or more `contact` elements (attributes `id`, `state`, `event` and the optional
 * `duration-registered`, `expires`, `retry-after`, `q`, `callid`, `cseq`) whose `uri` child is mandatory
 * and `display-name` child optional, followed here by an `unknown-param` with the +sip.instance and the
 * RFC 5628 GRUU elements when known. Every value is XML-escaped; the output is UTF-8 with LF line ends,
 * one element per line (stable bytes for tests and captures).
 */
export function encodeReginfo(doc: Reginfo): string {
  let gruu = false;
  for (const r of doc.registrations)
    for (const c of r.contacts) if (c.pubGruu !== undefined || c.tempGruu !== undefined) gruu = true;
  let out =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<reginfo xmlns="${REGINFO_NS}"${gruu ? ` xmlns:gr="${GRUUINFO_NS}"` : ''} version="${uint(doc.version)}" state="${doc.state}">\n`;
  for (const r of doc.registrations) {
    const open = `  <registration aor="${xmlAttr(r.aor)}" id="${xmlAttr(r.id)}" state="${r.state}"`;
    if (r.contacts.length === 0) {
      out += open + '/>\n';
      continue;
    }
    out += open + '>\n';
    for (const c of r.contacts) {
      out += `    <contact id="${xmlAttr(c.id)}" state="${c.state}" event="${c.event}"`;
      if (c.expires !== undefined) out += ` expires="${uint(c.expires)}"`;
      if (c.q !== undefined) out += ` q="${xmlAttr(c.q)}"`;
      if (c.callId !== undefined) out += ` callid="${xmlAttr(c.callId)}"`;
      if (c.cseq !== undefined) out += ` cseq="${uint(c.cseq)}"`;
      out += `>\n      <uri>${xmlText(c.uri)}</uri>\n`;
      if (c.displayName !== undefined)
        out += `      <display-name>${xmlText(c.displayName)}</display-name>\n`;
      // RFC 3680 §5.1: Contact parameters without an element of their own go in unknown-param.
      if (c.instance !== undefined)
        out += `      <unknown-param name="+sip.instance">${xmlText(c.instance)}</unknown-param>\n`;
      // RFC 5628 §4 (paraphrase): pub-gruu and temp-gruu elements, each with the GRUU in a uri attribute,
      // temp-gruu also with first-cseq, the CSeq of the REGISTER the temporary GRUU was first handed out for.
      if (c.pubGruu !== undefined) out += `      <gr:pub-gruu uri="${xmlAttr(c.pubGruu)}"/>\n`;
      if (c.tempGruu !== undefined)
        out += `      <gr:temp-gruu uri="${xmlAttr(c.tempGruu.uri)}" first-cseq="${uint(c.tempGruu.firstCseq)}"/>\n`;
      out += '    </contact>\n';
    }
    out += '  </registration>\n';
  }
  return out + '</reginfo>\n';
}

/** Non-negative integers as the schema's xs:nonNegativeInteger / unsignedLong want them. */
function uint(n: number): string {
  return Number.isSafeInteger(n) && n >= 0 ? String(n) : '0';
}
