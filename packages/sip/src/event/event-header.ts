import { isLws, isTokenChar } from '../grammar/char-classes.js';
import { parseHeaderParams, paramValue, type Params } from '../grammar/header-params.js';

/** The parsed Event header (RFC 6665 §8.2.1): package name, the `id` parameter, other parameters. */
export interface EventHeader {
  /** Event type, lowercased (`management-req`, `presence.winfo`). */
  readonly event: string;
  /** The `id` parameter, or undefined. */
  readonly id: string | undefined;
  readonly params: Params;
}

export type EventHeaderResult = { ok: true; value: EventHeader } | { ok: false; error: string };

/**
 * RFC 6665 §8.4: `Event = ( "Event" / "o" ) HCOLON event-type *( SEMI event-param )`,
 * `event-type = event-package *( "." event-template )`, `event-param = generic-param / ( "id" EQUAL token )`.
 * Never throws.
 */
export function parseEventHeader(value: string | undefined): EventHeaderResult {
  if (value === undefined) return { ok: false, error: 'missing Event header' };
  const s = value;
  const n = s.length;
  let i = 0;
  while (i < n && isLws(s.charCodeAt(i))) i++;
  const start = i;
  while (i < n && isTokenChar(s.charCodeAt(i))) i++;
  if (i === start) return { ok: false, error: 'empty event type' };
  const event = s.slice(start, i).toLowerCase();
  const params: Params = new Map();
  const err = parseHeaderParams(s, i, params);
  if (err !== undefined) return { ok: false, error: err };
  return { ok: true, value: { event, id: paramValue(params, 'id'), params } };
}

/** `event[;id=x]`. */
export function formatEventHeader(event: string, id: string | undefined): string {
  return id === undefined ? event : `${event};id=${id}`;
}

/** §4.1.3 / §8.4 substate-value. Unknown values are kept as `other` (treated as pending, see §4.1.3). */
export type SubstateValue = 'active' | 'pending' | 'terminated';

/** §6.2 event-reason-value, registered values plus extension tokens. */
export type TerminationReason =
  | 'deactivated'
  | 'probation'
  | 'rejected'
  | 'timeout'
  | 'giveup'
  | 'noresource'
  | 'invariant'
  | (string & {});

export interface SubscriptionStateHeader {
  readonly state: SubstateValue;
  /** The raw value when it was not one of the three known ones. */
  readonly rawState: string;
  readonly reason: TerminationReason | undefined;
  /** Seconds. */
  readonly expires: number | undefined;
  /** Seconds. */
  readonly retryAfter: number | undefined;
}

export type SubscriptionStateResult =
  { ok: true; value: SubscriptionStateHeader } | { ok: false; error: string };

/**
 * RFC 6665 §8.4:
 * `Subscription-State = "Subscription-State" HCOLON substate-value *( SEMI subexp-params )`,
 * `substate-value = "active" / "pending" / "terminated" / extension-substate`,
 * `subexp-params = ("reason" EQUAL event-reason-value) / ("expires" EQUAL delta-seconds)
 *  / ("retry-after" EQUAL delta-seconds) / generic-param`.
 * §4.1.3: "If the 'Subscription-State' value is not recognized, the subscriber ... SHOULD treat it as
 * 'pending'" (paraphrased from the extension-substate rule).
 */
export function parseSubscriptionState(value: string | undefined): SubscriptionStateResult {
  if (value === undefined) return { ok: false, error: 'missing Subscription-State header' };
  const s = value;
  const n = s.length;
  let i = 0;
  while (i < n && isLws(s.charCodeAt(i))) i++;
  const start = i;
  while (i < n && isTokenChar(s.charCodeAt(i))) i++;
  if (i === start) return { ok: false, error: 'empty substate' };
  const rawState = s.slice(start, i).toLowerCase();
  const params: Params = new Map();
  const err = parseHeaderParams(s, i, params);
  if (err !== undefined) return { ok: false, error: err };
  const state: SubstateValue = rawState === 'active' || rawState === 'terminated' ? rawState : 'pending';
  const reason = paramValue(params, 'reason')?.toLowerCase();
  return {
    ok: true,
    value: {
      state,
      rawState,
      reason: reason === '' ? undefined : reason,
      expires: deltaSeconds(paramValue(params, 'expires')),
      retryAfter: deltaSeconds(paramValue(params, 'retry-after')),
    },
  };
}

export function formatSubscriptionState(
  state: SubstateValue,
  opts: { expires?: number; reason?: TerminationReason; retryAfter?: number } = {},
): string {
  let out: string = state;
  if (opts.reason !== undefined) out += ';reason=' + opts.reason;
  if (opts.expires !== undefined) out += ';expires=' + opts.expires;
  if (opts.retryAfter !== undefined) out += ';retry-after=' + opts.retryAfter;
  return out;
}

/** delta-seconds = 1*DIGIT; values past 2^32-1 are capped (RFC 3261 §20.19 allows the cap). */
export function deltaSeconds(v: string | undefined): number | undefined {
  if (v === undefined || v.length === 0 || v.length > 12) return undefined;
  let x = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return undefined;
    x = x * 10 + c;
  }
  return Math.min(x, 0xffffffff);
}

/** Media type of a Content-Type / Accept value without parameters, lowercased. */
export function mediaType(v: string): string {
  const semi = v.indexOf(';');
  return (semi < 0 ? v : v.slice(0, semi)).trim().toLowerCase();
}
