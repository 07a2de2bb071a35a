import { randomBytes } from 'node:crypto';
import type { Counter, Logger, MetricsRegistry } from '@beckon/ops';
import {
  isSipUri,
  mediaType,
  type DigestServer,
  type EventPackage,
  type NotifierSubscription,
  type NotifyContent,
  type NotifyOutcome,
  type SipRequest,
  type StateNotifyCause,
  type SubscribeContext,
  type SubscribeOutcome,
} from '@beckon/sip';
import { bindingGruus, type TempGruuCodec } from '../gruu/index.js';
import type { BindingRecord } from '../location/index.js';
import { splitDigestUsername } from '../instrument/index.js';
import { DEFAULT_INSTRUMENT_PREFIX } from '../instrument/parse-instrument-uri.js';
import { authenticateSubscribe } from '../authenticate-subscribe.js';
import { RegContactTracker } from './reg-contact-tracker.js';
import type { RegLocationView } from './reg-location-view.js';
import { mayWatch } from './reg-watch-policy.js';
import { asRegWatchTarget, regWatchTargetOf, type RegWatchTarget } from './reg-watch-target.js';
import { encodeReginfo, REGINFO_TYPE } from './reginfo.js';

/** RFC 3680 §4.1: the event package name. */
export const REG_EVENT = 'reg';

/**
 * Versions skipped after a restart on top of the CSeq numbers the subscription's store reservation
 * covers (see {@link RegEventPackage.nextVersion}).
 */
const RESTART_VERSION_MARGIN = 3;

/** What the package stores with each subscription (JSON; survives restarts with the subscription). */
export interface RegSubscriptionState {
  target: RegWatchTarget;
  /** Authentication user (instrument token removed); null without authentication. */
  user: string | null;
  /** Version of the last document built for this subscription; -1 before the first. */
  version: number;
  /** The dialog's local CSeq when that document was built. */
  seq: number;
  /** Which process built it (a random id per package instance). */
  boot: string;
}

/** The part of the notifier the package drives (`Notifier` fits). */
export interface RegNotifierView {
  get(id: string): NotifierSubscription | undefined;
  subscriptions(event?: string): Iterable<NotifierSubscription>;
  notify(id: string, content: NotifyContent): Promise<NotifyOutcome>;
}

export interface RegEventPackageComponents {
  log: Logger;
  metrics: MetricsRegistry;
  location: RegLocationView;
  notifier: RegNotifierView;
  /** SUBSCRIBE authentication; without it every SUBSCRIBE for a served domain is accepted (test rigs). */
  digest?: DigestServer;
  /** The registrar's temporary-GRUU key: documents then carry each contact's GRUUs (RFC 5628). */
  gruu?: TempGruuCodec;
}

export interface RegEventPackageInit {
  /** Domains served (`sip.domain` and any others); other Request-URI hosts get 404. */
  domains: readonly string[];
  /** `registrar.instrumentPrefix` (default `~~in~`). */
  instrumentPrefix?: string;
  /** Users who may watch every AOR and instrument (`registrar.regEvent.watchers`). */
  watchers?: readonly string[];
  /** RFC 3680 §4.4 default 3761 s. */
  defaultExpires?: number;
  minExpires?: number;
  maxExpires?: number;
  /** Separator of the instrument token in digest usernames (seed 002 §3), default '/'. */
  instrumentSeparator?: string;
  /** Clock, epoch ms (tests). */
  now?: () => number;
}

/** Gate of one subscription's change NOTIFYs: one in flight; `true` when another change came meanwhile. */
type Gate = boolean;

/**
 * The registration event package (RFC 3680) as a plug-in of the RFC 6665 notifier, for AORs of the
 * station's domains and for the instrument URIs of seed 002 (`~~in~TOKEN`, `~~in~USER&TOKEN`).
 *
 * It authenticates and authorizes SUBSCRIBEs (see `mayWatch`), writes the full-state document of the
 * NOTIFY that follows each SUBSCRIBE, and listens to the location service: every change of a watched
 * AOR's or instrument's bindings (REGISTER, refresh, removal, expiry) sends each affected subscription a
 * NOTIFY. Change NOTIFYs carry full state too: RFC 3680 §5.1 lets a notifier send `state="full"` in any
 * document (a subscriber replaces what it held, §4.8), which keeps the package stateless on the wire
 * while the contact events still say what changed (a removed contact is listed once as `terminated`).
 * Per subscription at most one change NOTIFY is in flight; changes meanwhile coalesce into one more.
 */
export class RegEventPackage implements EventPackage {
  readonly name = REG_EVENT;
  readonly defaultExpires: number;
  readonly minExpires: number;
  readonly maxExpires: number;
  /**
   * RFC 3680 §4.3 (paraphrase): a SUBSCRIBE body could filter the subscription, but the package defines
   * none. A SUBSCRIBE with a body is refused (415) by the notifier.
   */
  readonly subscribeBodyTypes: readonly string[] = [];
  private readonly log: Logger;
  private readonly location: RegLocationView;
  private readonly notifier: RegNotifierView;
  private readonly digest: DigestServer | undefined;
  private readonly gruu: TempGruuCodec | undefined;
  private readonly domains: ReadonlySet<string>;
  private readonly watchers: ReadonlySet<string>;
  private readonly prefix: string;
  private readonly separator: string;
  private readonly now: () => number;
  private readonly boot = randomBytes(6).toString('hex');
  /** Watch key (see keyOf) -> subscription ids. */
  private readonly index = new Map<string, Set<string>>();
  private readonly trackers = new Map<string, RegContactTracker>();
  private readonly gates = new Map<string, Gate>();
  private readonly rejects: Counter;
  private readonly changeNotifies: Counter;
  private detach: (() => void) | undefined;

  constructor(components: RegEventPackageComponents, init: RegEventPackageInit) {
    this.log = components.log.child({ component: 'station.reg-event' });
    this.location = components.location;
    this.notifier = components.notifier;
    this.digest = components.digest;
    this.gruu = components.gruu;
    this.domains = new Set(init.domains.map((d) => d.toLowerCase()));
    this.watchers = new Set(init.watchers ?? []);
    this.prefix = init.instrumentPrefix ?? DEFAULT_INSTRUMENT_PREFIX;
    this.separator = init.instrumentSeparator ?? '/';
    this.now = init.now ?? Date.now;
    // RFC 3680 §4.4: "The default expiration time for subscriptions within this package is 3761
    // seconds" (paraphrase of the section's rule).
    this.defaultExpires = init.defaultExpires ?? 3761;
    this.minExpires = init.minExpires ?? 60;
    this.maxExpires = Math.max(this.defaultExpires, init.maxExpires ?? 86400);
    this.rejects = components.metrics.counter(
      'reg_subscribe_rejected',
      'reg event SUBSCRIBEs refused by the package',
      ['reason'],
    );
    this.changeNotifies = components.metrics.counter(
      'reg_change_notifies',
      'reg event NOTIFYs sent because watched bindings changed',
    );
  }

  /**
   * Indexes the subscriptions the notifier restored (call after `notifier.start()`) and starts listening
   * to the location service.
   */
  start(): void {
    if (this.detach) return;
    let restored = 0;
    for (const sub of this.notifier.subscriptions(REG_EVENT)) {
      const st = asState(sub.packageState);
      if (!st) {
        this.log.warn({ id: sub.id }, 'reg subscription with unreadable state ignored');
        continue;
      }
      this.indexSub(sub.id, st.target);
      restored++;
    }
    this.detach = this.location.onChange((aor, instrument) => this.onLocationChange(aor, instrument));
    if (restored > 0) this.log.info({ restored }, 'reg subscriptions indexed');
  }

  /** Stops listening to the location service and forgets the in-memory state. */
  stop(): void {
    this.detach?.();
    this.detach = undefined;
    this.index.clear();
    this.trackers.clear();
    this.gates.clear();
  }

  async accept(req: SipRequest, ctx: SubscribeContext): Promise<SubscribeOutcome> {
    let target: RegWatchTarget;
    const prior = ctx.existing ? asState(ctx.existing.packageState) : undefined;
    if (ctx.existing) {
      // A refresh is addressed to the dialog (our Contact): the watched resource is the stored one.
      if (!prior) return this.reject('bad-state', { ok: false, status: 481, reason: 'Subscription Lost' });
      target = prior.target;
    } else {
      const uri = req.uri;
      // RFC 3261 §8.2.2.1: "If the Request-URI uses a scheme not supported by the UAS, it SHOULD reject
      // the request with a 416 (Unsupported URI Scheme) response."
      if (!isSipUri(uri))
        return this.reject('uri-scheme', { ok: false, status: 416, reason: 'Unsupported URI Scheme' });
      const t = regWatchTargetOf(uri, { domains: this.domains, instrumentPrefix: this.prefix });
      if (!t.ok) return this.reject(t.reason, { ok: false, status: 404, reason: 'Not Found' });
      target = t.target;
    }
    // RFC 3680 §4.5: "The SUBSCRIBE request MAY contain an Accept header field. If no such header field
    // is present, it has a default value of "application/reginfo+xml". If the header field is present,
    // it MUST include "application/reginfo+xml"" (an empty Accept accepts nothing, RFC 3261 §20.1).
    if (req.has('accept') && !acceptsReginfo(req.getAll('accept')))
      return this.reject('not-acceptable', {
        ok: false,
        status: 406,
        reason: 'Not Acceptable',
        headers: [['Warning', `399 beckon "reg NOTIFYs carry ${REGINFO_TYPE}"`]],
      });
    let user: string | null = null;
    if (this.digest) {
      const auth = await authenticateSubscribe(req, this.digest, this.separator);
      if (!auth.ok) {
        if (auth.reason !== undefined) {
          this.rejects.child(auth.reason).inc();
          if (auth.reason === 'auth-failed')
            this.log.info({ username: auth.username }, 'reg SUBSCRIBE authentication failed');
        }
        return auth.outcome;
      }
      user = splitDigestUsername(auth.username, this.separator).user;
      // RFC 3680 §4.6 (policy local, see mayWatch).
      if (!mayWatch(user, target, { watchers: this.watchers, location: this.location })) {
        this.log.info({ user, target }, 'reg SUBSCRIBE not authorized');
        return this.reject('forbidden', { ok: false, status: 403, reason: 'Not Allowed To Watch' });
      }
    }
    if (prior) {
      prior.user = user;
      return { ok: true };
    }
    const state: RegSubscriptionState = { target, user, version: -1, seq: 0, boot: this.boot };
    return { ok: true, packageState: state };
  }

  /**
   * RFC 3680 §4.7 (paraphrase): the NOTIFY that follows a SUBSCRIBE carries the full registration state
   * of the watched resource.
   */
  initialNotify(sub: NotifierSubscription, cause: StateNotifyCause): NotifyContent {
    const st = asState(sub.packageState);
    if (!st) return {};
    if (cause === 'fetch') return this.content(sub, st, new RegContactTracker());
    this.indexSub(sub.id, st.target);
    return this.content(sub, st, this.trackerOf(sub.id));
  }

  onTerminated(sub: NotifierSubscription): void {
    const st = asState(sub.packageState);
    if (st) this.unindexSub(sub.id, st.target);
    this.trackers.delete(sub.id);
    this.gates.delete(sub.id);
  }

  /** Subscriptions watching anything (tests, health). */
  get size(): number {
    return this.trackers.size;
  }

  // ---------------------------------------------------------------- change notification

  private onLocationChange(aor: string, instrument: string | undefined): void {
    // Runs after every REGISTER: nothing to build while nobody watches.
    if (this.index.size === 0) return;
    this.visit('a:' + aor);
    if (instrument !== undefined) {
      this.visit('i:' + instrument);
      this.visit('l:' + aor + '\u0000' + instrument);
    }
  }

  private visit(key: string): void {
    const ids = this.index.get(key);
    if (ids) for (const id of ids) this.push(id);
  }

  /** Sends `id` a NOTIFY with the current state, or marks it for one after the NOTIFY in flight. */
  private push(id: string): void {
    if (this.gates.has(id)) {
      this.gates.set(id, true);
      return;
    }
    const sub = this.notifier.get(id);
    const st = sub ? asState(sub.packageState) : undefined;
    if (!sub || !st) return;
    this.gates.set(id, false);
    this.changeNotifies.inc();
    const sent = this.notifier.notify(id, this.content(sub, st, this.trackerOf(id)));
    void sent.then(() => {
      const again = this.gates.get(id);
      this.gates.delete(id);
      if (again === true) this.push(id);
    });
  }

  private content(
    sub: NotifierSubscription,
    st: RegSubscriptionState,
    tracker: RegContactTracker,
  ): NotifyContent {
    const now = this.now();
    const t = st.target;
    let bindings: readonly BindingRecord[];
    let always: readonly string[];
    switch (t.kind) {
      case 'aor':
        bindings = this.location.lookup(t.aor);
        always = [t.aor];
        break;
      case 'line':
        bindings = this.location.byAorAndInstrument(t.aor, t.instrument);
        always = [t.aor];
        break;
      case 'instrument': {
        const suffix = '@' + t.domain;
        bindings = this.location.byInstrument(t.instrument).filter((b) => b.aor.endsWith(suffix));
        always = [];
        break;
      }
    }
    const codec = this.gruu;
    const registrations = tracker.next(
      bindings,
      always,
      now,
      codec ? (b) => bindingGruus(codec, b) : undefined,
    );
    const body = encodeReginfo({ version: this.nextVersion(sub, st), state: 'full', registrations });
    return { contentType: REGINFO_TYPE, body };
  }

  /**
   * RFC 3680 §5.1 (paraphrase): `version` starts at 0 and grows by one with each document sent to the
   * subscriber; a subscriber drops a document whose version is not above the last one it saw. The state
   * holding the counter is stored with the subscription, but the notifier writes it only now and then
   * (on create and refresh, and with each block of reserved NOTIFY CSeq numbers), so after a restart
   * the stored version may lag the last one sent. Each document records the dialog's local CSeq next to
   * its version; a restored subscription's local CSeq is its stored reservation, at or above every CSeq
   * used before the restart, and every document sent used a CSeq of its own. Jumping by the CSeq
   * distance (plus a margin for documents superseded before sending) keeps versions increasing across a
   * restart; within one process they grow by exactly one.
   */
  private nextVersion(sub: NotifierSubscription, st: RegSubscriptionState): number {
    let v: number;
    // Restored state may still say -1 (stored at creation, before the first document was built).
    if (st.boot !== this.boot)
      v = Math.max(0, st.version + Math.max(0, sub.localSeq - st.seq) + RESTART_VERSION_MARGIN);
    else if (st.version < 0) v = 0;
    else v = st.version + 1;
    st.version = v;
    st.seq = sub.localSeq;
    st.boot = this.boot;
    return v;
  }

  // ---------------------------------------------------------------- bookkeeping

  private trackerOf(id: string): RegContactTracker {
    let t = this.trackers.get(id);
    if (!t) {
      t = new RegContactTracker();
      this.trackers.set(id, t);
    }
    return t;
  }

  private indexSub(id: string, target: RegWatchTarget): void {
    const key = keyOf(target);
    let set = this.index.get(key);
    if (!set) {
      set = new Set();
      this.index.set(key, set);
    }
    set.add(id);
  }

  private unindexSub(id: string, target: RegWatchTarget): void {
    const key = keyOf(target);
    const set = this.index.get(key);
    if (set?.delete(id) && set.size === 0) this.index.delete(key);
  }

  private reject(reason: string, outcome: SubscribeOutcome & { ok: false }): SubscribeOutcome {
    this.rejects.child(reason).inc();
    return outcome;
  }
}

/** The index key of a target: the location change (aor, instrument) pairs that affect it. */
function keyOf(t: RegWatchTarget): string {
  switch (t.kind) {
    case 'aor':
      return 'a:' + t.aor;
    case 'instrument':
      return 'i:' + t.instrument;
    case 'line':
      return 'l:' + t.aor + '\u0000' + t.instrument;
  }
}

/** The stored state when it has the expected shape (restored JSON), else undefined. */
function asState(v: unknown): RegSubscriptionState | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const s = v as Partial<RegSubscriptionState>;
  if (asRegWatchTarget(s.target) === undefined) return undefined;
  if (typeof s.version !== 'number' || typeof s.seq !== 'number' || typeof s.boot !== 'string')
    return undefined;
  if (s.user !== null && typeof s.user !== 'string') return undefined;
  return s as RegSubscriptionState;
}

/** True when an Accept header list admits application/reginfo+xml. */
function acceptsReginfo(rows: readonly string[]): boolean {
  for (const row of rows)
    for (const part of row.split(',')) {
      const t = mediaType(part);
      if (t === REGINFO_TYPE || t === 'application/*' || t === '*/*') return true;
    }
  return false;
}
