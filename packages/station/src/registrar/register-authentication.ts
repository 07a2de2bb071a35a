import type { Logger } from '@beckon/ops';
import type { DigestServer, DigestVerifyOptions, DigestVerifyResult, VerifiedResponse } from '@beckon/sip';
import { splitDigestUsername } from '../instrument/index.js';
import type { RegisterReply, RegisterRejectReason } from './register-reply.js';
import type { RegistrarMetrics } from './registrar-metrics.js';

/** AORs whose failed authentications are counted one by one (the oldest is forgotten beyond). */
const MAX_TRACKED_AUTH_FAILURE_AORS = 100_000;

/** Authenticated (with the digest username), or the reply to send instead. */
export type AuthVerdict = { ok: true; username: string } | { ok: false; reply: RegisterReply };

export interface RegisterAuthenticationComponents {
  readonly log: Logger;
  readonly metrics: RegistrarMetrics;
  readonly digest: DigestServer;
}

export interface RegisterAuthenticationInit {
  /** Seed 002 method 1: the digest username may carry an instrument token after the separator. */
  readonly identifyByDigestUsername: boolean;
  readonly instrumentSeparator: string;
}

/**
 * §10.3 step 3 of the registrar: "the registrar SHOULD challenge the UA with a 401" when a REGISTER has
 * no valid credentials, and the verdict on the credentials a REGISTER carries (with the replies for each
 * failure and the failure counts per AOR that the API shows).
 */
export class RegisterAuthentication {
  private readonly log: Logger;
  private readonly metrics: RegistrarMetrics;
  private readonly digest: DigestServer;
  private readonly verifyOptions: DigestVerifyOptions;
  private readonly authFailureCounts = new Map<string, number>();

  constructor(components: RegisterAuthenticationComponents, init: RegisterAuthenticationInit) {
    this.log = components.log;
    this.metrics = components.metrics;
    this.digest = components.digest;
    const sep = init.instrumentSeparator;
    this.verifyOptions = init.identifyByDigestUsername
      ? { usernameTransform: (u: string): string => splitDigestUsername(u, sep).user }
      : {};
  }

  /** The valid response `authorization` carries for a REGISTER (see DigestServer.verifyResponse). */
  verifyResponse(authorization: string): VerifiedResponse | undefined {
    return this.digest.verifyResponse('REGISTER', authorization, this.verifyOptions);
  }

  /** Failed authentications counted for `aor`. */
  failures(aor: string): number {
    return this.authFailureCounts.get(aor) ?? 0;
  }

  /**
   * The verdict on a REGISTER's credentials; `verified` when a challenge thread already checked the
   * response of exactly this Authorization value (its result: the nonce's age and count are checked here).
   */
  authenticate(
    authorization: string,
    aor: string,
    verified?: VerifiedResponse,
  ): AuthVerdict | Promise<AuthVerdict> {
    if (verified !== undefined) return this.verdict(this.digest.acceptVerified(verified), aor);
    // Seed 002 §3: the digest is checked over the FULL username `user/TOKEN`, with the credentials of
    // `user`; DigestServer computes HA1 over the username as sent when the store has a cleartext
    // password, so a store holding only HA1 values cannot verify a tokened username (see
    // splitDigestUsername).
    const r = this.digest.verifyNow('REGISTER', authorization, this.verifyOptions);
    return r instanceof Promise ? r.then((x) => this.verdict(x, aor)) : this.verdict(r, aor);
  }

  private verdict(r: DigestVerifyResult, aor: string): AuthVerdict {
    if (r.ok) return { ok: true, username: r.username };
    switch (r.reason) {
      // §22.4 / §10.3 step 3: "If no such credentials exist, the registrar SHOULD challenge the UA with a
      // 401 (Unauthorized) response."
      case 'missing':
      case 'bad-nonce':
      case 'wrong-realm':
        return { ok: false, reply: this.challenge('unauthenticated', false) };
      case 'stale':
        return { ok: false, reply: this.challenge('unauthenticated', true) };
      case 'malformed':
      case 'not-digest':
        return { ok: false, reply: this.reject('bad-request', 400, 'Bad Authorization Header') };
      default:
        this.metrics.authFailures.inc();
        this.countAuthFailure(aor);
        this.log.info({ aor, reason: r.reason, username: r.username }, 'REGISTER authentication failed');
        return { ok: false, reply: this.challenge('auth-failed', false) };
    }
  }

  challenge(reason: RegisterRejectReason, stale: boolean): RegisterReply {
    this.metrics.reject(reason);
    const rows: [string, string][] = [];
    for (const v of this.digest.challenge({ stale })) rows.push(['WWW-Authenticate', v]);
    return { status: 401, headers: rows };
  }

  private countAuthFailure(aor: string): void {
    const m = this.authFailureCounts;
    if (!m.has(aor) && m.size >= MAX_TRACKED_AUTH_FAILURE_AORS) {
      const first = m.keys().next();
      if (!first.done) m.delete(first.value);
    }
    m.set(aor, (m.get(aor) ?? 0) + 1);
  }

  private reject(reason: RegisterRejectReason, status: number, phrase: string): RegisterReply {
    this.metrics.reject(reason);
    return { status, reason: phrase, headers: [] };
  }
}
