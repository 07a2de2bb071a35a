import type { SipUri } from '@beckon/sip';
import type { BindingRecord, LocationService } from '../location/index.js';
import { instanceIdOf } from './public-gruu.js';
import { TEMP_GRUU_PREFIX, type TempGruuCodec } from './temp-gruu-codec.js';

export type GruuResolution =
  /** The Request-URI carries no `gr` parameter: ordinary AOR routing applies. */
  | { readonly kind: 'not-gruu' }
  /** The one contact of the instance (the most recently registered one when it has several flows). */
  | { readonly kind: 'binding'; readonly binding: BindingRecord }
  /** A temporary GRUU this station did not issue, or one no longer valid: 404. */
  | { readonly kind: 'unknown' }
  /** A GRUU of a known AOR whose instance has no live registration now: 404 or 480 by the caller's rule. */
  | { readonly kind: 'unregistered'; readonly aor: string };

/**
 * RFC 5627 §6 (proxy behaviour, paraphrased): a request whose Request-URI is a GRUU the domain issued goes
 * to the contacts the instance registered under the AOR, and to no other; a GRUU that is not (or no
 * longer) valid gets a 404, and one whose instance is not registered right now a 480.
 */
export function resolveGruu(
  uri: SipUri,
  location: Pick<LocationService, 'lookup'>,
  codec: TempGruuCodec | undefined,
): GruuResolution {
  if (!uri.params.has('gr')) return { kind: 'not-gruu' };
  const user = uri.user ?? '';
  if (user.startsWith(TEMP_GRUU_PREFIX)) {
    const t = codec?.open(user);
    if (!t) return { kind: 'unknown' };
    const all = ofInstance(location.lookup(t.aor), t.instance);
    if (all.length === 0) return { kind: 'unregistered', aor: t.aor };
    // §5.2: registering again with another Call-ID ends the temporary GRUUs handed out before.
    const current = all.filter((b) => b.callId === t.callId);
    return current.length === 0 ? { kind: 'unknown' } : { kind: 'binding', binding: newest(current) };
  }
  const gr = uri.params.get('gr');
  if (gr === null || gr === undefined || gr === '' || user === '') return { kind: 'unknown' };
  const aor = 'sip:' + user + '@' + uri.host.toLowerCase();
  const all = ofInstance(location.lookup(aor), unescape(gr));
  return all.length === 0 ? { kind: 'unregistered', aor } : { kind: 'binding', binding: newest(all) };
}

/** Bindings registered by `instanceId` (URNs compared without regard to case, as uuid URNs are). */
function ofInstance(bindings: readonly BindingRecord[], instanceId: string): BindingRecord[] {
  const want = instanceId.toLowerCase();
  return bindings.filter((b) => b.instance !== undefined && instanceIdOf(b.instance).toLowerCase() === want);
}

function newest(bindings: readonly BindingRecord[]): BindingRecord {
  let best = bindings[0] as BindingRecord;
  for (const b of bindings) if (b.receivedAt > best.receivedAt) best = b;
  return best;
}

function unescape(v: string): string {
  if (!v.includes('%')) return v;
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}
