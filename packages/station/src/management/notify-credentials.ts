import type { NotifierSubscription, RequestCredentials } from '@beckon/sip';
import type { MgmtSubscriptionState } from './management-req-package.js';

export interface NotifyCredentialsInit {
  /** Per device (canonical device id `inst:<mac>` / `uri:sip:user@host`, or the instrument id alone). */
  byDevice?: ReadonlyMap<string, RequestCredentials> | Record<string, RequestCredentials>;
  /** Used for every other device (its `realm`, when set, limits it to challenges of that realm). */
  fallback?: RequestCredentials;
}

/**
 * Seed 000 §6: "The authenticity of the NOTIFY source ... SHOULD be ensured by use of appropriate
 * end-to-end or hop-by-hop security mechanisms defined in RFC 3261". A device may digest-challenge a
 * NOTIFY (RFC 3261 §22.2); this builds the notifier's `notifyCredentials` hook that answers with the
 * credentials configured for that device (or the fallback).
 */
export function notifyCredentialsResolver(
  init: NotifyCredentialsInit,
): (sub: NotifierSubscription) => RequestCredentials | undefined {
  const map =
    init.byDevice instanceof Map
      ? init.byDevice
      : new Map(Object.entries((init.byDevice ?? {}) as Record<string, RequestCredentials>));
  return (sub) => {
    const st = sub.packageState as MgmtSubscriptionState | null;
    if (st && typeof st.device === 'string') {
      const direct = map.get(st.device);
      if (direct) return direct;
      if (st.instrument !== null) {
        const byInst = map.get(st.instrument);
        if (byInst) return byInst;
      }
    }
    return init.fallback;
  };
}
