/**
 * Methods this stack knows by name (RFC 3261 §27.4 registry at the time of writing): a known method
 * without a handler is answered 405 with Allow, an unknown one 501 (RFC 3261 §8.2.1, §21.5.2).
 */
export const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'OPTIONS',
  'REGISTER',
  'PRACK', // RFC 3262
  'SUBSCRIBE', // RFC 6665
  'NOTIFY', // RFC 6665
  'PUBLISH', // RFC 3903
  'INFO', // RFC 6086
  'REFER', // RFC 3515
  'MESSAGE', // RFC 3428
  'UPDATE', // RFC 3311
]);

/** The method as a bounded metric label: known methods as themselves, anything else `other`. */
export function methodLabel(method: string): string {
  return KNOWN_METHODS.has(method) ? method : 'other';
}

const CANONICAL = new Map<string, string>([...KNOWN_METHODS].map((m) => [m, m]));

/**
 * The method string to keep in a long-lived object: a known method as the one shared constant (a parsed
 * message carries its own copy of the method name, 32 bytes held per transaction for Timer J otherwise).
 */
export function sharedMethod(method: string): string {
  return CANONICAL.get(method) ?? method;
}
