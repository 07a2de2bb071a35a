import {
  contactKey,
  type Binding,
  type RegisterChanges,
  type RegisterOutcome,
} from '../../location/index.js';
import type { RegistrarLocation } from '../registrar.js';

/**
 * Applies a REGISTER's changes planned by a register thread, on the main thread. The thread cannot see
 * the location service, so the registrar's retransmission rule is applied here: a REGISTER whose every
 * contact is already bound with this very Call-ID and CSeq was applied before (RFC 3261 §10.3 step 7 would
 * otherwise refuse the equal CSeq), and is answered with the current bindings, unchanged. The outcome
 * crosses back to the thread, so a failure carries its error as text.
 */
export function applyForThread(
  location: RegistrarLocation,
  aor: string,
  changes: RegisterChanges,
): Promise<RegisterOutcome> {
  if (isRepeat(location, aor, changes))
    return Promise.resolve({
      ok: true,
      bindings: location.lookup(aor),
      added: 0,
      refreshed: 0,
      removed: 0,
      evicted: 0,
    });
  return location
    .applyRegister(aor, changes)
    .then((o) => (!o.ok && o.reason === 'storage-failed' ? { ...o, error: String(o.error) } : o));
}

function isRepeat(location: RegistrarLocation, aor: string, changes: RegisterChanges): boolean {
  const add = changes.add;
  if (changes.removeAll || (changes.remove?.length ?? 0) > 0 || !add || add.length === 0) return false;
  for (let i = 0; i < add.length; i++) {
    const b = add[i] as Binding;
    const cur = location.get(aor, changes.addKeys?.[i] ?? contactKey(b));
    if (!cur || cur.callId !== b.callId || cur.cseq !== b.cseq) return false;
  }
  return true;
}
