import type { Logger, MetricsRegistry } from '@beckon/ops';
import {
  formatUri,
  isSipUri,
  type Contact,
  type DigestServer,
  type SipRequest,
  type Flow,
  type VerifiedResponse,
} from '@beckon/sip';
import { bindingGruus, type TempGruuCodec } from '../gruu/index.js';
import { splitDigestUsername } from '../instrument/index.js';
import {
  contactKey,
  type Binding,
  type BindingRecord,
  type LocationService,
  type RegisterChanges,
  type RegisterOutcome,
} from '../location/index.js';
import { aorOf } from './aor.js';
import { formatBindingContact } from './format-binding-contact.js';
import { HttpDate } from './http-date.js';
import type { RegisterReply, RegisterRejectReason } from './register-reply.js';
import { RegistrarMetrics } from './registrar-metrics.js';
import { RegisterAuthentication } from './register-authentication.js';
import { hasOptionTag, optionTags, unsupportedRequires } from './option-tags.js';
import { ContactPlanner } from './contact-planner.js';
import type { QuickRegister } from './quick-register.js';
import type { RegisterHeaders } from './register-headers.js';

/** A REGISTER that passed the checks before authentication (§10.3 steps 1-3), with what they found. */
interface PendingRegister {
  readonly req: RegisterHeaders;
  readonly flow: Flow;
  readonly aor: string;
  readonly toUser: string | undefined;
  readonly contacts: readonly Contact[];
  readonly headerExpires: number | undefined;
  readonly now: number;
  readonly callId: string;
  readonly cseq: number;
  /** Call-ID and CSeq: the in-flight key of `processNow`. */
  readonly key: string;
}

export interface RegistrarComponents {
  readonly log: Logger;
  readonly metrics: MetricsRegistry;
  readonly location: LocationService;
  /** Digest verifier of the registrar's realm; absent: REGISTER is accepted without authentication. */
  readonly digest?: DigestServer;
  /** Seals temporary GRUUs (RFC 5627); absent: GRUUs are off (no pub-gruu/temp-gruu, Require: gruu is 420). */
  readonly gruu?: TempGruuCodec;
}

export interface RegistrarInit {
  /** Domains (hosts) this registrar holds bindings for, any case. */
  readonly domains: readonly string[];
  /** Accept REGISTER for any domain (test rigs only; default false: 404 for foreign domains). */
  readonly acceptAnyDomain?: boolean;
  /** Shortest registration accepted, s (default 60): RFC 3261 §10.3 step 7, 423 below it. */
  readonly minExpires?: number;
  /** Longest registration granted, s (default 86400): longer requests are shortened. */
  readonly maxExpires?: number;
  /** Expiry when neither an expires parameter nor an Expires header is given, s (default 3600). */
  readonly defaultExpires?: number;
  /** Seed 002 method 1: instrument token in the digest username (default true). */
  readonly identifyByDigestUsername?: boolean;
  /** Seed 002 method 2: instrument from +sip.instance (default true). */
  readonly identifyBySipInstance?: boolean;
  /** Separator between user and instrument token in the digest username (default '/'). */
  readonly instrumentSeparator?: string;
  /** Clock (default Date.now). */
  readonly now?: () => number;
}

/** Option tags the registrar supports (RFC 3327 path, RFC 5626 outbound). */
export const REGISTRAR_SUPPORTED = ['path', 'outbound'] as const;

/**
 * The registrar of RFC 3261 §10.3 with RFC 3327 (Path), RFC 5626 (outbound: instance + reg-id bindings
 * and flows) and the instrument identification of seed 002. Protocol logic only: `process` turns one
 * REGISTER (and the flow it came over) into a {@link RegisterReply}; the caller sends the response.
 *
 * Bindings live in the {@link LocationService}; a 200 is produced only after `applyRegister` resolved,
 * i.e. after the change is durable in the store.
 *
 * Retransmissions: the registrar may be run statelessly (RFC 3261 §8.2.7: a stateless UAS "replies to
 * requests normally, but discards any state [...]. If a stateless UAS receives a retransmission of a
 * request, it regenerates the response and resends it"). A REGISTER whose Call-ID and CSeq equal those
 * stored with every binding it names is such a retransmission and is answered with the current
 * bindings without a change (the §10.3 step 7 ordering check would otherwise refuse it); a copy
 * arriving while the original is still being processed is absorbed (`process` resolves undefined).
 */
export class Registrar {
  readonly metrics: RegistrarMetrics;
  private readonly log: Logger;
  private readonly location: LocationService;
  private readonly gruu: TempGruuCodec | undefined;
  private readonly domains: Set<string>;
  private readonly acceptAnyDomain: boolean;
  /** The expiry of a contact that gives none, s (also what the repeat check compares with). */
  private readonly defaultExpires: number;
  /** Seed 002 method 1 (the digest username's token) and its separator. */
  private readonly byDigest: boolean;
  private readonly separator: string;
  private readonly now: () => number;
  private readonly inFlight = new Set<string>();
  private readonly date = new HttpDate();
  /** §10.3 step 7 per Contact: granted expiry, instance and reg-id, instrument, the binding to store. */
  private readonly planner: ContactPlanner;
  /** Digest authentication (§10.3 step 3), when REGISTERs need credentials. */
  private readonly auth: RegisterAuthentication | undefined;

  constructor(components: RegistrarComponents, init: RegistrarInit) {
    this.log = components.log.child({ component: 'station.registrar' });
    this.metrics = new RegistrarMetrics(components.metrics);
    this.location = components.location;
    this.gruu = components.gruu;
    this.domains = new Set(init.domains.map((d) => d.toLowerCase()));
    this.acceptAnyDomain = init.acceptAnyDomain ?? false;
    const minExpires = init.minExpires ?? 60;
    const maxExpires = Math.max(minExpires, init.maxExpires ?? 86400);
    this.defaultExpires = Math.min(maxExpires, Math.max(minExpires, init.defaultExpires ?? 3600));
    this.byDigest = init.identifyByDigestUsername ?? true;
    this.separator = init.instrumentSeparator ?? '/';
    this.now = init.now ?? Date.now;
    this.planner = new ContactPlanner({
      minExpires,
      maxExpires,
      defaultExpires: this.defaultExpires,
      byDigest: this.byDigest,
      byInstance: init.identifyBySipInstance ?? true,
      separator: this.separator,
    });
    this.auth = components.digest
      ? new RegisterAuthentication(
          { log: this.log, metrics: this.metrics, digest: components.digest },
          { identifyByDigestUsername: this.byDigest, instrumentSeparator: this.separator },
        )
      : undefined;
  }

  /** Whether REGISTERs need digest credentials (those without get a 401). */
  get requiresCredentials(): boolean {
    return this.auth !== undefined;
  }

  /**
   * The valid response a REGISTER's Authorization value carries (`DigestServer.verifyResponse` with this
   * registrar's options): a challenge thread checks it and hands the result to the main thread's registrar
   * (`processQuick`). Undefined without authentication.
   */
  verifyResponse(authorization: string): VerifiedResponse | undefined {
    return this.auth?.verifyResponse(authorization);
  }

  /** True when `host` is one of the registrar's domains. */
  isLocalDomain(host: string): boolean {
    return this.domains.has(host.toLowerCase());
  }

  /** Failed digest verifications of REGISTERs for `aor` (SIP-SERVER-MIB sipServerRegUserAuthenticationFailures). */
  authFailures(aor: string): number {
    return this.auth?.failures(aor) ?? 0;
  }

  /**
   * Processes one REGISTER. Resolves with the reply to send, or undefined when the request is a copy of
   * one still being processed (absorbed: the original's response answers both). Never rejects.
   */
  async process(req: SipRequest, flow: Flow): Promise<RegisterReply | undefined> {
    return this.processNow(req, flow);
  }

  /**
   * Same as {@link process}, but answers synchronously whenever no store write (or asynchronous credential
   * lookup) is involved - a 401 challenge, a rejection, a retransmission - and returns a promise only
   * otherwise. Never throws, and the promise never rejects.
   */
  processNow(req: SipRequest, flow: Flow): RegisterReply | undefined | Promise<RegisterReply | undefined> {
    const callId = req.tryCallId();
    const cseq = req.tryCSeq();
    if (!callId.ok || !cseq.ok) return this.reject('bad-request', 400);
    const key = callId.value + '\u0000' + cseq.value.seq;
    if (this.isCopyInFlight(key)) return undefined;
    let r: RegisterReply | Promise<RegisterReply>;
    try {
      r = this.processOnce(req, flow, callId.value, cseq.value.seq, key);
    } catch (err) {
      return this.failed(err);
    }
    return this.holdWhileAsync(r, key);
  }

  /** True (and counted) when a REGISTER with this Call-ID and CSeq is still being processed. */
  private isCopyInFlight(key: string): boolean {
    if (!this.inFlight.has(key)) return false;
    this.metrics.retransmissions.inc();
    return true;
  }

  /**
   * Asynchronous from here on: copies arriving meanwhile are absorbed (nothing ran in between, so
   * registering the key now is the same as registering it before processing). The continuation that
   * produces the reply removes the key (`applied`, `afterAsync`): no extra promise reaction.
   */
  private holdWhileAsync(
    r: RegisterReply | Promise<RegisterReply>,
    key: string,
  ): RegisterReply | Promise<RegisterReply> {
    if (r instanceof Promise) this.inFlight.add(key);
    return r;
  }

  /** Settles an asynchronous processing: the key is no longer in flight; errors become a 500. */
  private afterAsync(p: Promise<RegisterReply>, key: string): Promise<RegisterReply> {
    return p.then(
      (reply) => {
        this.inFlight.delete(key);
        return reply;
      },
      (err: unknown) => {
        this.inFlight.delete(key);
        return this.failed(err);
      },
    );
  }

  private failed(err: unknown): RegisterReply {
    this.log.error({ err }, 'REGISTER processing failed');
    return { status: 500, headers: [] };
  }

  private processOnce(
    req: SipRequest,
    flow: Flow,
    callId: string,
    cseq: number,
    key: string,
  ): RegisterReply | Promise<RegisterReply> {
    // §10.3 step 1: "The registrar inspects the Request-URI to determine whether it has access to
    // bindings for the domain identified in the Request-URI."
    const ruri = req.uri;
    if (!isSipUri(ruri)) return this.reject('bad-uri', 416);
    if (!this.acceptAnyDomain && !this.isLocalDomain(ruri.host))
      return this.reject('foreign-domain', 404, 'Domain Not Served');

    // §10.3 step 2: "the registrar MUST process the Require header field values as described for UASs in
    // Section 8.2.2" (§8.2.2.3: 420 with an Unsupported header listing what it does not understand).
    const unsupported = unsupportedRequires(req, this.gruu !== undefined);
    if (unsupported.length > 0)
      return this.reject('bad-extension', 420, undefined, [['Unsupported', unsupported.join(', ')]]);

    // §10.3 step 5: the AOR from To; "If the address-of-record is not valid for the domain in the
    // Request-URI, the registrar MUST send a 404 (Not Found) response".
    const to = req.tryTo();
    if (!to.ok) return this.reject('bad-request', 400, 'Bad To Header');
    const toUri = to.value.uri;
    if (!isSipUri(toUri)) return this.reject('not-found', 404);
    if (!this.acceptAnyDomain && !this.isLocalDomain(toUri.host)) return this.reject('not-found', 404);
    const aor = aorOf(toUri);
    if (aor === undefined) return this.reject('not-found', 404);

    // §10.3 step 3 before the Contact work of steps 6-7: without credentials the answer is a 401 whatever
    // the contacts say (and a copy of an applied REGISTER always carries credentials, so it cannot be
    // a repeat) - the first leg of every registration skips Contact parsing and the location lookup.
    const authorization = this.auth ? req.get('authorization') : undefined;
    if (this.auth && authorization === undefined) return this.auth.challenge('unauthenticated', false);

    const contactsResult = req.tryContacts();
    if (!contactsResult.ok) return this.reject('bad-request', 400, 'Bad Contact Header');
    return this.afterSyntax(
      req,
      flow,
      aor,
      toUri.user,
      contactsResult.value,
      req.expires(),
      authorization,
      callId,
      cseq,
      key,
    );
  }

  /**
   * The quick path's entry (`QuickRegisterScanner`): a REGISTER whose syntax and domain checks were made
   * on its text. Same as {@link processNow} for it, or 'full' when the full path must run instead (the
   * challenge of a request without credentials); 'full' is decided before anything is changed or counted.
   * `verified`: a challenge thread checked the response of its Authorization already, with this result (see
   * `RegisterAuthentication.authenticate`).
   */
  processQuick(
    q: QuickRegister,
    flow: Flow,
    verified?: VerifiedResponse,
  ): RegisterReply | undefined | Promise<RegisterReply | undefined> | 'full' {
    const authorization = this.auth ? q.headers.get('authorization') : undefined;
    if (this.auth && authorization === undefined) return 'full';
    const key = q.callId + '\u0000' + q.cseq;
    if (this.isCopyInFlight(key)) return undefined;
    let r: RegisterReply | Promise<RegisterReply>;
    try {
      r = this.afterSyntax(
        q.headers,
        flow,
        q.aor,
        q.toUser,
        q.contacts,
        q.headerExpires,
        authorization,
        q.callId,
        q.cseq,
        key,
        verified,
      );
    } catch (err) {
      return this.failed(err);
    }
    return this.holdWhileAsync(r, key);
  }

  /** §10.3 from the repeat check on, once the request's syntax, domain and Require were checked. */
  private afterSyntax(
    req: RegisterHeaders,
    flow: Flow,
    aor: string,
    toUser: string | undefined,
    contacts: readonly Contact[],
    headerExpires: number | undefined,
    authorization: string | undefined,
    callId: string,
    cseq: number,
    key: string,
    verified?: VerifiedResponse,
  ): RegisterReply | Promise<RegisterReply> {
    const now = this.now();

    // Retransmission of a REGISTER already applied (see the class comment): answer it unchanged.
    if (contacts.length > 0 && this.isRepeat(aor, contacts, callId, cseq, headerExpires)) {
      this.metrics.retransmissions.inc();
      return this.ok(this.location.lookup(aor), now, req, false);
    }

    // §10.3 steps 3-4: authentication, then "the registrar MUST determine if the authenticated user is
    // authorized to modify registrations for this address-of-record".
    const r: PendingRegister = {
      req,
      flow,
      aor,
      toUser,
      contacts,
      headerExpires,
      now,
      callId,
      cseq,
      key,
    };
    if (authorization === undefined) return this.authorized(r, undefined);
    const verdict = (this.auth as RegisterAuthentication).authenticate(authorization, aor, verified);
    if (verdict instanceof Promise)
      return this.afterAsync(
        verdict.then((v) => (v.ok ? this.authorized(r, v.username) : v.reply)),
        key,
      );
    return verdict.ok ? this.authorized(r, verdict.username) : verdict.reply;
  }

  /** §10.3 step 4 onwards, once the request is authenticated (or authentication is off). */
  private authorized(
    r: PendingRegister,
    digestUsername: string | undefined,
  ): RegisterReply | Promise<RegisterReply> {
    const { req, flow, aor, toUser, contacts, headerExpires, now, callId, cseq, key } = r;
    let authUser: string | undefined;
    if (digestUsername !== undefined) {
      authUser = this.byDigest ? splitDigestUsername(digestUsername, this.separator).user : digestUsername;
      if (authUser !== toUser) {
        this.log.info({ aor, authUser }, 'authentication user may not register this AOR');
        return this.reject('forbidden', 403, 'Authentication User Does Not Match AOR');
      }
    }

    // RFC 3327 §5.3 (paraphrased): a registrar receiving Path from a UA that did not put 'path' in
    // Supported must not store it silently; Beckon rejects with 421 Extension Required (Require: path).
    const path = req.getAll('path');
    if (path.length > 0 && !optionTags(req, 'supported').has('path'))
      return this.reject('extension-required', 421, undefined, [['Require', 'path']]);

    // Plain query: "If the request has no Contact header field, the registrar returns the current bindings".
    if (contacts.length === 0) return this.ok(this.location.lookup(aor), now, req, false);

    let changes: RegisterChanges;
    let outbound = false;
    // §10.3 step 6: "If [Contact] is "*", the field value SHOULD NOT be used [...] registrar checks that
    // the request contains Expires with 0 [...]. If the request has additional Contact fields or an
    // expiration time other than zero, the request is invalid, and the server MUST return a 400".
    if (hasStar(contacts)) {
      if (contacts.length !== 1 || headerExpires !== 0)
        return this.reject('bad-request', 400, 'Invalid Wildcard Contact');
      changes = { callId, cseq, removeAll: true };
    } else {
      const plan = this.planner.plan(req, flow, aor, contacts, {
        callId,
        cseq,
        now,
        headerExpires,
        path,
        digestUsername,
        authUser,
      });
      if (!plan.ok) return this.reject(plan.reason, plan.status, plan.phrase, plan.headers);
      outbound = plan.outbound;
      const add: Binding[] = [];
      const addKeys: string[] = [];
      const remove: string[] = [];
      for (const p of plan.contacts) {
        if (p.expires === 0) remove.push(p.key);
        else {
          add.push(p.binding);
          addKeys.push(p.key);
        }
      }
      changes = { callId, cseq, add, addKeys, remove };
    }

    return this.location.applyRegister(aor, changes).then(
      (outcome) => this.applied(outcome, req, flow, outbound, key),
      (err: unknown) => {
        this.inFlight.delete(key);
        return this.failed(err);
      },
    );
  }

  /** The reply once the location service applied (or refused) the change. */
  private applied(
    outcome: RegisterOutcome,
    req: RegisterHeaders,
    flow: Flow,
    outbound: boolean,
    key: string,
  ): RegisterReply {
    this.inFlight.delete(key);
    try {
      return this.reply(outcome, req, flow, outbound);
    } catch (err) {
      return this.failed(err);
    }
  }

  private reply(
    outcome: RegisterOutcome,
    req: RegisterHeaders,
    flow: Flow,
    outbound: boolean,
  ): RegisterReply {
    if (!outcome.ok) {
      switch (outcome.reason) {
        case 'out-of-order':
          // §10.3 step 7: "If not, the update MUST be aborted and the request fails."
          return this.reject('out-of-order', 500, 'Out Of Order CSeq', [['Retry-After', '1']]);
        case 'too-many-contacts':
          // Beckon answers 403: the limit is policy, not an overload (RFC 3261 §21.4.4 "The server
          // understood the request, but is refusing to fulfill it"); Kamailio and OpenSIPS do the same.
          return this.reject('too-many-contacts', 403, 'Too Many Registered Contacts');
        case 'storage-failed':
          return this.reject('storage-failed', 500, 'Storage Failure', [['Retry-After', '5']]);
      }
    }
    const at = this.now();
    if (flow.reliable) keepFlowOpen(flow, outcome.bindings, at);
    return this.ok(outcome.bindings, at, req, outbound);
  }

  /** True when every contact names a live binding stored with this very Call-ID and CSeq. */
  private isRepeat(
    aor: string,
    contacts: readonly Contact[],
    callId: string,
    cseq: number,
    headerExpires: number | undefined,
  ): boolean {
    // Fast reject (the common case): no live binding of the AOR carries this Call-ID and CSeq.
    let seen = false;
    for (const b of this.location.lookup(aor))
      if (b.callId === callId && b.cseq === cseq) {
        seen = true;
        break;
      }
    if (!seen) return false;
    for (const c of contacts) {
      if (c.star) return false;
      const expires = c.expires ?? headerExpires ?? this.defaultExpires;
      if (expires === 0) return false;
      const regId = c.instance !== undefined ? c.regId : undefined;
      const b = this.location.get(
        aor,
        contactKey({
          contact: formatUri(c.uri),
          ...(c.instance !== undefined ? { instance: c.instance } : {}),
          ...(regId !== undefined ? { regId } : {}),
        }),
      );
      if (!b || b.callId !== callId || b.cseq !== cseq) return false;
    }
    return true;
  }

  private reject(
    reason: RegisterRejectReason,
    status: number,
    phrase?: string,
    headers: [string, string][] = [],
  ): RegisterReply {
    this.metrics.reject(reason);
    return phrase === undefined ? { status, headers } : { status, reason: phrase, headers };
  }

  /**
   * §10.3 step 8: "The registrar returns a 200 (OK) response. The response MUST contain Contact header
   * field values enumerating all current bindings. Each Contact value MUST feature an "expires" parameter
   * indicating its expiration interval chosen by the registrar. The response SHOULD include a Date header
   * field." RFC 3327 §5.3: the stored Path is returned in the 200; RFC 5626 §6: "outbound" in Require when
   * the registrar did outbound processing.
   */
  private ok(
    bindings: readonly BindingRecord[],
    now: number,
    req: RegisterHeaders,
    outbound: boolean,
  ): RegisterReply {
    this.metrics.accepted.inc();
    const rows: [string, string][] = [];
    // RFC 5627 §5.1 (paraphrased): to a REGISTER that lists "gruu" in Supported, each Contact of the 200
    // that carries +sip.instance comes with its public GRUU (pub-gruu) and a new temporary one (temp-gruu).
    // The option tags are looked at only when a binding has an instance (not on the common path).
    let gruu: TempGruuCodec | false | undefined = this.gruu === undefined ? false : undefined;
    for (const b of bindings) {
      let contact = formatBindingContact(b, now);
      if (b.instance !== undefined && gruu !== false) {
        gruu ??=
          hasOptionTag(req, 'supported', 'gruu') || hasOptionTag(req, 'require', 'gruu') ? this.gruu : false;
        if (gruu) contact += gruuParams(gruu, b);
      }
      rows.push(['Contact', contact]);
    }
    rows.push(['Date', this.date.format(now)]);
    const path = req.getAll('path');
    if (path.length > 0) rows.push(['Path', path.join(', ')]);
    if (outbound) {
      rows.push(['Require', 'outbound']);
      rows.push(['Supported', 'path, outbound']);
    } else if (path.length > 0) rows.push(['Supported', 'path, outbound']);
    return { status: 200, headers: rows };
  }
}

/** `;pub-gruu="...";temp-gruu="..."` of a binding that has an instance (RFC 5627 §5.1). */
function gruuParams(codec: TempGruuCodec, b: BindingRecord): string {
  const g = bindingGruus(codec, b);
  return g ? ';pub-gruu="' + g.pub + '";temp-gruu="' + g.temp + '"' : '';
}

/**
 * A connection that carries registrations must stay open while they live: requests to the contacts go
 * over it (RFC 5626 §5.3; for UAs behind NAT it is the only way in). The idle timeout of the flow is set
 * to the longest remaining registration on it plus a minute.
 */
function keepFlowOpen(flow: Flow, bindings: readonly BindingRecord[], now: number): void {
  let longest = 0;
  for (const b of bindings)
    if (b.flow?.flowId === flow.id && b.expiresAt - now > longest) longest = b.expiresAt - now;
  if (longest > 0) flow.setIdleTimeout(longest + 60_000);
}

function hasStar(contacts: readonly Contact[]): boolean {
  for (const c of contacts) if (c.star) return true;
  return false;
}
