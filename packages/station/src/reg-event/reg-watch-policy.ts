import { aorFor } from '../registrar/aor.js';
import type { RegLocationView } from './reg-location-view.js';
import type { RegWatchTarget } from './reg-watch-target.js';

export interface RegWatchPolicy {
  /** Authentication users allowed to watch every AOR and instrument (`registrar.regEvent.watchers`). */
  readonly watchers: ReadonlySet<string>;
  readonly location: Pick<RegLocationView, 'byAorAndInstrument'>;
}

/**
 * Who may watch what. RFC 3680 §4.6 leaves the authorization policy to the notifier ("the registrar
 * SHOULD authorize" — paraphrase) and recommends that a user may subscribe to the registrations of its
 * own AOR. Beckon's rule: an authenticated user may watch
 * - its own AOR (`sip:USER@domain`),
 * - an instrument (`~~in~TOKEN`) on which it has a line (a live binding of its AOR registered by that
 *   instrument),
 * - a line (`~~in~USER&TOKEN`) that is its own or that sits on an instrument where it has a line,
 * and a user listed in `watchers` (operators, monitoring) may watch anything.
 */
export function mayWatch(user: string, target: RegWatchTarget, policy: RegWatchPolicy): boolean {
  if (policy.watchers.has(user)) return true;
  switch (target.kind) {
    case 'aor':
      return target.aor === aorFor(user, domainOf(target.aor));
    case 'instrument':
      return hasLine(user, target.domain, target.instrument, policy);
    case 'line': {
      const domain = domainOf(target.aor);
      return target.aor === aorFor(user, domain) || hasLine(user, domain, target.instrument, policy);
    }
  }
}

function hasLine(user: string, domain: string, instrument: string, policy: RegWatchPolicy): boolean {
  return policy.location.byAorAndInstrument(aorFor(user, domain), instrument).length > 0;
}

/** The host of a canonical AOR (`sip:user@host`). */
function domainOf(aor: string): string {
  return aor.slice(aor.lastIndexOf('@') + 1);
}
