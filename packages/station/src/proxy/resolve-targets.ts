import type { SipUri } from '@beckon/sip';
import { resolveGruu, type TempGruuCodec } from '../gruu/index.js';
import { parseInstrumentUri } from '../instrument/index.js';
import type { BindingRecord, LocationService } from '../location/index.js';

export type TargetResolution =
  | { readonly kind: 'bindings'; readonly bindings: readonly BindingRecord[]; readonly instrument?: string }
  /** No such user or instrument: 404. */
  | { readonly kind: 'unknown' }
  /** A known user (or well-formed instrument URI) with no live binding: 480. */
  | { readonly kind: 'unavailable' };

export interface ResolveTargetsInit {
  readonly instrumentPrefix: string;
  /** True when the user exists (has credentials); without it a user is known once it has a binding. */
  readonly knownUser?: (user: string) => boolean;
  /** GRUU routing (RFC 5627 §6) with this temporary-GRUU key; absent: a `gr` parameter is ignored. */
  readonly gruu?: TempGruuCodec;
}

/**
 * The target set of a request for the proxy's own domain (RFC 3261 §16.5: "If the domain of the
 * Request-URI indicates a domain this element is responsible for, the Request-URI MUST be placed into
 * the target set [after] the abstract location service"), extended with the instrument URIs of seed 002:
 * `~~in~TOKEN` (every contact registered by the instrument) and `~~in~USER&TOKEN` (the contacts of
 * USER@domain registered by it), and with GRUUs (RFC 5627): a public or temporary GRUU targets the one
 * instance it names.
 */
export function resolveTargets(
  uri: SipUri,
  location: LocationService,
  init: ResolveTargetsInit,
): TargetResolution {
  const user = uri.user;
  if (user === undefined || user === '') return { kind: 'unknown' };
  const host = uri.host.toLowerCase();
  if (init.gruu) {
    const g = resolveGruu(uri, location, init.gruu);
    if (g.kind === 'binding') return { kind: 'bindings', bindings: [g.binding] };
    if (g.kind === 'unknown') return { kind: 'unknown' };
    if (g.kind === 'unregistered') {
      // The AOR exists (it has other bindings, or the user has credentials) but not this instance: 480.
      const aorUser = g.aor.slice(g.aor.indexOf(':') + 1, g.aor.lastIndexOf('@'));
      return location.lookup(g.aor).length > 0 || init.knownUser?.(aorUser)
        ? { kind: 'unavailable' }
        : { kind: 'unknown' };
    }
  }
  const inst = parseInstrumentUri(user, init.instrumentPrefix);
  if (inst) {
    const bindings =
      inst.user === undefined
        ? location.byInstrument(inst.instrument)
        : location.byAorAndInstrument('sip:' + inst.user + '@' + host, inst.instrument);
    return bindings.length > 0
      ? { kind: 'bindings', bindings, instrument: inst.instrument }
      : { kind: 'unavailable' };
  }
  const bindings = location.lookup('sip:' + user + '@' + host);
  if (bindings.length > 0) return { kind: 'bindings', bindings };
  if (init.knownUser?.(user)) return { kind: 'unavailable' };
  return { kind: 'unknown' };
}
