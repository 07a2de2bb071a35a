import { randomBytes } from 'node:crypto';
import type { CounterChild, Counter, Logger, MetricsRegistry } from '@beckon/ops';
import type { Credential, CredentialStore } from './credential-store.js';
import {
  computeDigestResponse,
  computeHa1,
  digestAlgorithm,
  hashHex,
  type DigestAlgorithm,
} from './digest-algorithm.js';
import { formatDigestChallenge, parseDigestCredentials, type DigestCredentials } from './digest-header.js';
import { NonceManager } from './nonce-manager.js';

export type DigestServerAlgorithm = 'MD5' | 'SHA-256' | 'SHA-512-256';

export interface DigestServerComponents {
  log: Logger;
  metrics: MetricsRegistry;
  credentials: CredentialStore;
}

export interface DigestServerInit {
  realm: string;
  /** Offered in this order of preference (SHA-256 first, RFC 8760). Default ['SHA-256', 'MD5']. */
  algorithms?: DigestServerAlgorithm[];
  /** Default 300. */
  nonceLifetimeSec?: number;
  qop?: 'auth';
  /** HMAC key for nonces; random per instance when absent (nonces then die with the process). */
  secret?: Buffer;
  /** Nonces whose nonce-count state is remembered (default 100000). */
  maxTrackedNonces?: number;
}

export type DigestFailureReason =
  | 'missing'
  | 'malformed'
  | 'not-digest'
  | 'wrong-realm'
  | 'bad-algorithm'
  | 'bad-qop'
  | 'bad-uri'
  | 'bad-nonce'
  | 'unknown-user'
  | 'no-ha1-for-algorithm'
  | 'bad-response'
  | 'stale'
  | 'replay';

const NO_OPTIONS: DigestVerifyOptions = Object.freeze({});

export type DigestVerifyResult =
  | { ok: true; username: string; realm: string; algorithm: DigestServerAlgorithm }
  | { ok: false; reason: DigestFailureReason; stale?: boolean; username?: string };

export interface DigestVerifyOptions {
  /** Maps the username as sent to the key of the credential store (for example strips `@domain`). */
  usernameTransform?: (username: string) => string;
  /** When given, the `uri` parameter must equal it (RFC 3261 §22.4 lets the server check it). */
  requestUri?: string;
  /** For tests and for callers that already read the clock. */
  now?: number;
}

/**
 * A digest response found valid by {@link DigestServer.verifyResponse} (plain data: it crosses a thread
 * boundary): what the verifier that keeps the nonce-count state still needs, the nonce's age and count being
 * all that is left to check ({@link DigestServer.acceptVerified}).
 */
export interface VerifiedResponse {
  readonly username: string;
  readonly nonce: string;
  /** The nonce-count as sent (8 hex digits). */
  readonly nc: string;
  readonly algorithm: DigestServerAlgorithm;
}

/** Credentials that passed the checks before the credential lookup. */
interface Prechecked {
  readonly c: DigestCredentials;
  readonly alg: DigestAlgorithm;
  readonly nc: string;
  readonly n: { issuedAt: number; expired: boolean };
}

/**
 * Server side of SIP digest authentication (RFC 3261 §22.4, RFC 7616, RFC 8760), for registrars and
 * for anything else that challenges. Nonces are stateless (HMAC-signed); nonce-count state is kept in a
 * bounded table for replay detection.
 */
export class DigestServer {
  readonly realm: string;
  private readonly algorithms: DigestServerAlgorithm[];
  private readonly nonces: NonceManager;
  private readonly lifetimeMs: number;
  private readonly log: Logger;
  private readonly credentials: CredentialStore;
  private readonly challenges: Counter;
  private readonly results: Counter;
  private readonly resultChildren = new Map<string, CounterChild>();
  private lastPrune = Date.now();
  /**
   * Per algorithm, the challenge text before and after the nonce (only the nonce varies), for stale
   * false [0] and true [1]: formatted once instead of per 401.
   */
  private readonly challengeParts: [string, string][][];
  private lastHa2: { hash: string; method: string; uri: string; value: string } = {
    hash: '',
    method: '',
    uri: '',
    value: '',
  };

  constructor(components: DigestServerComponents, init: DigestServerInit) {
    this.realm = init.realm;
    const algs = init.algorithms ?? ['SHA-256', 'MD5'];
    // RFC 8760 §2.3 (paraphrased): the UAS adds one challenge per supported algorithm, most preferred
    // first. We always put the stronger ones first whatever order the configuration uses.
    this.algorithms = [...new Set(algs)].sort(
      (a, b) => (digestAlgorithm(b)?.strength ?? 0) - (digestAlgorithm(a)?.strength ?? 0),
    );
    this.lifetimeMs = (init.nonceLifetimeSec ?? 300) * 1000;
    const evicted = components.metrics
      .counter(
        'sip_auth_nonces_evicted',
        'Nonces whose nonce-count state was dropped for room before they expired (maxTrackedNonces too small: their clients get a stale challenge)',
      )
      .child();
    this.nonces = new NonceManager({
      realm: init.realm,
      secret: init.secret ?? randomBytes(32),
      lifetimeMs: this.lifetimeMs,
      maxTracked: init.maxTrackedNonces,
      onEvicted: () => evicted.inc(),
    });
    components.metrics.gauge(
      'sip_auth_nonces_tracked',
      'Nonces in use whose nonce-count is tracked for replay detection',
      () => this.nonces.trackedCount,
    );
    this.log = components.log.child({ component: 'sip.auth', realm: init.realm });
    this.credentials = components.credentials;
    this.challenges = components.metrics.counter('sip_auth_challenges', 'Digest challenges issued');
    this.results = components.metrics.counter('sip_auth_results', 'Digest verification outcomes', ['result']);
    const MARK = '\u0000';
    this.challengeParts = [false, true].map((stale) =>
      this.algorithms.map((algorithm): [string, string] => {
        const s = formatDigestChallenge({ realm: this.realm, nonce: MARK, algorithm, qop: ['auth'], stale });
        const at = s.indexOf('"' + MARK + '"') + 1;
        return [s.slice(0, at), s.slice(at + 1)];
      }),
    );
  }

  /**
   * Header values for WWW-Authenticate (401) or Proxy-Authenticate (407): one per algorithm, strongest
   * first, sharing one fresh nonce.
   */
  challenge(opts: { stale?: boolean; now?: number } = {}): string[] {
    const nonce = this.nonces.issue(opts.now ?? Date.now());
    this.challenges.inc();
    // Same text as formatDigestChallenge({ realm, nonce, algorithm, qop: ['auth'], stale }): the nonce is
    // base64url, so it needs no quoting.
    const parts = this.challengeParts[opts.stale === true ? 1 : 0] as [string, string][];
    const out: string[] = new Array<string>(parts.length);
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i] as [string, string];
      out[i] = p[0] + nonce + p[1];
    }
    return out;
  }

  /**
   * Checks an Authorization / Proxy-Authorization value for a request with this method. When the result
   * has `stale: true`, answer with `challenge({ stale: true })` so the client retries silently.
   */
  async verify(
    method: string,
    authorization: string | undefined,
    opts: DigestVerifyOptions = {},
  ): Promise<DigestVerifyResult> {
    return this.verifyNow(method, authorization, opts);
  }

  /**
   * Same as {@link verify}, but answers synchronously when the credential store does (no promise and no
   * event-loop turn per verification); a promise only when the store's lookup returned one.
   */
  verifyNow(
    method: string,
    authorization: string | undefined,
    opts: DigestVerifyOptions = NO_OPTIONS,
  ): DigestVerifyResult | Promise<DigestVerifyResult> {
    const now = opts.now ?? Date.now();
    const p = this.precheck(authorization, opts, now);
    if ('ok' in p) return this.done(p);
    const cred = this.lookup(p.c.username, opts);
    if (isPromiseLike(cred))
      return Promise.resolve(cred).then((x) => this.done(this.afterLookup(method, p, x, now)));
    return this.done(this.afterLookup(method, p, cred, now));
  }

  private done(r: DigestVerifyResult): DigestVerifyResult {
    this.count(r.ok ? 'ok' : r.reason);
    if (!r.ok) this.log.debug({ reason: r.reason, username: r.username }, 'digest verification failed');
    return r;
  }

  /** The checks before the credential lookup: form, realm, algorithm, qop, uri, the nonce's origin. */
  private precheck(
    authorization: string | undefined,
    opts: DigestVerifyOptions,
    now: number,
  ): Prechecked | (DigestVerifyResult & { ok: false }) {
    if (authorization === undefined || authorization === '') return { ok: false, reason: 'missing' };
    const parsed = parseDigestCredentials(authorization);
    if (!parsed.ok) return { ok: false, reason: parsed.error === 'not-digest' ? 'not-digest' : 'malformed' };
    const c = parsed.value;
    const username = c.username;
    // RFC 3261 §22.4: the realm must be one this server challenged with.
    if (c.realm !== this.realm) return { ok: false, reason: 'wrong-realm', username };
    const alg = digestAlgorithm(c.algorithm);
    if (!alg || alg.sess || !this.algorithms.includes(alg.name as DigestServerAlgorithm)) {
      return { ok: false, reason: 'bad-algorithm', username };
    }
    // RFC 8760 §2: "It adds required support for the "qop" parameter." We always offer qop=auth.
    if (c.qop !== 'auth' || c.nc === undefined || c.cnonce === undefined) {
      return { ok: false, reason: 'bad-qop', username };
    }
    if (opts.requestUri !== undefined && c.uri !== opts.requestUri)
      return { ok: false, reason: 'bad-uri', username };
    const n = this.nonces.check(c.nonce, now);
    if (!n.ok) return { ok: false, reason: 'bad-nonce', username };
    return { c, alg, nc: c.nc, n };
  }

  private lookup(username: string, opts: DigestVerifyOptions): ReturnType<CredentialStore['lookup']> {
    return this.credentials.lookup(
      this.realm,
      opts.usernameTransform ? opts.usernameTransform(username) : username,
    );
  }

  /** The verdict once the credentials are known: the response, then the nonce's age and count. */
  private afterLookup(
    method: string,
    p: Prechecked,
    cred: Credential | undefined,
    now: number,
  ): DigestVerifyResult {
    const bad = this.badResponse(method, p, cred);
    if (bad !== undefined) return bad;
    return this.accept(p.c.username, p.c.nonce, p.nc, p.alg.name as DigestServerAlgorithm, p.n, now);
  }

  /** Why the response is not the expected one, or undefined when it is. */
  private badResponse(
    method: string,
    p: Prechecked,
    cred: Credential | undefined,
  ): (DigestVerifyResult & { ok: false }) | undefined {
    const { c, alg } = p;
    const username = c.username;
    if (!cred) return { ok: false, reason: 'unknown-user', username };
    const ha1 =
      cred.kind === 'password'
        ? computeHa1(alg.hash, username, this.realm, cred.password)
        : storedHa1(cred, alg);
    if (ha1 === undefined) return { ok: false, reason: 'no-ha1-for-algorithm', username };
    const expected = computeDigestResponse({
      algorithm: alg,
      ha1,
      nonce: c.nonce,
      method,
      uri: c.uri,
      qop: 'auth',
      nc: p.nc,
      cnonce: c.cnonce,
      ha2: this.ha2(alg, method, c.uri),
    });
    if (!sameHex(expected, c.response)) return { ok: false, reason: 'bad-response', username };
    return undefined;
  }

  /** The checks after a valid response: the nonce's age and its nonce-count. */
  private accept(
    username: string,
    nonce: string,
    ncHex: string,
    algorithm: DigestServerAlgorithm,
    n: { issuedAt: number; expired: boolean },
    now: number,
  ): DigestVerifyResult {
    // RFC 7616 §3.3 (stale): "A flag indicating that the previous request from the client was rejected
    // because the nonce value was stale. If stale is true ..., the client may wish to simply retry the
    // request with a new encrypted response, without re-prompting the user for a new username and password."
    if (n.expired) return { ok: false, reason: 'stale', stale: true, username };
    const nc = this.nonces.useNc(nonce, n.issuedAt, ncHex);
    if (nc === 'replay') return { ok: false, reason: 'replay', username };
    if (nc === 'bad-nc') return { ok: false, reason: 'malformed', username };
    if (nc === 'forgotten') return { ok: false, reason: 'stale', stale: true, username };
    if (now - this.lastPrune > this.lifetimeMs) {
      this.lastPrune = now;
      this.nonces.prune(now);
    }
    return { ok: true, username, realm: this.realm, algorithm };
  }

  /**
   * The valid response `authorization` carries for `method`, checked as {@link verifyNow} checks it up to
   * the response (undefined for anything it would refuse there); the nonce's age and count are left to the
   * verifier that keeps the nonce-count state and counts the outcome ({@link acceptVerified}): a thread
   * sharing this server's key, realm, algorithms and credential store checks here and hands the result to
   * the verifier. Nothing is counted. Undefined also when the store answers asynchronously.
   */
  verifyResponse(
    method: string,
    authorization: string,
    opts: DigestVerifyOptions = NO_OPTIONS,
  ): VerifiedResponse | undefined {
    const p = this.precheck(authorization, opts, opts.now ?? Date.now());
    if ('ok' in p) return undefined;
    const cred = this.lookup(p.c.username, opts);
    if (isPromiseLike(cred) || this.badResponse(method, p, cred) !== undefined) return undefined;
    return {
      username: p.c.username,
      nonce: p.c.nonce,
      nc: p.nc,
      algorithm: p.alg.name as DigestServerAlgorithm,
    };
  }

  /** Whether `authorization` carries a valid response for `method` (see {@link verifyResponse}). */
  responseValid(method: string, authorization: string, opts: DigestVerifyOptions = NO_OPTIONS): boolean {
    return this.verifyResponse(method, authorization, opts) !== undefined;
  }

  /**
   * The verdict on a response that {@link verifyResponse} found valid on a server with the same key (another
   * thread): the nonce's origin and the response are not checked again; its age (stale) and its nonce-count
   * (replay) are, here, where the nonce-count state lives. Counted as {@link verifyNow} counts.
   */
  acceptVerified(v: VerifiedResponse, now = Date.now()): DigestVerifyResult {
    const n = this.nonces.checkKnownOrigin(v.nonce, now);
    if (!n.ok) return this.done({ ok: false, reason: 'bad-nonce', username: v.username });
    return this.done(this.accept(v.username, v.nonce, v.nc, v.algorithm, n, now));
  }

  /** Parsed credentials, for callers that need other fields (opaque, uri ...). */
  static parse(authorization: string): DigestCredentials | undefined {
    const r = parseDigestCredentials(authorization);
    return r.ok ? r.value : undefined;
  }

  /** H(method ":" uri) (qop=auth), remembered for the last method, uri and hash: REGISTERs repeat them. */
  private ha2(alg: DigestAlgorithm, method: string, uri: string): string {
    const l = this.lastHa2;
    if (l.hash === alg.hash && l.method === method && l.uri === uri) return l.value;
    const value = hashHex(alg.hash, method + ':' + uri);
    this.lastHa2 = { hash: alg.hash, method, uri, value };
    return value;
  }

  private count(result: string): void {
    let c = this.resultChildren.get(result);
    if (!c) {
      c = this.results.child(result);
      this.resultChildren.set(result, c);
    }
    c.inc();
  }
}

function isPromiseLike<T>(v: T | PromiseLike<T>): v is PromiseLike<T> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

function storedHa1(cred: Credential & { kind: 'ha1' }, alg: DigestAlgorithm): string | undefined {
  switch (alg.hash) {
    case 'md5':
      return cred.ha1.md5?.toLowerCase();
    case 'sha256':
      return cred.ha1.sha256?.toLowerCase();
    case 'sha512-256':
      return cred.ha1.sha512_256?.toLowerCase();
  }
}

/**
 * `expected` (lower-case hex) equals `got` with hex letters in any case; the time taken depends only on
 * the length (no early exit), and nothing is allocated.
 */
function sameHex(expected: string, got: string): boolean {
  const n = expected.length;
  if (n !== got.length) return false;
  let diff = 0;
  for (let i = 0; i < n; i++) {
    let c = got.charCodeAt(i);
    // 'A'-'F' -> 'a'-'f' (only the six hex letters are folded; anything else compares as sent).
    if (c >= 0x41 && c <= 0x46) c |= 0x20;
    diff |= expected.charCodeAt(i) ^ c;
  }
  return diff === 0;
}
