import { normalizeInstrumentId } from './normalize-instrument.js';

export const DEFAULT_INSTRUMENT_PREFIX = '~~in~';

export interface InstrumentUri {
  /** Canonical instrument identifier. */
  readonly instrument: string;
  /** For the AOR-and-instrument form: the user part of the AOR (unescaped), same host as the URI. */
  readonly user?: string;
}

/**
 * Recognises the special request-URI user parts of seed 002 §4/§5:
 * - `~~in~TOKEN` designates all contacts registered by instrument TOKEN
 *   (F8 "SUBSCRIBE sip:~~in~0000DEADBEEF@example.net");
 * - `~~in~USER&TOKEN` designates the contacts of AOR USER@host registered by instrument TOKEN
 *   ("another special set of URIs which designate the collection of all contacts for a given AOR that
 *   are also registered by a given instrument"). The seed gives no syntax for this form; Beckon uses
 *   '&' (allowed unescaped in a user part, RFC 3261 user-unreserved) and splits at the LAST '&', so a
 *   USER may contain '&' while a TOKEN must escape it as %26.
 *
 * Both halves are percent-decoded after splitting (RFC 3261 §19.1.4 compares user parts unescaped), so
 * a token that needs characters outside the user-part grammar (a URN's ':') is written escaped
 * (`~~in~urn%3Auuid%3A...`). The prefix is matched case-sensitively. Returns undefined when the user part
 * is not an instrument URI or is malformed (bad %-escape, empty token or user). Never throws.
 */
export function parseInstrumentUri(
  userPart: string,
  prefix = DEFAULT_INSTRUMENT_PREFIX,
): InstrumentUri | undefined {
  if (prefix.length === 0 || !userPart.startsWith(prefix)) return undefined;
  const rest = userPart.slice(prefix.length);
  const amp = rest.lastIndexOf('&');
  const rawToken = amp >= 0 ? rest.slice(amp + 1) : rest;
  const token = percentDecode(rawToken);
  if (token === undefined) return undefined;
  const instrument = normalizeInstrumentId(token);
  if (instrument === undefined) return undefined;
  if (amp < 0) return { instrument };
  const user = percentDecode(rest.slice(0, amp));
  if (user === undefined || user.length === 0) return undefined;
  return { instrument, user };
}

/** Builds the user part for {@link parseInstrumentUri}, escaping what the grammar requires. */
export function formatInstrumentUri(
  instrument: string,
  user?: string,
  prefix = DEFAULT_INSTRUMENT_PREFIX,
): string {
  const t = escapeUserPart(instrument, true);
  return user === undefined ? prefix + t : prefix + escapeUserPart(user, false) + '&' + t;
}

// RFC 3261 §25.1: user = 1*( unreserved / escaped / user-unreserved ); user-unreserved = & = + $ , ; ? /
const USER_SAFE = /[A-Za-z0-9\-_.!~*'()=+$,;?/]/;

function escapeUserPart(s: string, escapeAmp: boolean): string {
  let out = '';
  for (const ch of s) {
    if (USER_SAFE.test(ch) || (ch === '&' && !escapeAmp)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function percentDecode(s: string): string | undefined {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
