import { makeBindingRecord, type Binding, type BindingRecord } from './binding.js';
import { contactKey } from './contact-key.js';
import { checkRegistrationOrder } from './registration-order.js';
import type { AorEntry } from './user-index-order.js';

export type TooManyContactsPolicy = 'reject' | 'evict-oldest';

/** The binding changes one REGISTER asks for (already validated and expanded by the registrar). */
export interface RegisterChanges {
  /** Call-ID and CSeq of the REGISTER, for the ordering check of removals (RFC 3261 §10.3 steps 6, 7). */
  readonly callId: string;
  readonly cseq: number;
  /** Contacts to add or refresh. A binding whose expiresAt is not in the future is removed instead. */
  readonly add?: readonly Binding[];
  /**
   * contactKey() of each binding of `add`, same order, when the caller computed them already (they must
   * be exactly contactKey(binding)); computed here when absent.
   */
  readonly addKeys?: readonly string[];
  /** Contact keys (see contactKey()) to remove (Contact with expires=0). */
  readonly remove?: readonly string[];
  /** `Contact: *` with Expires: 0: remove every binding of the AOR. */
  readonly removeAll?: boolean;
}

export type RegisterOutcome =
  | {
      readonly ok: true;
      /** The AOR's bindings after the change, highest q first. */
      readonly bindings: readonly BindingRecord[];
      readonly added: number;
      readonly refreshed: number;
      readonly removed: number;
      readonly evicted: number;
    }
  | { readonly ok: false; readonly reason: 'out-of-order'; readonly contactKey: string }
  | {
      readonly ok: false;
      readonly reason: 'too-many-contacts';
      readonly max: number;
      readonly wanted: number;
    }
  | { readonly ok: false; readonly reason: 'storage-failed'; readonly error: unknown };

/** A change to write: the records to store, the bindings to drop, and what the outcome reports. */
export interface RegisterWritePlan {
  readonly kind: 'write';
  readonly upserts: readonly BindingRecord[];
  readonly removals: readonly BindingRecord[];
  /** The AOR's live bindings before the change (by contact key, or the single one), for listeners. */
  readonly before: ReadonlyMap<string, BindingRecord> | BindingRecord | undefined;
  readonly added: number;
  readonly refreshed: number;
  /** Removed on request (Contact expires=0 or `*`), not counting `evicted`. */
  readonly removed: number;
  readonly evicted: number;
}

/** What one REGISTER's changes come to, decided against the AOR's committed bindings. */
export type RegisterChangePlan =
  | { readonly kind: 'refused'; readonly outcome: Exclude<RegisterOutcome, { ok: true }> }
  | { readonly kind: 'unchanged' }
  | RegisterWritePlan;

/** The location service's settings and index counter a plan needs. */
export interface RegisterPlanContext {
  readonly maxContacts: number;
  readonly policy: TooManyContactsPolicy;
  /** sipServerRegUserIndex an AOR without bindings gets (the caller takes it if it writes the plan). */
  userIndexForNewAor(): number;
  /** Hands out a new sipServerRegContactIndex. */
  takeContactIndex(): number;
}

/**
 * RFC 3261 §10.3 steps 6-8 for one AOR: ordering checks, removals, additions and refreshes, and the
 * contact limit, decided against the AOR's live bindings. Pure apart from taking contact indexes.
 * Throws (a bug of the caller) if a binding of another AOR is passed.
 */
export function planRegisterChange(
  aor: string,
  changes: RegisterChanges,
  entry: AorEntry | undefined,
  now: number,
  ctx: RegisterPlanContext,
): RegisterChangePlan {
  return planSimple(aor, changes, entry, now, ctx) ?? planGeneral(aor, changes, entry, now, ctx);
}

/**
 * The two changes nearly every REGISTER makes, without the general path's three maps per request: one
 * contact added to an AOR without bindings, or the single live binding of an AOR refreshed (same
 * contact key, new expiry in the future). Undefined for anything else; for these two cases both paths
 * plan the same.
 */
function planSimple(
  aor: string,
  changes: RegisterChanges,
  entry: AorEntry | undefined,
  now: number,
  ctx: RegisterPlanContext,
): RegisterChangePlan | undefined {
  const add = changes.add;
  if (add === undefined || add.length !== 1 || changes.removeAll === true) return undefined;
  if (changes.remove !== undefined && changes.remove.length > 0) return undefined;
  const b = add[0] as Binding;
  if (b.aor !== aor || b.expiresAt <= now) return undefined;
  const k = changes.addKeys?.[0] ?? contactKey(b);
  let existing: BindingRecord | undefined;
  if (entry !== undefined) {
    existing = entry.bindings.only();
    if (existing === undefined || existing.contactKey !== k || existing.expiresAt <= now) return undefined;
  }
  // RFC 3261 §10.3 step 7 (see checkRegistrationOrder).
  if (checkRegistrationOrder(existing, b.callId, b.cseq) !== 'ok')
    return { kind: 'refused', outcome: { ok: false, reason: 'out-of-order', contactKey: k } };
  const userIndex = entry !== undefined ? entry.userIndex : ctx.userIndexForNewAor();
  const contactIndex = existing !== undefined ? existing.contactIndex : ctx.takeContactIndex();
  return {
    kind: 'write',
    upserts: [makeBindingRecord(b, k, userIndex, contactIndex, existing)],
    removals: NONE,
    before: existing,
    added: existing === undefined ? 1 : 0,
    refreshed: existing === undefined ? 0 : 1,
    removed: 0,
    evicted: 0,
  };
}

const NONE: readonly BindingRecord[] = Object.freeze([]);

function outOfOrder(contactKey: string): RegisterChangePlan {
  return { kind: 'refused', outcome: { ok: false, reason: 'out-of-order', contactKey } };
}

/** The general algorithm alone (planRegisterChange without its fast path; exported for the test that compares them). */
export function planGeneral(
  aor: string,
  changes: RegisterChanges,
  entry: AorEntry | undefined,
  now: number,
  ctx: RegisterPlanContext,
): RegisterChangePlan {
  const live = new Map<string, BindingRecord>();
  if (entry) for (const [k, b] of entry.bindings) if (b.expiresAt > now) live.set(k, b);

  const removals = new Map<string, BindingRecord>();
  // RFC 3261 §10.3 step 6: "[for Contact: *] ... it MUST remove the binding only if the CSeq in the
  // request is higher than the value stored for that binding. Otherwise, the update MUST be aborted".
  if (changes.removeAll) {
    for (const [k, b] of live) {
      if (checkRegistrationOrder(b, changes.callId, changes.cseq) !== 'ok') return outOfOrder(k);
      removals.set(k, b);
    }
  }
  if (changes.remove) {
    for (const k of changes.remove) {
      const b = live.get(k);
      if (!b) continue;
      if (checkRegistrationOrder(b, changes.callId, changes.cseq) !== 'ok') return outOfOrder(k);
      removals.set(k, b);
    }
  }
  const userIndex = entry?.userIndex ?? ctx.userIndexForNewAor();
  const upserts = new Map<string, BindingRecord>();
  let added = 0;
  let refreshed = 0;
  if (changes.add) {
    const keys = changes.addKeys;
    for (let i = 0; i < changes.add.length; i++) {
      const b = changes.add[i] as Binding;
      if (b.aor !== aor) throw new TypeError(`binding for ${b.aor} passed to applyRegister(${aor})`);
      const k = keys?.[i] ?? contactKey(b);
      const existing = live.get(k);
      // RFC 3261 §10.3 step 7 (see checkRegistrationOrder).
      if (checkRegistrationOrder(existing, b.callId, b.cseq) !== 'ok') return outOfOrder(k);
      if (b.expiresAt <= now) {
        upserts.delete(k);
        if (existing) removals.set(k, existing);
        continue;
      }
      removals.delete(k);
      const prior = upserts.get(k);
      const contactIndex = existing?.contactIndex ?? prior?.contactIndex ?? ctx.takeContactIndex();
      upserts.set(k, makeBindingRecord(b, k, userIndex, contactIndex, existing ?? prior));
      if (!prior) {
        if (existing) refreshed++;
        else added++;
      }
    }
  }

  // Contact limit, counted on the state after the change.
  let after = live.size;
  for (const k of removals.keys()) if (live.has(k)) after--;
  for (const k of upserts.keys()) if (!live.has(k)) after++;
  let evicted = 0;
  if (after > ctx.maxContacts) {
    if (ctx.policy === 'reject' || upserts.size > ctx.maxContacts)
      return {
        kind: 'refused',
        outcome: { ok: false, reason: 'too-many-contacts', max: ctx.maxContacts, wanted: after },
      };
    const candidates = [...live.values()]
      .filter((b) => !removals.has(b.contactKey) && !upserts.has(b.contactKey))
      .sort((a, b) => a.receivedAt - b.receivedAt || a.contactIndex - b.contactIndex);
    for (const b of candidates) {
      if (after <= ctx.maxContacts) break;
      removals.set(b.contactKey, b);
      after--;
      evicted++;
    }
  }

  if (upserts.size === 0 && removals.size === 0) return { kind: 'unchanged' };
  return {
    kind: 'write',
    upserts: [...upserts.values()],
    removals: [...removals.values()],
    before: live,
    added,
    refreshed,
    removed: removals.size - evicted,
    evicted,
  };
}
