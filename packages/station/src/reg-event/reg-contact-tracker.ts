import type { BindingGruus } from '../gruu/index.js';
import type { BindingRecord } from '../location/index.js';
import type { ContactEvent, ReginfoContact, ReginfoRegistration, RegistrationState } from './reginfo.js';

/** What the previous document of a subscription said about one contact. */
interface SeenContact {
  readonly aor: string;
  readonly id: string;
  readonly uri: string;
  readonly displayName: string | undefined;
  readonly q: string | undefined;
  readonly callId: string;
  readonly cseq: number;
  readonly expiresAt: number;
  readonly event: ContactEvent;
}

/**
 * The contacts one `reg` subscription was last told about, and the registrations of its next document.
 * RFC 3680 §5.1 (paraphrase): a contact's `event` names what caused its current state: `registered`
 * (a REGISTER created it), `refreshed` / `shortened` (a REGISTER extended / reduced its expiry),
 * `expired` (its expiry passed) and `unregistered` (a REGISTER removed it) — the last two with state
 * `terminated`. A registration is `active` while it has an active contact, `terminated` in the document
 * that reports its last contact gone, and `init` otherwise.
 *
 * Comparing the current bindings with the previous document gives those events without any record of
 * the REGISTERs themselves. A terminated contact appears in one document (the next one after its
 * removal) and is then forgotten. Memory only: after a restart the first document reports every contact
 * as `registered` (removals during the downtime are not reported as terminated contacts).
 */
export class RegContactTracker {
  private seen = new Map<string, SeenContact>();

  /**
   * The registrations of the next document from the live `bindings` of the watched resource. `always`
   * lists AORs that appear even without contacts (state `init`), in that order, before the others.
   */
  next(
    bindings: readonly BindingRecord[],
    always: readonly string[],
    now: number,
    gruusOf?: (b: BindingRecord) => BindingGruus | undefined,
  ): ReginfoRegistration[] {
    const byAor = new Map<string, ReginfoContact[]>();
    for (const a of always) byAor.set(a, []);
    const seen = new Map<string, SeenContact>();
    const live: [string, BindingRecord][] = [];
    for (const b of bindings) if (b.expiresAt > now) live.push([b.aor, b]);
    if (always.length === 0) live.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    for (const [aor, b] of live) {
      const key = aor + '\u0000' + b.contactKey;
      const prev = this.seen.get(key);
      let event: ContactEvent;
      if (prev === undefined) event = 'registered';
      else if (prev.callId !== b.callId || prev.cseq !== b.cseq)
        event = b.expiresAt < prev.expiresAt ? 'shortened' : 'refreshed';
      else event = prev.event;
      const q = qOf(b);
      const s: SeenContact = {
        aor,
        id: String(b.contactIndex),
        uri: b.contact,
        displayName: b.displayName,
        q,
        callId: b.callId,
        cseq: b.cseq,
        expiresAt: b.expiresAt,
        event,
      };
      seen.set(key, s);
      const g = gruusOf?.(b);
      listOf(byAor, aor).push({
        id: s.id,
        state: 'active',
        event,
        expires: Math.max(0, Math.round((b.expiresAt - now) / 1000)),
        ...(q !== undefined ? { q } : {}),
        callId: b.callId,
        cseq: b.cseq,
        uri: b.contact,
        ...(b.displayName !== undefined ? { displayName: b.displayName } : {}),
        ...(b.instance !== undefined ? { instance: b.instance } : {}),
        ...(g ? { pubGruu: g.pub, tempGruu: { uri: g.temp, firstCseq: b.cseq } } : {}),
      });
    }
    for (const [key, prev] of this.seen) {
      if (seen.has(key)) continue;
      listOf(byAor, prev.aor).push({
        id: prev.id,
        state: 'terminated',
        // The expiry wheel removes a binding at most a tick after its expiry; a binding gone before its
        // expiry was removed by a REGISTER (Expires: 0, `Contact: *`, or evicted by the contact limit).
        event: prev.expiresAt <= now ? 'expired' : 'unregistered',
        ...(prev.q !== undefined ? { q: prev.q } : {}),
        callId: prev.callId,
        cseq: prev.cseq,
        uri: prev.uri,
        ...(prev.displayName !== undefined ? { displayName: prev.displayName } : {}),
      });
    }
    this.seen = seen;
    const out: ReginfoRegistration[] = [];
    for (const [aor, contacts] of byAor) {
      let state: RegistrationState = 'init';
      for (const c of contacts) {
        if (c.state === 'active') {
          state = 'active';
          break;
        }
        state = 'terminated';
      }
      out.push({ aor, id: registrationId(aor), state, contacts });
    }
    return out;
  }

  /** Contacts the last document showed as active. */
  get size(): number {
    return this.seen.size;
  }
}

/**
 * A registration's `id`: RFC 3680 §5.1 (paraphrase) asks for the same id for the same registration across
 * documents. Derived from the AOR (FNV-1a, 32 bits), so it also survives restarts and the AOR's index
 * being reassigned when its last binding goes.
 */
export function registrationId(aor: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < aor.length; i++) {
    h ^= aor.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return 'r' + h.toString(16).padStart(8, '0');
}

function listOf(m: Map<string, ReginfoContact[]>, aor: string): ReginfoContact[] {
  let l = m.get(aor);
  if (l === undefined) {
    l = [];
    m.set(aor, l);
  }
  return l;
}

function qOf(b: BindingRecord): string | undefined {
  const q = b.contactParams?.['q'];
  return typeof q === 'string' && q.length > 0 ? q : undefined;
}
