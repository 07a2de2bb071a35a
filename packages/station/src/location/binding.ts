/** Where a registration came from: the flow to send requests back through (NAT traversal, RFC 5626). */
export interface BindingFlow {
  readonly transport: string;
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Transport-layer flow/connection id when the transport has one (TCP/TLS/WS connection id). */
  readonly flowId?: string;
}

/**
 * One registered contact of an address-of-record (RFC 3261 §10), as the registrar hands it to the
 * location service. Plain values only: this module does not depend on the SIP stack.
 */
export interface Binding {
  /** Normalised AOR, 'sip:user@domain'. */
  readonly aor: string;
  /** The Contact URI as registered (without the angle brackets and header parameters). */
  readonly contact: string;
  /** Contact header parameters (q, expires, +sip.instance, reg-id, ...); null for a valueless one. */
  readonly contactParams?: Readonly<Record<string, string | null>>;
  /** Display name of the Contact, if any (SIP-SERVER-MIB sipServerRegContactDisplayName). */
  readonly displayName?: string;
  /** +sip.instance value, unquoted (e.g. '<urn:uuid:...>'). */
  readonly instance?: string;
  /** RFC 5626 reg-id. */
  readonly regId?: number;
  /** Canonical instrument identifier (see instrument/normalizeInstrumentId). */
  readonly instrument?: string;
  /** Authentication user that registered it (without instrument token). */
  readonly authUser?: string;
  readonly callId: string;
  readonly cseq: number;
  /** Absolute expiry, epoch ms. */
  readonly expiresAt: number;
  /** Path header values (RFC 3327), in order. */
  readonly path?: readonly string[];
  readonly flow?: BindingFlow;
  /** When the REGISTER that created/refreshed it was received, epoch ms. */
  readonly receivedAt: number;
  readonly userAgent?: string;
}

/** A binding as stored and cached: plus its identity key and stable SNMP table indexes. */
export interface BindingRecord extends Binding {
  /** Identity within the AOR: see contactKey(). */
  readonly contactKey: string;
  /** sipServerRegUserIndex of the AOR: same for all bindings of one AOR. */
  readonly userIndex: number;
  /** sipServerRegContactIndex: unique across all bindings, kept when the binding is refreshed. */
  readonly contactIndex: number;
}

export interface BindingKey {
  readonly aor: string;
  readonly contactKey: string;
  /** The stored binding's contactIndex (stores may key their rows by it). */
  readonly contactIndex: number;
}

/**
 * Builds a BindingRecord with every field present, always in the same order. Records built by object
 * spread get one hidden class each in V8 (their optional fields vary), which turns every field read on
 * the hot paths (SNMP table walks, lookups) into a slow generic lookup; a fixed shape keeps them fast.
 */
export function makeBindingRecord(
  b: Binding,
  contactKey: string,
  userIndex: number,
  contactIndex: number,
): BindingRecord {
  return {
    aor: b.aor,
    contact: b.contact,
    contactParams: b.contactParams,
    displayName: b.displayName,
    instance: b.instance,
    regId: b.regId,
    instrument: b.instrument,
    authUser: b.authUser,
    callId: b.callId,
    cseq: b.cseq,
    expiresAt: b.expiresAt,
    path: b.path,
    flow: b.flow,
    receivedAt: b.receivedAt,
    userAgent: b.userAgent,
    contactKey,
    userIndex,
    contactIndex,
  };
}
