import { flatCopy } from '@beckon/ops';
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
 *
 * `prior`: the record this one replaces (a refresh of the same contact key). Every value equal to the
 * prior's is taken from the prior, so the new record points at strings and objects that live in the old
 * generation already, and the copies just parsed from the request die young. A refresh then leaves the
 * record, its Call-ID and its two times to the next scavenge instead of a dozen strings and objects: each
 * scavenge of a registrar under load copies (twice, before they are promoted) what the registrations since
 * the last one kept, and that copying is its pause.
 */
export function makeBindingRecord(
  b: Binding,
  contactKey: string,
  userIndex: number,
  contactIndex: number,
  prior: Partial<BindingRecord> = NO_PRIOR,
): BindingRecord {
  return {
    aor: same(prior.aor, b.aor),
    contact: same(prior.contact, b.contact),
    contactParams: sameParams(prior.contactParams, b.contactParams),
    displayName: same(prior.displayName, b.displayName),
    instance: same(prior.instance, b.instance),
    regId: b.regId,
    instrument: same(prior.instrument, b.instrument),
    authUser: same(prior.authUser, b.authUser),
    callId: same(prior.callId, b.callId),
    cseq: b.cseq,
    expiresAt: b.expiresAt,
    path: prior.path !== undefined && samePath(prior.path, b.path) ? prior.path : flatPath(b.path),
    flow: sameFlow(prior.flow, b.flow),
    receivedAt: b.receivedAt,
    userAgent: same(prior.userAgent, b.userAgent),
    contactKey: same(prior.contactKey, contactKey),
    userIndex,
    contactIndex,
  };
}

/**
 * A record as the store returned it, in the same fixed shape (see makeBindingRecord). Its strings are
 * the store's own (no slices of anything larger): made with itself as the prior, it keeps every one.
 */
export function storedBindingRecord(r: BindingRecord): BindingRecord {
  return makeBindingRecord(r, r.contactKey, r.userIndex, r.contactIndex, r);
}

const NO_PRIOR: Partial<BindingRecord> = Object.freeze({});

/** The prior's string when equal, else a flat copy of the new one (see flat). */
function same<T extends string | undefined>(prior: T | undefined, next: T): T {
  return prior === next ? (prior as T) : flat(next);
}

/**
 * A stored string as a flat copy (see flatCopy). The registrar's strings are often slices or
 * concatenations of the text they were read from (a whole received message, or the record a challenge
 * thread handed over with it): kept as they are, every binding would keep that whole text alive.
 */
function flat<T extends string | undefined>(s: T): T {
  return (s === undefined ? s : flatCopy(s)) as T;
}

function flatPath(path: Binding['path']): Binding['path'] {
  return path === undefined ? path : path.map((p) => flatCopy(p));
}

function sameParams(
  prior: Binding['contactParams'],
  next: Binding['contactParams'],
): Binding['contactParams'] {
  if (prior === next || prior === undefined || next === undefined) return next;
  const pk = Object.keys(prior);
  const nk = Object.keys(next);
  if (pk.length !== nk.length) return next;
  for (const k of nk) if (!Object.hasOwn(prior, k) || prior[k] !== next[k]) return next;
  return prior;
}

function samePath(prior: readonly string[], next: Binding['path']): boolean {
  if (next === undefined || prior.length !== next.length) return false;
  for (let i = 0; i < next.length; i++) if (prior[i] !== next[i]) return false;
  return true;
}

function sameFlow(prior: BindingFlow | undefined, next: BindingFlow | undefined): BindingFlow | undefined {
  if (prior === next || prior === undefined || next === undefined) return next;
  return prior.transport === next.transport &&
    prior.localAddress === next.localAddress &&
    prior.localPort === next.localPort &&
    prior.remoteAddress === next.remoteAddress &&
    prior.remotePort === next.remotePort &&
    prior.flowId === next.flowId
    ? prior
    : next;
}
