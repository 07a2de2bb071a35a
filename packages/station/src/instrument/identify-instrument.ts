import { instrumentFromSipInstance } from './instrument-from-sip-instance.js';
import { normalizeInstrumentId } from './normalize-instrument.js';
import { splitDigestUsername } from './split-digest-username.js';

export type InstrumentMethod = 'digest-username' | 'sip-instance';

export interface InstrumentIdentity {
  /** The authentication user to look credentials up by (digest username without the token). */
  readonly authUser?: string;
  /** Canonical instrument identifier (see normalizeInstrumentId). */
  readonly instrument?: string;
  readonly method?: InstrumentMethod;
}

export interface InstrumentEvidence {
  /** username="..." from Authorization / Proxy-Authorization (already unquoted). */
  readonly digestUsername?: string;
  /** The +sip.instance Contact parameter value, quoted or not. */
  readonly sipInstance?: string;
  /** Separator between user and token in the digest username (default '/'). */
  readonly separator?: string;
}

/**
 * Identifies the instrument that sent a REGISTER. The first method (a token in the digest username,
 * seed 002 §3) wins over the second (the MAC in a version-1 +sip.instance UUID, seed 002 §8), because
 * a token is put there deliberately by the PBX provisioning system, whereas instance ids may change
 * with software updates or differ per line (seed 002 §2).
 */
export function identifyInstrument(evidence: InstrumentEvidence): InstrumentIdentity {
  let authUser: string | undefined;
  if (evidence.digestUsername !== undefined) {
    const parts = splitDigestUsername(evidence.digestUsername, evidence.separator ?? '/');
    authUser = parts.user;
    if (parts.token !== undefined) {
      const instrument = normalizeInstrumentId(parts.token);
      if (instrument !== undefined) return { authUser, instrument, method: 'digest-username' };
    }
  }
  if (evidence.sipInstance !== undefined) {
    const instrument = instrumentFromSipInstance(evidence.sipInstance);
    if (instrument !== undefined)
      return authUser === undefined
        ? { instrument, method: 'sip-instance' }
        : { authUser, instrument, method: 'sip-instance' };
  }
  return authUser === undefined ? {} : { authUser };
}
