import { randomBytes } from 'node:crypto';

/**
 * Transaction matching keys (RFC 3261 §17.1.3, §17.2.3). Keys are plain strings so that the tables are
 * single `Map` lookups; building one costs a few concatenations, no regular expressions.
 */

/** §8.1.1.7: "The branch ID inserted by an element compliant with this specification MUST always begin
 * with the characters "z9hG4bK"." */
export const MAGIC_COOKIE = 'z9hG4bK';

/**
 * A flat copy of a key built by concatenation. A concatenated string is a tree of its parts, and parts
 * cut from a parsed message (branch, Call-ID, tags) are slices that keep the whole message text alive:
 * a key held for Timer J (32 s) would retain ~0.5 KB of header text. `trim()` on a string without outer
 * white space returns V8's flattened sequential copy, which references nothing.
 */
export function flatKey(key: string): string {
  return key.trim();
}

export function isRfc3261Branch(branch: string | undefined | null): branch is string {
  return typeof branch === 'string' && branch.length > MAGIC_COOKIE.length && branch.startsWith(MAGIC_COOKIE);
}

/**
 * §17.1.3: a response matches a client transaction when "the response has the same value of the branch
 * parameter in the top Via header field as the branch parameter in the top Via header field of the
 * request that created the transaction" and "the method parameter in the CSeq header field matches the
 * method of the request that created the transaction" (needed because a CANCEL shares the branch of the
 * INVITE it cancels).
 */
export function clientTransactionKey(branch: string, cseqMethod: string): string {
  return flatKey(branch + '|' + cseqMethod);
}

/**
 * §17.2.3: with a magic-cookie branch, a request matches a server transaction when "the branch parameter
 * in the request is equal to the one in the top Via header field of the request that created the
 * transaction", "the sent-by value in the top Via of the request is equal to the one in the request that
 * created the transaction", and "the method of the request matches the one that created the
 * transaction, except for ACK, where the method of the request that created the transaction is INVITE."
 *
 * Branch comparison is case-sensitive (it is a token compared as-is); sent-by host is compared
 * case-insensitively, and a missing port is the transport's default.
 */
export function serverTransactionKey(branch: string, sentBy: string, method: string): string {
  return flatKey(branch + '|' + sentBy + '|' + (method === 'ACK' ? 'INVITE' : method));
}

/** The canonical `host:port` form of a Via sent-by used in server keys. */
export function canonicalSentBy(host: string, port: number | undefined, transport: string): string {
  const p = port ?? defaultPort(transport);
  return host.toLowerCase() + ':' + p;
}

function defaultPort(transport: string): number {
  const t = transport.toUpperCase();
  return t === 'TLS' || t === 'WSS' ? 5061 : t === 'WS' ? 80 : 5060;
}

/**
 * §17.2.3 for requests without the magic cookie (RFC 2543 peers): "the INVITE request matches a
 * transaction if the Request-URI, To tag, From tag, Call-ID, CSeq, and top Via header field match those
 * of the INVITE request which created the transaction. [...] The ACK request matches a transaction if
 * the Request-URI, From tag, Call-ID, CSeq number (not the CSeq method), and top Via header field match
 * those of the INVITE request which created the transaction, and the To tag of the ACK matches the To tag
 * of the response sent by the server transaction."
 *
 * The key leaves the To tag out (a new INVITE has none, its ACK carries ours); the layer checks the ACK's
 * To tag against the tag of the response separately. CANCEL and ACK look up with method INVITE.
 */
export function rfc2543TransactionKey(parts: {
  requestUri: string;
  fromTag: string;
  callId: string;
  cseq: number;
  topVia: string;
  method: string;
}): string {
  const m = parts.method === 'ACK' ? 'INVITE' : parts.method;
  return flatKey(
    '2543|' +
      parts.requestUri +
      '|' +
      parts.fromTag +
      '|' +
      parts.callId +
      '|' +
      parts.cseq +
      '|' +
      parts.topVia +
      '|' +
      m,
  );
}

/**
 * A fresh RFC 3261 branch (§8.1.1.7: "unique across space and time for all requests sent by the UA"):
 * the magic cookie and 80 random bits.
 */
export function newBranch(): string {
  return MAGIC_COOKIE + randomBytes(10).toString('base64url');
}
