import { xmlAttr, xmlText } from './xml-escape.js';

/** RFC 3680 §4.5: the body type of `reg` NOTIFYs. */
export const REGINFO_TYPE = 'application/reginfo+xml';
/** RFC 3680 §5.4 (schema): the namespace of reginfo documents. */
export const REGINFO_NS = 'urn:ietf:params:xml:ns:reginfo';

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
 * and `display-name` child optional. Every value is XML-escaped; the output is UTF-8 with LF line ends,
 * one element per line (stable bytes for tests and captures).
 */
export function encodeReginfo(doc: Reginfo): string {
  let out =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<reginfo xmlns="${REGINFO_NS}" version="${uint(doc.version)}" state="${doc.state}">\n`;
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
