import type { DigestServer, SipRequest, SubscribeOutcome } from '@beckon/sip';

export type SubscribeAuthentication =
  | { readonly ok: true; readonly username: string }
  | {
      readonly ok: false;
      readonly outcome: SubscribeOutcome & { ok: false };
      /** Set when the failure is worth counting (not a plain first challenge). */
      readonly reason?: 'bad-authorization' | 'auth-failed';
      readonly username?: string;
    };

/**
 * Digest authentication of a SUBSCRIBE against the station's {@link DigestServer}, answered the way the
 * management-req package answers: no credentials, an unknown nonce or another realm get a challenge (401),
 * a stale nonce a challenge with `stale=true`, a malformed header 400, and credentials that do not check
 * out 403. The digest username may carry an instrument token (`user/TOKEN`, seed 002 §3): the credential
 * is looked up by the part before the last separator, the response checked over the whole name. The
 * username returned is the one sent (token included).
 */
export async function authenticateSubscribe(
  req: SipRequest,
  digest: DigestServer,
  separator: string,
): Promise<SubscribeAuthentication> {
  const challenge = (stale: boolean): SubscribeOutcome & { ok: false } => ({
    ok: false,
    status: 401,
    headers: digest.challenge({ stale }).map((v) => ['WWW-Authenticate', v] as [string, string]),
  });
  const authorization = req.get('authorization');
  if (authorization === undefined) return { ok: false, outcome: challenge(false) };
  const r = await digest.verify('SUBSCRIBE', authorization, {
    usernameTransform: (u) => {
      const at = separator.length > 0 ? u.lastIndexOf(separator) : -1;
      return at > 0 && at + separator.length < u.length ? u.slice(0, at) : u;
    },
  });
  if (r.ok) return { ok: true, username: r.username };
  switch (r.reason) {
    case 'missing':
    case 'bad-nonce':
    case 'wrong-realm':
      return { ok: false, outcome: challenge(false) };
    case 'stale':
      return { ok: false, outcome: challenge(true) };
    case 'malformed':
    case 'not-digest':
      return {
        ok: false,
        reason: 'bad-authorization',
        outcome: { ok: false, status: 400, reason: 'Bad Authorization Header' },
      };
    default:
      // RFC 3261 §22.2 (paraphrase): credentials that do not check out are refused; a UA that answered
      // one challenge gives up, which ends guessing.
      return {
        ok: false,
        reason: 'auth-failed',
        ...(r.username !== undefined ? { username: r.username } : {}),
        outcome: { ok: false, status: 403, reason: 'Authentication Failed' },
      };
  }
}
