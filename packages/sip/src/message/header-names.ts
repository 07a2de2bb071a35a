// Header field names: canonical spelling, compact forms and list-ness.
// RFC 3261 §7.3.3: "SIP provides a mechanism to represent common header field names in an
// abbreviated form." §7.3.1: field names are case-insensitive.

const CANONICAL_NAMES = [
  'Accept',
  'Accept-Contact',
  'Accept-Encoding',
  'Accept-Language',
  'Accept-Resource-Priority',
  'Alert-Info',
  'Allow',
  'Allow-Events',
  'Authentication-Info',
  'Authorization',
  'Call-ID',
  'Call-Info',
  'Contact',
  'Content-Disposition',
  'Content-Encoding',
  'Content-ID',
  'Content-Language',
  'Content-Length',
  'Content-Type',
  'CSeq',
  'Date',
  'Error-Info',
  'Event',
  'Expires',
  'Flow-Timer',
  'From',
  'History-Info',
  'Identity',
  'Identity-Info',
  'In-Reply-To',
  'Join',
  'Max-Forwards',
  'MIME-Version',
  'Min-Expires',
  'Min-SE',
  'Organization',
  'P-Asserted-Identity',
  'P-Preferred-Identity',
  'Path',
  'Priority',
  'Privacy',
  'Proxy-Authenticate',
  'Proxy-Authorization',
  'Proxy-Require',
  'RAck',
  'Reason',
  'Record-Route',
  'Refer-To',
  'Referred-By',
  'Reject-Contact',
  'Replaces',
  'Reply-To',
  'Request-Disposition',
  'Require',
  'Resource-Priority',
  'Retry-After',
  'Route',
  'RSeq',
  'Security-Client',
  'Security-Server',
  'Security-Verify',
  'Server',
  'Service-Route',
  'Session-Expires',
  'SIP-ETag',
  'SIP-If-Match',
  'Subject',
  'Subscription-State',
  'Supported',
  'Timestamp',
  'To',
  'Unsupported',
  'User-Agent',
  'Via',
  'Warning',
  'WWW-Authenticate',
] as const;

const CANONICAL = new Map<string, string>(CANONICAL_NAMES.map((n) => [n.toLowerCase(), n]));

// RFC 3261 §7.3.3 and the registrations of later RFCs (IANA "Header Fields" compact forms).
const COMPACT = new Map<string, string>([
  ['a', 'accept-contact'],
  ['b', 'referred-by'],
  ['c', 'content-type'],
  ['d', 'request-disposition'],
  ['e', 'content-encoding'],
  ['f', 'from'],
  ['i', 'call-id'],
  ['j', 'reject-contact'],
  ['k', 'supported'],
  ['l', 'content-length'],
  ['m', 'contact'],
  ['o', 'event'],
  ['r', 'refer-to'],
  ['s', 'subject'],
  ['t', 'to'],
  ['u', 'allow-events'],
  ['v', 'via'],
  ['x', 'session-expires'],
  ['y', 'identity'],
]);

// Headers whose grammar is a comma-separated list (RFC 3261 §7.3.1), so that several values may be
// combined in one row or spread over several rows. Authorization / WWW-Authenticate and friends are
// deliberately absent: their parameters contain commas, so they are returned one row per value.
const LIST_HEADERS = new Set<string>([
  'accept',
  'accept-contact',
  'accept-encoding',
  'accept-language',
  'accept-resource-priority',
  'alert-info',
  'allow',
  'allow-events',
  'call-info',
  'contact',
  'content-encoding',
  'content-language',
  'error-info',
  'history-info',
  'in-reply-to',
  'p-asserted-identity',
  'p-preferred-identity',
  'path',
  'proxy-require',
  'reason',
  'record-route',
  'reject-contact',
  'request-disposition',
  'require',
  'resource-priority',
  'route',
  'security-client',
  'security-server',
  'security-verify',
  'service-route',
  'supported',
  'unsupported',
  'via',
  'warning',
]);

/** Key and canonical spelling of a header name as it appears on the wire. */
export interface HeaderNameInfo {
  readonly key: string;
  readonly canonical: string;
}

function buildSpellings(): Map<string, HeaderNameInfo> {
  const m = new Map<string, HeaderNameInfo>();
  for (const canonical of CANONICAL_NAMES) {
    const key = canonical.toLowerCase();
    const info: HeaderNameInfo = { key, canonical };
    // The spellings seen in practice: canonical, lowercase, and Capitalized-Words.
    const words = key.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
    for (const sp of [canonical, key, words, canonical.toUpperCase()]) m.set(sp, info);
  }
  for (const [c, key] of COMPACT) {
    const info: HeaderNameInfo = { key, canonical: CANONICAL.get(key) ?? key };
    m.set(c, info);
    m.set(c.toUpperCase(), info);
  }
  return m;
}

// Immutable after construction (a lookup table, not state).
const SPELLINGS: ReadonlyMap<string, HeaderNameInfo> = buildSpellings();

/** The canonical spellings met in almost every request, compared directly (no hashing of the name). */
const COMMON_BY_LENGTH: readonly (readonly HeaderNameInfo[])[] = (() => {
  const out: HeaderNameInfo[][] = [];
  for (const n of [
    'Via',
    'From',
    'To',
    'Call-ID',
    'CSeq',
    'Contact',
    'Max-Forwards',
    'Expires',
    'User-Agent',
    'Content-Length',
    'Authorization',
    'Allow',
    'Supported',
  ]) {
    const info = SPELLINGS.get(n) as HeaderNameInfo;
    (out[n.length] ??= []).push(info);
  }
  return out;
})();

/** The entry for a usual spelling of a known header name (undefined for anything else). */
export function knownHeaderName(name: string): HeaderNameInfo | undefined {
  const common = COMMON_BY_LENGTH[name.length];
  if (common !== undefined)
    for (let i = 0; i < common.length; i++) {
      const info = common[i] as HeaderNameInfo;
      if (info.canonical === name) return info;
    }
  return SPELLINGS.get(name);
}

/**
 * Key and canonical name of a header name as received: one Map lookup for the usual spellings, else the
 * general `headerKey` / `canonicalForKey` path (the result is not cached: names come from the network).
 */
export function headerNameInfo(name: string): HeaderNameInfo {
  const known = SPELLINGS.get(name);
  if (known !== undefined) return known;
  const key = headerKey(name);
  return { key, canonical: canonicalForKey(key, name) };
}

/** Lowercase lookup key of a header name; compact forms map to the long name. */
export function headerKey(name: string): string {
  const lower = name.toLowerCase();
  if (lower.length === 1) return COMPACT.get(lower) ?? lower;
  return lower;
}

/** Canonical spelling of a header name (`call-id` -> `Call-ID`, `v` -> `Via`); unknown names as given. */
export function canonicalHeaderName(name: string): string {
  return CANONICAL.get(headerKey(name)) ?? name;
}

/** Canonical spelling for a key produced by `headerKey`, falling back to `fallback`. */
export function canonicalForKey(key: string, fallback: string): string {
  return CANONICAL.get(key) ?? fallback;
}

/** True when the header (by key) is a comma-separated list header. */
export function isListHeader(key: string): boolean {
  return LIST_HEADERS.has(key);
}
