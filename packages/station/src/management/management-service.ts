import { randomBytes } from 'node:crypto';
import type { Counter, Logger, MetricsRegistry } from '@beckon/ops';
import {
  ExpiryQueue,
  type DigestServer,
  type Notifier,
  type NotifierSubscription,
  type NotifyContent,
} from '@beckon/sip';
import { normalizeInstrumentId } from '../instrument/normalize-instrument.js';
import { DeviceIndex, targetKeys, type ManagementLocationLookup } from './device-index.js';
import { ManagementProtocolRegistry, type ManagementProtocol } from './management-protocol-registry.js';
import {
  MANAGEMENT_REQ_EVENT,
  ManagementReqPackage,
  uriKey,
  type MgmtSubscriptionState,
} from './management-req-package.js';
import {
  canTransition,
  isFinalState,
  ManagementRequestState as S,
  type ManagementRequest,
} from './management-request.js';
import type { ManagementStore } from './management-store.js';
import { newRequestId } from './request-id.js';
import type { CallHomeHello } from '@beckon/mgmt';
import { buildManagementNotify, chooseProtocol } from './choose-protocol.js';
import type {
  CallHomeMatch,
  ManagementRequestInput,
  ManagementRequestResult,
  ManagementServiceInit,
  ShutdownMode,
} from './management-service-types.js';

export type * from './management-service-types.js';

type NotifyOutcome = Awaited<ReturnType<Notifier['notify']>>;

export interface ManagementServiceComponents {
  log: Logger;
  metrics: MetricsRegistry;
  /** The station's RFC 6665 notifier; the service registers the management-req package in it. */
  notifier: Notifier;
  store: ManagementStore;
  protocols?: ManagementProtocolRegistry;
  /** Authenticates SUBSCRIBEs (seed 000 §4.7); without it they are not authenticated. */
  digest?: DigestServer;
  location?: ManagementLocationLookup;
}

/** Requests sharing one non-empty NOTIFY (its `req` identity). */
interface Group {
  readonly id: string;
  readonly device: string;
  readonly protocol: string;
  readonly subscriptionId: string;
  readonly requestIds: Set<string>;
  open: boolean;
}

/**
 * Management requests on top of the management-req package (seed 000): queues them until the device is
 * subscribed, sends the non-empty NOTIFY with a protocol the device offered, holds NOTIFYs to the
 * configured rate (§4.11, coalescing requests), and matches call-home connections to requests.
 */
export class ManagementService {
  readonly package: ManagementReqPackage;
  readonly protocols: ManagementProtocolRegistry;
  private readonly log: Logger;
  private readonly notifier: Notifier;
  private readonly store: ManagementStore;
  private readonly location: ManagementLocationLookup | undefined;
  private readonly init: ManagementServiceInit;
  private readonly now: () => number;
  private readonly intervalMs: number;
  private readonly index = new DeviceIndex();
  private readonly open = new Map<string, ManagementRequest>();
  private readonly byDevice = new Map<string, Set<string>>();
  private readonly unresolved = new Map<string, Set<string>>();
  private readonly unresolvedKeys = new Map<string, string[]>();
  private readonly groups = new Map<string, Group>();
  private readonly groupsByDevice = new Map<string, Set<Group>>();
  private readonly lastNotify = new Map<string, number>();
  private readonly holdTimers = new Map<string, NodeJS.Timeout>();
  private readonly pumpSoon = new Set<string>();
  private pumpImmediate: NodeJS.Immediate | undefined;
  private readonly deadlines: ExpiryQueue<string>;
  private readonly transitions: Counter;
  private readonly notifies: Counter;
  private readonly callHomes: Counter;
  private stopped = false;

  constructor(components: ManagementServiceComponents, init: ManagementServiceInit) {
    this.log = components.log.child({ component: 'station.management' });
    this.notifier = components.notifier;
    this.store = components.store;
    this.location = components.location;
    this.init = init;
    this.now = init.now ?? Date.now;
    this.intervalMs = (init.notifyMinIntervalSec ?? 30) * 1000;
    this.protocols = components.protocols ?? ManagementProtocolRegistry.withDefaults();
    this.package = new ManagementReqPackage(
      {
        log: components.log,
        metrics: components.metrics,
        protocols: this.protocols,
        ...(components.digest ? { digest: components.digest } : {}),
      },
      {
        defaultExpires: init.defaultExpiresSec ?? 3600,
        ...(init.minExpiresSec !== undefined ? { minExpires: init.minExpiresSec } : {}),
        ...(init.maxExpiresSec !== undefined ? { maxExpires: init.maxExpiresSec } : {}),
        ...(init.warnAgent !== undefined ? { warnAgent: init.warnAgent } : {}),
        onReady: (sub) => this.onSubscriptionReady(sub),
        onEnded: (sub) => this.index.remove(sub.id),
      },
    );
    if (!this.notifier.packages.register(this.package))
      this.log.error('an event package named management-req is already registered');
    this.deadlines = new ExpiryQueue((id) => this.onDeadline(id), { now: this.now, slackMs: 50 });
    const m = components.metrics;
    this.transitions = m.counter('mgmt_request_transitions', 'Management request state changes', ['to']);
    this.notifies = m.counter('mgmt_notify', 'Non-empty management-req NOTIFYs', ['outcome']);
    this.callHomes = m.counter('mgmt_callhome', 'Call-home connections by outcome', ['result']);
    m.gauge('mgmt_requests_open', 'Management requests not in a final state', () => this.open.size);
    m.gauge('mgmt_devices_subscribed', 'management-req subscriptions indexed', () => this.index.size);
  }

  /**
   * Call after `notifier.start()`: indexes the restored subscriptions and reloads open requests (those
   * queued or notified before a restart go on; one that was in session is failed).
   */
  async start(): Promise<{ subscriptions: number; requests: number }> {
    for (const sub of this.notifier.subscriptions(MANAGEMENT_REQ_EVENT)) this.index.add(sub);
    for (const [device, at] of await this.store.lastNotified()) this.lastNotify.set(device, at);
    const open = await this.store.loadOpenRequests();
    for (const r of open) {
      if (r.state === S.SessionOpen) {
        this.open.set(r.id, r);
        this.transition(r, S.Failed, 'station restarted during the session');
        continue;
      }
      this.open.set(r.id, r);
      this.deadlines.schedule(r.id, r.deadlineAt);
      if (r.state === S.Notified && r.groupId !== null && r.device !== null && r.protocol !== null) {
        let g = this.groups.get(r.groupId);
        if (!g) {
          g = {
            id: r.groupId,
            device: r.device,
            protocol: r.protocol,
            subscriptionId: r.subscriptionId ?? '',
            requestIds: new Set(),
            open: false,
          };
          this.addGroup(g);
        }
        g.requestIds.add(r.id);
      }
      this.place(r);
    }
    this.log.info({ subscriptions: this.index.size, requests: open.length }, 'management service started');
    return { subscriptions: this.index.size, requests: open.length };
  }

  /** Clears timers (subscriptions and requests stay stored). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.deadlines.dispose();
    for (const t of this.holdTimers.values()) clearTimeout(t);
    this.holdTimers.clear();
    if (this.pumpImmediate) clearImmediate(this.pumpImmediate);
  }

  /**
   * Ends every management-req subscription (seed 000 §4.8: 'a "Subscription-State" header value of
   * "terminated", and a "reason" code of "deactivated" or "probation" ... in the event of shutdown').
   */
  async terminateSubscriptions(
    mode: ShutdownMode = this.init.shutdown ?? { reason: 'deactivated' },
  ): Promise<number> {
    const ids = [...this.notifier.subscriptions(MANAGEMENT_REQ_EVENT)].map((s) => s.id);
    let next = 0;
    let done = 0;
    const retry = mode.reason === 'probation' ? (mode.retryAfterSec ?? 60) : undefined;
    const worker = async (): Promise<void> => {
      while (next < ids.length) {
        const id = ids[next++] as string;
        await this.notifier.terminate(id, mode.reason, retry);
        done++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(200, ids.length) }, () => worker()));
    return done;
  }

  // ---- operator API --------------------------------------------------------------------------

  /**
   * Asks for a management session with a device (what `beckon mgmt request --device X --protocol P`
   * calls). Resolves once the request is stored; its progress is in `get(id)` and the audit log.
   */
  async request(input: ManagementRequestInput): Promise<ManagementRequestResult> {
    if (this.stopped) return { ok: false, error: { code: 'stopped', message: 'management service stopped' } };
    const keys = targetKeys(input.target, this.location);
    if (!keys.ok) return { ok: false, error: { code: 'bad-target', message: keys.error } };
    const preferred = input.protocol?.trim().toLowerCase();
    if (preferred !== undefined && preferred !== '' && !this.protocols.byToken(preferred))
      return {
        ok: false,
        error: {
          code: 'unknown-protocol',
          message: `unknown protocol ${preferred} (known: ${this.protocols.tokens().join(', ')})`,
        },
      };
    const now = this.now();
    const r: ManagementRequest = {
      id: newRequestId(),
      target: input.target.trim(),
      preferred: preferred === undefined || preferred === '' ? null : preferred,
      strict: input.strict ?? false,
      requestedBy: input.requestedBy ?? null,
      state: S.Queued,
      device: null,
      protocol: null,
      groupId: null,
      subscriptionId: null,
      createdAt: now,
      updatedAt: now,
      deadlineAt: now + (input.timeoutSec ?? this.init.requestTimeoutSec ?? 300) * 1000,
      notifiedAt: null,
      detail: null,
    };
    this.open.set(r.id, r);
    this.unresolvedKeys.set(r.id, keys.keys);
    this.deadlines.schedule(r.id, r.deadlineAt);
    this.log.info({ id: r.id, target: r.target, protocol: r.preferred }, 'management request queued');
    await this.store.saveRequest(r, this.audit(r, 'created', { target: r.target, protocol: r.preferred }));
    this.place(r);
    return { ok: true, request: { ...r } };
  }

  /** A request as it stands now (open ones from memory, others from the store). */
  async get(id: string): Promise<ManagementRequest | undefined> {
    const r = this.open.get(id);
    return r ? { ...r } : await this.store.getRequest(id);
  }

  /** Open requests (queued, notified, session-open). */
  openRequests(): ManagementRequest[] {
    return [...this.open.values()].map((r) => ({ ...r }));
  }

  // ---- call-home ----------------------------------------------------------------------------

  /** Matches a call-home hello to the requests of its NOTIFY (the listener calls it). */
  matchCallHome(hello: CallHomeHello, peer: string): CallHomeMatch {
    const g = this.groups.get(hello.requestId);
    const refuse = (status: number, reason: string, result: string): CallHomeMatch => {
      this.callHomes.child(result).inc();
      this.log.warn({ peer, device: hello.device, result }, 'call-home refused');
      void this.store
        .appendAudit({
          at: this.now(),
          actor: hello.device,
          subject: `call-home:${peer}`,
          action: 'refused',
          detail: { result },
        })
        .catch(() => undefined);
      return { ok: false, status, reason };
    };
    if (!g) return refuse(403, 'Unknown Request', 'unknown-request');
    if (g.open) return refuse(409, 'Session Already Open', 'duplicate');
    if (hello.protocol !== g.protocol) return refuse(403, 'Protocol Mismatch', 'protocol-mismatch');
    if (!this.sameDevice(g.device, hello.device)) return refuse(403, 'Device Mismatch', 'device-mismatch');
    g.open = true;
    const ids = [...g.requestIds];
    for (const id of ids) {
      const r = this.open.get(id);
      if (r) this.transition(r, S.SessionOpen, `call-home from ${peer}`);
    }
    this.callHomes.child('matched').inc();
    return { ok: true, session: { groupId: g.id, device: g.device, protocol: g.protocol, requestIds: ids } };
  }

  /** The session of a matched call-home ended (the session handler tells). */
  sessionEnded(groupId: string, outcome: { ok: boolean; detail?: string }): void {
    const g = this.groups.get(groupId);
    if (!g) return;
    this.dropGroup(g);
    for (const id of g.requestIds) {
      const r = this.open.get(id);
      if (r && r.state === S.SessionOpen)
        this.transition(
          r,
          outcome.ok ? S.Done : S.Failed,
          outcome.detail ?? (outcome.ok ? 'session done' : 'session failed'),
        );
    }
  }

  /** Resolves when every state change so far is stored. */
  flush(): Promise<void> {
    return this.store.flush();
  }

  // ---- internals ----------------------------------------------------------------------------

  private sameDevice(device: string, claimed: string): boolean {
    if (device.startsWith('inst:')) {
      const inst = /^sips?:/i.test(claimed) ? undefined : normalizeInstrumentId(claimed);
      if (inst !== undefined && `inst:${inst}` === device) return true;
    }
    const k = uriKey(claimed);
    if (k === device) return true;
    const subId = this.index.subscriptionOf(device);
    const st = subId !== undefined ? this.index.state(subId) : undefined;
    return st !== undefined && k !== undefined && st.keys.includes(k);
  }

  /** Puts an open request where it waits: under its device when known, else under its lookup keys. */
  private place(r: ManagementRequest): void {
    if (r.device === null) {
      const keys = this.unresolvedKeys.get(r.id) ?? targetKeysOrEmpty(r.target, this.location);
      const device = this.index.deviceFor(keys);
      if (device === undefined) {
        this.unresolvedKeys.set(r.id, keys);
        for (const k of keys) {
          let s = this.unresolved.get(k);
          if (!s) this.unresolved.set(k, (s = new Set()));
          s.add(r.id);
        }
        return;
      }
      this.unplace(r.id);
      r.device = device;
    }
    let s = this.byDevice.get(r.device);
    if (!s) this.byDevice.set(r.device, (s = new Set()));
    s.add(r.id);
    this.schedulePump(r.device);
  }

  private unplace(id: string): void {
    const keys = this.unresolvedKeys.get(id);
    if (!keys) return;
    this.unresolvedKeys.delete(id);
    for (const k of keys) {
      const s = this.unresolved.get(k);
      if (!s) continue;
      s.delete(id);
      if (s.size === 0) this.unresolved.delete(k);
    }
  }

  private onSubscriptionReady(sub: NotifierSubscription): void {
    const st = this.index.add(sub);
    if (!st) return;
    for (const k of st.keys) {
      const waiting = this.unresolved.get(k);
      if (!waiting) continue;
      for (const id of [...waiting]) {
        const r = this.open.get(id);
        if (r) this.place(r);
      }
    }
    // Pumped after the state NOTIFY was queued (the empty NOTIFY goes first, seed 000 §4.7).
    if (this.byDevice.has(st.device)) this.schedulePump(st.device);
  }

  private schedulePump(device: string): void {
    if (this.stopped) return;
    this.pumpSoon.add(device);
    if (this.pumpImmediate) return;
    this.pumpImmediate = setImmediate(() => {
      this.pumpImmediate = undefined;
      const all = [...this.pumpSoon];
      this.pumpSoon.clear();
      for (const d of all) this.pump(d);
    });
  }

  /** Sends what the device's queued requests need, within the rate limit. */
  private pump(device: string): void {
    if (this.stopped) return;
    const ids = this.byDevice.get(device);
    if (!ids || ids.size === 0) return;
    const subId = this.index.subscriptionOf(device);
    const st = subId !== undefined ? this.index.state(subId) : undefined;
    if (subId === undefined || !st) return;
    const queued: { r: ManagementRequest; p: ManagementProtocol }[] = [];
    for (const id of ids) {
      const r = this.open.get(id);
      if (!r || r.state !== S.Queued) continue;
      const p = this.choose(st, r.preferred, r.strict);
      if (!p) {
        this.transition(
          r,
          S.Failed,
          r.strict ? `device did not offer ${r.preferred}` : 'no common management protocol',
        );
        continue;
      }
      // §4.11: a NOTIFY already out for this device and protocol covers this request too (coalesced).
      const g = this.outstandingGroup(device, p.token);
      if (g) {
        g.requestIds.add(r.id);
        r.groupId = g.id;
        r.protocol = p.token;
        r.subscriptionId = g.subscriptionId;
        r.notifiedAt = this.now();
        this.transition(r, S.Notified, 'coalesced into an outstanding NOTIFY');
        continue;
      }
      queued.push({ r, p });
    }
    if (queued.length === 0) return;
    const now = this.now();
    const last = this.lastNotify.get(device);
    // Seed 000 §4.11: "A notifier SHOULD implement a method to hold or otherwise avoid sending non-empty
    // NOTIFY requests more frequently than some administratively-specified time interval."
    if (this.intervalMs > 0 && last !== undefined && now - last < this.intervalMs) {
      this.hold(device, last + this.intervalMs - now);
      return;
    }
    const first = queued[0] as { r: ManagementRequest; p: ManagementProtocol };
    const batch = queued.filter((q) => q.p.token === first.p.token);
    const group: Group = {
      id: randomBytes(16).toString('base64url'),
      device,
      protocol: first.p.token,
      subscriptionId: subId,
      requestIds: new Set(batch.map((q) => q.r.id)),
      open: false,
    };
    const content = this.notifyContent(st, first.p, group.id);
    if (!content) {
      for (const q of batch)
        this.transition(q.r, S.Failed, `no call-home address for carrier ${first.p.carrier}`);
      return;
    }
    this.addGroup(group);
    const previous = last;
    this.lastNotify.set(device, now);
    for (const q of batch) {
      q.r.groupId = group.id;
      q.r.protocol = first.p.token;
      q.r.subscriptionId = subId;
      q.r.notifiedAt = now;
      this.transition(q.r, S.Notified, batch.length > 1 ? `one NOTIFY for ${batch.length} requests` : null);
    }
    if (queued.length > batch.length) this.hold(device, this.intervalMs);
    void this.notifier.notify(subId, content).then((o) => this.notified(group, o, previous));
  }

  private notified(group: Group, o: NotifyOutcome, previous: number | undefined): void {
    this.notifies.child(o.ok ? 'ok' : o.reason).inc();
    if (o.ok || group.open) return;
    // The NOTIFY did not reach the device: its requests wait for the next subscription (or deadline).
    this.log.info(
      { group: group.id, device: group.device, status: o.status, reason: o.reason },
      'NOTIFY failed',
    );
    this.dropGroup(group);
    if (o.reason === 'superseded') {
      // A refresh's empty NOTIFY replaced ours before it was sent: not a NOTIFY the device saw.
      if (previous === undefined) this.lastNotify.delete(group.device);
      else this.lastNotify.set(group.device, previous);
    }
    for (const id of group.requestIds) {
      const r = this.open.get(id);
      if (r && r.state === S.Notified) {
        r.groupId = null;
        r.notifiedAt = null;
        this.transition(r, S.Queued, `NOTIFY failed (${o.reason} ${o.status})`);
      }
    }
    this.schedulePump(group.device);
  }

  private outstandingGroup(device: string, token: string): Group | undefined {
    const set = this.groupsByDevice.get(device);
    if (set) for (const g of set) if (g.protocol === token && !g.open) return g;
    return undefined;
  }

  private addGroup(g: Group): void {
    this.groups.set(g.id, g);
    let set = this.groupsByDevice.get(g.device);
    if (!set) this.groupsByDevice.set(g.device, (set = new Set()));
    set.add(g);
  }

  private dropGroup(g: Group): void {
    if (this.groups.get(g.id) !== g) return;
    this.groups.delete(g.id);
    const set = this.groupsByDevice.get(g.device);
    set?.delete(g);
    if (set && set.size === 0) this.groupsByDevice.delete(g.device);
  }

  private hold(device: string, ms: number): void {
    if (this.holdTimers.has(device)) return;
    const t = setTimeout(
      () => {
        this.holdTimers.delete(device);
        this.pump(device);
      },
      Math.max(1, ms),
    );
    t.unref();
    this.holdTimers.set(device, t);
  }

  private choose(st: MgmtSubscriptionState, preferred: string | null, strict: boolean) {
    return chooseProtocol(this.protocols, st, { preferred, strict, callHome: this.init.callHome });
  }

  private notifyContent(
    st: MgmtSubscriptionState,
    p: ManagementProtocol,
    groupId: string,
  ): NotifyContent | undefined {
    const c = buildManagementNotify(st, p, {
      requestId: groupId,
      callHome: this.init.callHome,
      now: this.now(),
    });
    if (!c.ok) {
      this.log.error({ error: c.error }, 'NOTIFY body could not be built');
      return undefined;
    }
    return c.content;
  }

  private onDeadline(id: string): void {
    const r = this.open.get(id);
    if (!r) return;
    if (r.state === S.Queued || r.state === S.Notified) this.transition(r, S.Expired, 'deadline passed');
  }

  /** The one place a request changes state: checked, logged, counted, stored with an audit row. */
  private transition(r: ManagementRequest, to: S, detail: string | null): boolean {
    const from = r.state;
    if (!canTransition(from, to)) {
      this.log.error({ id: r.id, from, to }, 'management request: transition not allowed');
      return false;
    }
    r.state = to;
    r.updatedAt = this.now();
    r.detail = detail;
    this.transitions.child(to).inc();
    this.log.info(
      { id: r.id, device: r.device, from, to, detail, protocol: r.protocol },
      'management request state',
    );
    if (isFinalState(to)) this.forget(r);
    this.store
      .saveRequest(r, this.audit(r, `${from}->${to}`, detail !== null ? { detail } : undefined))
      .catch((err: unknown) => this.log.warn({ err, id: r.id }, 'management request not stored'));
    return true;
  }

  private forget(r: ManagementRequest): void {
    this.open.delete(r.id);
    this.deadlines.cancel(r.id);
    this.unplace(r.id);
    if (r.device !== null) {
      const s = this.byDevice.get(r.device);
      s?.delete(r.id);
      if (s && s.size === 0) this.byDevice.delete(r.device);
    }
    if (r.groupId !== null) {
      const g = this.groups.get(r.groupId);
      if (g && !g.open) {
        g.requestIds.delete(r.id);
        if (g.requestIds.size === 0) this.dropGroup(g);
      }
    }
  }

  private audit(r: ManagementRequest, action: string, detail?: Record<string, unknown>) {
    return {
      at: this.now(),
      actor: r.requestedBy ?? 'station',
      subject: `mgmt-request:${r.id}`,
      action,
      ...(detail ? { detail } : {}),
    };
  }
}

function targetKeysOrEmpty(target: string, location?: ManagementLocationLookup): string[] {
  const k = targetKeys(target, location);
  return k.ok ? k.keys : [];
}
