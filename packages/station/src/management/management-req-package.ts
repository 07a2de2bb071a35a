import type { Logger, MetricsRegistry, Counter } from '@beckon/ops';
import {
  isSipUri,
  mediaType,
  parseSipUri,
  type DigestServer,
  type EventPackage,
  type NotifierSubscription,
  type NotifyContent,
  type SipRequest,
  type SubscribeContext,
  type SubscribeOutcome,
} from '@beckon/sip';
import { identifyInstrument } from '../instrument/identify-instrument.js';
import { authenticateSubscribe } from '../authenticate-subscribe.js';
import { normalizeInstrumentId } from '../instrument/normalize-instrument.js';
import type { ManagementProtocolRegistry } from './management-protocol-registry.js';
import { decodeProtosList, MGMT_PROTOS_LIST_TYPE } from '@beckon/mgmt';

/** Event package name (seed 000 §4.1). */
export const MANAGEMENT_REQ_EVENT = 'management-req';

/** What the package stores with each subscription (JSON, survives restarts with the subscription). */
export interface MgmtSubscriptionState {
  /** Tokens of the SUBSCRIBE body in preference order, unknown ones included (preserved, not selected). */
  offered: string[];
  /** Tokens implied by Accept content types (seed 000 §4.6), in Accept order. */
  implied: string[];
  /** NOTIFY may carry application/mgmt-protos-list (Accept absent, or listing it). */
  listAccepted: boolean;
  /** Digest username as authenticated (null without authentication). */
  user: string | null;
  /** Canonical instrument id, when the SUBSCRIBE identified one (seed 002). */
  instrument: string | null;
  /** Lookup keys of the device (`uri:...`, `inst:...`). */
  keys: string[];
  /** Canonical device id: the instrument key when known, else the From URI key. */
  device: string;
}

export interface ManagementReqPackageComponents {
  log: Logger;
  metrics: MetricsRegistry;
  protocols: ManagementProtocolRegistry;
  /** SUBSCRIBE authentication (seed 000 §4.7 "SHOULD authenticate"); none when absent. */
  digest?: DigestServer;
}

export interface ManagementReqPackageInit {
  /** Seed 000 §4.4: "The default expiration time ... is one hour." */
  defaultExpires?: number;
  minExpires?: number;
  maxExpires?: number;
  /** Separator of the instrument token in digest usernames (seed 002 §3), default '/'. */
  instrumentSeparator?: string;
  /** Host written in Warning headers (warn-agent). */
  warnAgent?: string;
  /** Told when a subscription is created, refreshed or restored (index it, flush queued requests). */
  onReady?: (sub: NotifierSubscription) => void;
  onEnded?: (sub: NotifierSubscription, reason: string) => void;
}

/** Canonical lookup key of a SIP URI: scheme, user (decoded) and host (lowercased), no port/params. */
export function uriKey(uri: string): string | undefined {
  const p = parseSipUri(uri.startsWith('<') && uri.endsWith('>') ? uri.slice(1, -1) : uri);
  return p.ok ? uriKeyOf(p.value) : undefined;
}

/** {@link uriKey} of a parsed URI. */
export function uriKeyOf(u: { scheme: string; user?: string; host: string }): string {
  return `uri:${u.scheme}:${u.user !== undefined ? u.user + '@' : ''}${u.host.toLowerCase()}`;
}

/** `MAC:FF00000036C5` (the config-framework device URI user, seed 000 §4.13) -> instrument id. */
export function instrumentFromDeviceUser(user: string | undefined): string | undefined {
  if (user === undefined || user.length < 5 || user.slice(0, 4).toLowerCase() !== 'mac:') return undefined;
  return normalizeInstrumentId(user.slice(4));
}

/**
 * The `management-req` event package (seed 000 §4) as a plug-in for the RFC 6665 notifier. It decides
 * about SUBSCRIBEs (authentication, §4.7 acceptance) and sends empty state NOTIFYs (§4.7: "If a
 * management session is not desired at that time, the NOTIFY message MUST contain an empty body");
 * non-empty NOTIFYs come from the ManagementService.
 */
export class ManagementReqPackage implements EventPackage {
  readonly name = MANAGEMENT_REQ_EVENT;
  readonly defaultExpires: number;
  readonly minExpires: number;
  readonly maxExpires: number;
  readonly subscribeBodyTypes = [MGMT_PROTOS_LIST_TYPE];
  private readonly log: Logger;
  private readonly protocols: ManagementProtocolRegistry;
  private readonly digest: DigestServer | undefined;
  private readonly init: ManagementReqPackageInit;
  private readonly rejects: Counter;

  constructor(components: ManagementReqPackageComponents, init: ManagementReqPackageInit = {}) {
    this.log = components.log.child({ component: 'station.management.package' });
    this.protocols = components.protocols;
    this.digest = components.digest;
    this.init = init;
    this.defaultExpires = init.defaultExpires ?? 3600;
    this.minExpires = init.minExpires ?? 60;
    this.maxExpires = Math.max(this.defaultExpires, init.maxExpires ?? 86400);
    this.rejects = components.metrics.counter(
      'mgmt_subscribe_rejected',
      'management-req SUBSCRIBEs refused by the package',
      ['reason'],
    );
  }

  async accept(req: SipRequest, _ctx: SubscribeContext): Promise<SubscribeOutcome> {
    let user: string | null = null;
    if (this.digest) {
      const auth = await authenticateSubscribe(req, this.digest, this.init.instrumentSeparator ?? '/');
      if (!auth.ok) {
        if (auth.reason) this.rejects.child(auth.reason).inc();
        if (auth.reason === 'auth-failed')
          this.log.info({ username: auth.username }, 'management-req SUBSCRIBE authentication failed');
        return auth.outcome;
      }
      user = auth.username;
    }
    // Seed 000 §4.6: 'The "Accept" header MUST list the content-type(s) expected in the NOTIFY message
    // body. The "Accept" header MAY be omitted when the SUBSCRIBE message body is not empty, in which case
    // the subscriber MUST accept NOTIFY bodies containing the default content type'.
    const acceptPresent = req.has('accept');
    const types = acceptPresent ? acceptTypes(req.getAll('accept')) : [];
    const listAccepted =
      !acceptPresent ||
      types.some((t) => t === MGMT_PROTOS_LIST_TYPE || t === '*/*' || t === 'application/*');
    const implied: string[] = [];
    for (const t of types) {
      const p = this.protocols.byContentType(t);
      if (p && !implied.includes(p.token)) implied.push(p.token);
    }
    let offered: string[] = [];
    if (req.body.length > 0) {
      const list = decodeProtosList(req.body);
      if (!list.ok) {
        this.rejects.child('bad-list').inc();
        return {
          ok: false,
          status: 400,
          reason: 'Bad mgmt-protos-list',
          headers: [['Warning', this.warning(`${list.error.code}: ${list.error.message}`)]],
        };
      }
      offered = list.value.map((e) => e.token);
    } else if (!acceptPresent || implied.length === 0) {
      // Seed 000 §4.7: the subscription SHOULD be rejected "if the SUBSCRIBE request message omitted the
      // "Accept" header and did not provide a message body of type "application/mgmt-protos-list"", and
      // §4.3: "The SUBSCRIBE body MAY be empty only if the content-types listed in the "Accept" header each
      // imply a particular management protocol".
      this.rejects.child('no-list').inc();
      return { ok: false, status: 400, reason: 'Missing mgmt-protos-list' };
    }
    if (acceptPresent && !listAccepted && implied.length === 0) {
      // Seed 000 §4.7: "If the notifier does not support any of the content-types specified in the
      // "Accept" header ..." — no NOTIFY body the device takes can be built: 406 Not Acceptable.
      this.rejects.child('no-notify-type').inc();
      return {
        ok: false,
        status: 406,
        reason: 'No Acceptable Notification Type',
        headers: [['Warning', this.warning(`station sends ${this.notifyTypes().join(', ')}`)]],
      };
    }
    const usable = (
      listAccepted ? offered.filter((t) => this.protocols.byToken(t) !== undefined) : []
    ).concat(implied);
    if (usable.length === 0) {
      // "... nor any of the management protocols listed in the SUBSCRIBE message body ... the subscription
      // SHOULD be rejected": 488 Not Acceptable Here, with the station's protocols in a Warning.
      this.rejects.child('no-common-protocol').inc();
      return {
        ok: false,
        status: 488,
        reason: 'No Common Management Protocol',
        headers: [['Warning', this.warning(`station supports ${this.protocols.tokens().join(', ')}`)]],
      };
    }
    const state = this.identify(req, user);
    return {
      ok: true,
      packageState: { ...state, offered, implied, listAccepted } satisfies MgmtSubscriptionState,
    };
  }

  initialNotify(sub: NotifierSubscription): NotifyContent {
    this.init.onReady?.(sub);
    return {};
  }

  onTerminated(sub: NotifierSubscription, reason: string): void {
    this.init.onEnded?.(sub, reason);
  }

  /** Media types the station can send non-empty NOTIFYs in. */
  notifyTypes(): string[] {
    const out = [MGMT_PROTOS_LIST_TYPE];
    for (const t of this.protocols.tokens()) {
      const p = this.protocols.byToken(t);
      if (p?.impliedBy !== undefined) out.push(p.impliedBy);
    }
    return out;
  }

  private identify(
    req: SipRequest,
    user: string | null,
  ): Pick<MgmtSubscriptionState, 'user' | 'instrument' | 'keys' | 'device'> {
    const keys: string[] = [];
    const from = req.tryFrom();
    let fromHost: string | undefined;
    let fromUser: string | undefined;
    if (from.ok) {
      const u = from.value.uri;
      if (isSipUri(u)) {
        fromHost = u.host.toLowerCase();
        fromUser = u.user;
        keys.push(uriKeyOf(u));
      }
    }
    const contacts = req.tryContacts();
    const instance = contacts.ok ? contacts.value[0]?.instance : undefined;
    const id = identifyInstrument({
      ...(user !== null ? { digestUsername: user } : {}),
      ...(instance !== undefined ? { sipInstance: instance } : {}),
      separator: this.init.instrumentSeparator ?? '/',
    });
    const instrument = id.instrument ?? instrumentFromDeviceUser(fromUser) ?? null;
    if (id.authUser !== undefined && fromHost !== undefined) {
      const k = uriKeyOf({ scheme: 'sip', user: id.authUser, host: fromHost });
      if (!keys.includes(k)) keys.push(k);
    }
    if (instrument !== null) keys.unshift(`inst:${instrument}`);
    const device = keys[0] ?? `sub:${req.callId}`;
    return { user, instrument, keys, device };
  }

  private warning(text: string): string {
    return `399 ${this.init.warnAgent ?? 'beckon'} "${text.replace(/["\\\r\n]/g, ' ')}"`;
  }
}

function acceptTypes(rows: readonly string[]): string[] {
  const out: string[] = [];
  for (const row of rows)
    for (const part of row.split(',')) {
      const t = mediaType(part);
      if (t.length > 0) out.push(t);
    }
  return out;
}
