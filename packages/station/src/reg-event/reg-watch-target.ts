import type { SipUri } from '@beckon/sip';
import { parseInstrumentUri } from '../instrument/index.js';
import { aorFor } from '../registrar/aor.js';

/**
 * What a `reg` subscription watches, named by the SUBSCRIBE's Request-URI (stored with the subscription):
 * - `aor`: every binding of an address-of-record (`sip:1000@example.net`, RFC 3680);
 * - `instrument`: every binding registered by an instrument, whatever its line (`sip:~~in~TOKEN@domain`,
 *   seed 002 §4);
 * - `line`: the bindings of one AOR registered by one instrument (`sip:~~in~USER&TOKEN@domain`, seed 002 §5).
 */
export type RegWatchTarget =
  | { readonly kind: 'aor'; readonly aor: string }
  | { readonly kind: 'instrument'; readonly instrument: string; readonly domain: string }
  | { readonly kind: 'line'; readonly aor: string; readonly instrument: string };

export type RegWatchTargetResult =
  | { readonly ok: true; readonly target: RegWatchTarget }
  | { readonly ok: false; readonly reason: 'unknown-domain' | 'no-user' };

export interface RegWatchTargetInit {
  /** Domains the station is responsible for (compared case-insensitively). */
  readonly domains: ReadonlySet<string>;
  /** `registrar.instrumentPrefix`. */
  readonly instrumentPrefix: string;
}

/**
 * The target named by a SUBSCRIBE Request-URI. The instrument forms are read exactly as the proxy reads
 * them for routing (`parseInstrumentUri`; a user part that starts with the prefix but is not a well-formed
 * instrument URI is an ordinary user, as in `resolveTargets`), and AORs take the registrar's canonical
 * form (`aorFor`), so the watched keys are the location service's keys.
 */
export function regWatchTargetOf(uri: SipUri, init: RegWatchTargetInit): RegWatchTargetResult {
  const host = uri.host.toLowerCase();
  if (!init.domains.has(host)) return { ok: false, reason: 'unknown-domain' };
  const user = uri.user;
  if (user === undefined || user === '') return { ok: false, reason: 'no-user' };
  const inst = parseInstrumentUri(user, init.instrumentPrefix);
  if (inst === undefined) return { ok: true, target: { kind: 'aor', aor: aorFor(user, host) } };
  if (inst.user === undefined)
    return { ok: true, target: { kind: 'instrument', instrument: inst.instrument, domain: host } };
  return { ok: true, target: { kind: 'line', aor: aorFor(inst.user, host), instrument: inst.instrument } };
}

/** Checks a stored (JSON) target; undefined when it is not one. */
export function asRegWatchTarget(v: unknown): RegWatchTarget | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const t = v as Record<string, unknown>;
  const str = (k: string): boolean => typeof t[k] === 'string' && (t[k] as string).length > 0;
  switch (t['kind']) {
    case 'aor':
      return str('aor') ? { kind: 'aor', aor: t['aor'] as string } : undefined;
    case 'instrument':
      return str('instrument') && str('domain')
        ? { kind: 'instrument', instrument: t['instrument'] as string, domain: t['domain'] as string }
        : undefined;
    case 'line':
      return str('aor') && str('instrument')
        ? { kind: 'line', aor: t['aor'] as string, instrument: t['instrument'] as string }
        : undefined;
    default:
      return undefined;
  }
}
