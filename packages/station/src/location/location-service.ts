import { ShardedMap, type CounterChild, type Logger, type MetricsRegistry } from '@beckon/ops';
import { storedBindingRecord, type Binding, type BindingKey, type BindingRecord } from './binding.js';
import { ContactMap } from './contact-map.js';
import { ExpiryWheel } from './expiry-wheel.js';
import type { LocationStore } from './location-store.js';
import {
  planRegisterChange,
  type RegisterChanges,
  type RegisterOutcome,
  type RegisterPlanContext,
  type RegisterWritePlan,
  type TooManyContactsPolicy,
} from './register-change-plan.js';
import { UserIndexOrder, type AorEntry } from './user-index-order.js';

export interface LocationServiceComponents {
  readonly store: LocationStore;
  readonly log?: Logger;
  readonly metrics?: MetricsRegistry;
}

export interface LocationServiceInit {
  /** Most bindings one AOR may hold (default 10). */
  readonly maxContactsPerAor?: number;
  /**
   * What to do when a REGISTER would exceed the limit: 'reject' (default; the registrar answers with an
   * error) or 'evict-oldest' (drop the least recently refreshed bindings not named in the request).
   */
  readonly tooManyContacts?: TooManyContactsPolicy;
  /** Expiry timer resolution in ms (default 1000): bindings disappear at most this late. */
  readonly expiryTickMs?: number;
  /** Clock (default Date.now). */
  readonly now?: () => number;
}

export interface InstrumentLines {
  readonly instrument: string;
  /** AORs (line appearances) with at least one binding registered by this instrument. */
  readonly aors: readonly string[];
}

export enum LocationServiceState {
  Stopped = 'stopped',
  Starting = 'starting',
  Running = 'running',
  Stopping = 'stopping',
}

const EMPTY: readonly BindingRecord[] = Object.freeze([]);

/**
 * The registrar's location service: an in-memory cache (every lookup is served from memory) in front of
 * a {@link LocationStore}. `applyRegister` persists first and updates the cache after the store
 * committed, so a REGISTER the registrar acknowledges after awaiting it survives a crash.
 *
 * Changes to one AOR are serialised (the second REGISTER for an AOR waits for the first to commit), so
 * the ordering and limit checks always see committed state. Indexes: AOR -> bindings,
 * instrument -> bindings (by instrument, and by AOR and instrument filtering an instrument's few lines), and
 * userIndex order for the SIP-SERVER-MIB registration tables.
 */
export class LocationService {
  private readonly store: LocationStore;
  private readonly log: Logger | undefined;
  private readonly now: () => number;
  /** The limits and index counters as planRegisterChange reads them. */
  private readonly planContext: RegisterPlanContext;
  // Sharded: these hold one entry per AOR / instrument, and a plain Map's growth step at a few hundred
  // thousand entries would pause REGISTER handling for tens of milliseconds (see ShardedMap).
  private readonly byAor = new ShardedMap<string, AorEntry>();
  /** instrument -> its bindings (an instrument has a handful of lines, so per-AOR filtering is O(1)). */
  private readonly byInstrumentIndex = new ShardedMap<string, Set<BindingRecord>>();
  private readonly order = new UserIndexOrder();
  private readonly wheel: ExpiryWheel<BindingRecord>;
  /** AORs with a change being committed -> who waits for their turn (null: nobody). */
  private readonly busy = new Map<string, (() => void)[] | null>();
  private readonly expirations: CounterChild | undefined;
  private inFlight = new Set<Promise<unknown>>();
  /** Told after each applied change (see onChange). */
  private changeListeners: ((aor: string, instrument: string | undefined) => void)[] = [];
  private bindingCount = 0;
  private nextUserIndex = 1;
  private nextContactIndex = 1;
  private stateValue = LocationServiceState.Stopped;

  constructor(components: LocationServiceComponents, init: LocationServiceInit = {}) {
    this.store = components.store;
    this.log = components.log?.child({ component: 'station.location' });
    this.now = init.now ?? Date.now;
    this.planContext = {
      maxContacts: Math.max(1, init.maxContactsPerAor ?? 10),
      policy: init.tooManyContacts ?? 'reject',
      userIndexForNewAor: () => this.nextUserIndex,
      takeContactIndex: () => this.nextContactIndex++,
    };
    this.wheel = new ExpiryWheel<BindingRecord>(
      // Records are immutable: a refresh cancels the old record and schedules the new one.
      { tickMs: init.expiryTickMs ?? 1000, now: this.now, dueAt: (b) => b.expiresAt },
      (items, now) => this.onExpire(items, now),
    );
    const m = components.metrics;
    if (m) {
      this.expirations = m
        .counter('registrar_binding_expirations', 'Bindings removed because they expired')
        .child();
      m.gauge('registrar_bindings', 'Bindings in the location service', () => this.bindingCount);
      m.gauge('registrar_aors', 'Addresses-of-record with at least one binding', () => this.byAor.size);
      m.gauge(
        'registrar_instruments',
        'Identified instruments with at least one binding',
        () => this.byInstrumentIndex.size,
      );
    }
  }

  get state(): LocationServiceState {
    return this.stateValue;
  }

  get size(): { bindings: number; aors: number; instruments: number } {
    return { bindings: this.bindingCount, aors: this.byAor.size, instruments: this.byInstrumentIndex.size };
  }

  /** Loads every unexpired binding from the store, purges expired rows and starts the expiry timer. */
  async start(): Promise<void> {
    if (this.stateValue !== LocationServiceState.Stopped) return;
    this.stateValue = LocationServiceState.Starting;
    const records = await this.store.loadAll();
    const now = this.now();
    let expired = 0;
    for (const r of records) {
      if (r.userIndex >= this.nextUserIndex) this.nextUserIndex = r.userIndex + 1;
      if (r.contactIndex >= this.nextContactIndex) this.nextContactIndex = r.contactIndex + 1;
      if (r.expiresAt <= now) {
        expired++;
        continue;
      }
      this.insert(storedBindingRecord(r));
    }
    if (expired > 0) await this.store.removeExpired(now);
    this.wheel.start();
    this.stateValue = LocationServiceState.Running;
    this.log?.info(
      { bindings: this.bindingCount, aors: this.byAor.size, purged: expired },
      'location service started',
    );
  }

  /** Stops the expiry timer and waits for in-flight writes. Does not close the store. */
  async stop(): Promise<void> {
    if (this.stateValue !== LocationServiceState.Running) return;
    this.stateValue = LocationServiceState.Stopping;
    this.wheel.stop();
    await Promise.allSettled([...this.inFlight]);
    this.stateValue = LocationServiceState.Stopped;
  }

  /** Runs the expiry sweep for `now` immediately (the timer does this every tick). */
  expireDue(now: number = this.now()): void {
    this.wheel.advance(now);
  }

  /** Resolves when the writes started so far (registrations, expiry sweeps) have settled. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Calls `listener(aor, instrument)` after a change of an AOR's bindings is applied to the cache
   * (register, refresh, removal, expiry): once per AOR and instrument concerned (`undefined` for
   * bindings without an instrument). Returns the function that removes the listener. Listeners run
   * synchronously and must not throw (errors are logged).
   */
  onChange(listener: (aor: string, instrument: string | undefined) => void): () => void {
    this.changeListeners = [...this.changeListeners, listener];
    return () => {
      this.changeListeners = this.changeListeners.filter((l) => l !== listener);
    };
  }

  // ---------------------------------------------------------------- lookups (memory only)

  /** Live bindings of an AOR, highest q first, then most recently refreshed. */
  lookup(aor: string): readonly BindingRecord[] {
    const e = this.byAor.get(aor);
    if (!e) return EMPTY;
    return this.liveList(e, this.now());
  }

  /** Every live binding registered by the instrument (all its line appearances). */
  byInstrument(instrument: string): BindingRecord[] {
    const set = this.byInstrumentIndex.get(instrument);
    if (!set) return [];
    const now = this.now();
    const out: BindingRecord[] = [];
    for (const b of set) if (b.expiresAt > now) out.push(b);
    return out;
  }

  /** Live bindings of one AOR registered by one instrument (usually one: a single line appearance). */
  byAorAndInstrument(aor: string, instrument: string): BindingRecord[] {
    const set = this.byInstrumentIndex.get(instrument);
    if (!set) return [];
    const now = this.now();
    const out: BindingRecord[] = [];
    for (const b of set) if (b.aor === aor && b.expiresAt > now) out.push(b);
    return out;
  }

  /** Every known instrument and the AORs (lines) it has registered. */
  listInstruments(): InstrumentLines[] {
    const out: InstrumentLines[] = [];
    for (const [instrument, set] of this.byInstrumentIndex) {
      const aors = new Set<string>();
      for (const b of set) aors.add(b.aor);
      out.push({ instrument, aors: [...aors] });
    }
    return out;
  }

  /** The binding of `aor` with this contact key, if live. */
  get(aor: string, key: string): BindingRecord | undefined {
    const b = this.byAor.get(aor)?.bindings.get(key);
    return b && b.expiresAt > this.now() ? b : undefined;
  }

  // ---------------------------------------------------------------- SNMP-friendly ordered access

  /** AORs in sipServerRegUserIndex order with their bindings in sipServerRegContactIndex order. */
  *entries(): Generator<{ userIndex: number; aor: string; bindings: BindingRecord[] }> {
    for (const e of this.order.iterate())
      yield { userIndex: e.userIndex, aor: e.aor, bindings: sortedByContactIndex(e) };
  }

  userByIndex(userIndex: number): { userIndex: number; aor: string } | undefined {
    const e = this.order.get(userIndex);
    return e ? { userIndex: e.userIndex, aor: e.aor } : undefined;
  }

  /** The first user with index > `after` (GETNEXT on sipServerRegUserTable). */
  nextUser(after: number): { userIndex: number; aor: string } | undefined {
    const e = this.order.next(after);
    return e ? { userIndex: e.userIndex, aor: e.aor } : undefined;
  }

  contactByIndex(userIndex: number, contactIndex: number): BindingRecord | undefined {
    const e = this.order.get(userIndex);
    if (!e) return undefined;
    for (const b of e.bindings.values()) if (b.contactIndex === contactIndex) return b;
    return undefined;
  }

  /** The first (userIndex, contactIndex) after the given pair (GETNEXT on sipServerRegContactTable). */
  nextContact(userIndex: number, contactIndex: number): BindingRecord | undefined {
    let e = this.order.get(userIndex) ?? this.order.next(userIndex);
    let after = e && e.userIndex === userIndex ? contactIndex : 0;
    while (e) {
      let best: BindingRecord | undefined;
      for (const b of e.bindings.values())
        if (b.contactIndex > after && (!best || b.contactIndex < best.contactIndex)) best = b;
      if (best) return best;
      e = this.order.next(e.userIndex);
      after = 0;
    }
    return undefined;
  }

  // ---------------------------------------------------------------- changes

  /**
   * Applies one REGISTER's changes to `aor`: checks Call-ID/CSeq ordering and the contact limit against
   * committed state, persists (awaiting the group commit), then updates the cache. Outcomes are values;
   * nothing is changed unless `ok` is true.
   */
  applyRegister(aor: string, changes: RegisterChanges): Promise<RegisterOutcome> {
    if (this.stateValue !== LocationServiceState.Running)
      return Promise.reject(new Error(`LocationService.applyRegister called while ${this.stateValue}`));
    const waiters = this.busy.get(aor);
    if (waiters !== undefined) {
      // Another change of this AOR is being committed: wait for it (FIFO per AOR).
      return new Promise<void>((resolve) => {
        if (waiters === null) this.busy.set(aor, [resolve]);
        else waiters.push(resolve);
      }).then(() => this.runLocked(aor, changes));
    }
    // null: busy, nobody waiting (no array allocated for the common case).
    this.busy.set(aor, null);
    return this.runLocked(aor, changes);
  }

  /**
   * Runs one change of `aor` while holding its turn; the turn is handed on (see `release`) by
   * `applyLocked` when its outcome is known, inside the store write's own continuation (no extra promise
   * reaction per REGISTER).
   */
  private runLocked(aor: string, changes: RegisterChanges): Promise<RegisterOutcome> {
    try {
      return this.applyLocked(aor, changes);
    } catch (err) {
      this.release(aor, undefined);
      return Promise.reject(err);
    }
  }

  /** Ends the turn of `aor`: the next waiting change (if any) runs. */
  private release(aor: string, p: Promise<unknown> | undefined): void {
    if (p !== undefined) this.inFlight.delete(p);
    const q = this.busy.get(aor);
    const next = q?.shift();
    if (next) next();
    else this.busy.delete(aor);
  }

  private applyLocked(aor: string, changes: RegisterChanges): Promise<RegisterOutcome> {
    const now = this.now();
    const entry = this.byAor.get(aor);
    const plan = planRegisterChange(aor, changes, entry, now, this.planContext);
    switch (plan.kind) {
      case 'refused':
        return this.settle(aor, plan.outcome);
      case 'unchanged':
        return this.settle(aor, {
          ok: true,
          bindings: entry ? this.liveList(entry, now) : EMPTY,
          added: 0,
          refreshed: 0,
          removed: 0,
          evicted: 0,
        });
      case 'write':
        if (!entry) this.nextUserIndex++;
        return this.persist(aor, plan);
    }
  }

  /**
   * Writes the planned change to the store and, once it committed, to the cache; ends the turn of
   * `aor`.
   */
  private persist(aor: string, plan: RegisterWritePlan): Promise<RegisterOutcome> {
    const { upserts, removals, before } = plan;
    const removeKeys: BindingKey[] = [];
    for (const b of removals)
      removeKeys.push({ aor, contactKey: b.contactKey, contactIndex: b.contactIndex });
    let written: Promise<void>;
    try {
      written = this.store.write({ upsert: upserts, remove: removeKeys });
    } catch (err) {
      written = Promise.reject(err);
    }
    const done: Promise<RegisterOutcome> = written.then(
      (): RegisterOutcome => {
        try {
          const at = this.now();
          for (const b of removals) this.removeBinding(aor, b.contactKey);
          let e: AorEntry | undefined;
          for (const r of upserts) e = this.insert(r);
          if (this.changeListeners.length > 0) this.emitChanges(aor, removals, upserts, before);
          if (e === undefined) e = this.byAor.get(aor);
          return {
            ok: true,
            bindings: e ? this.liveList(e, at) : EMPTY,
            added: plan.added,
            refreshed: plan.refreshed,
            removed: plan.removed,
            evicted: plan.evicted,
          };
        } finally {
          this.release(aor, done);
        }
      },
      (error: unknown): RegisterOutcome => {
        this.release(aor, done);
        this.log?.error({ err: error, aor }, 'persisting registration failed');
        return { ok: false, reason: 'storage-failed', error };
      },
    );
    this.inFlight.add(done);
    return done;
  }

  /** An outcome decided without a store write: the turn of `aor` ends now. */
  private settle(aor: string, outcome: RegisterOutcome): Promise<RegisterOutcome> {
    this.release(aor, undefined);
    return Promise.resolve(outcome);
  }

  // ---------------------------------------------------------------- cache maintenance

  /** Puts `r` in the cache (replacing the binding with its key) and returns the AOR's entry. */
  private insert(r: BindingRecord): AorEntry {
    let e = this.byAor.get(r.aor);
    if (!e) {
      e = {
        aor: r.aor,
        userIndex: r.userIndex,
        bindings: new ContactMap(r.contactKey, r),
        list: undefined,
        dead: false,
      };
      this.byAor.set(r.aor, e);
      this.order.add(e);
      this.bindingCount++;
      this.indexAndSchedule(r);
      return e;
    }
    const old = e.bindings.get(r.contactKey);
    if (old) {
      this.unindexInstrument(old);
      this.wheel.cancel(old);
      if (old.contactIndex !== r.contactIndex) e.bindings.delete(r.contactKey);
    } else this.bindingCount++;
    e.bindings.set(r.contactKey, r);
    e.list = undefined;
    this.indexAndSchedule(r);
    return e;
  }

  private indexAndSchedule(r: BindingRecord): void {
    if (r.instrument !== undefined) {
      let set = this.byInstrumentIndex.get(r.instrument);
      if (!set) {
        set = new Set();
        this.byInstrumentIndex.set(r.instrument, set);
      }
      set.add(r);
    }
    this.wheel.schedule(r);
  }

  private removeBinding(aor: string, key: string): BindingRecord | undefined {
    const e = this.byAor.get(aor);
    const b = e?.bindings.get(key);
    if (!e || !b) return undefined;
    e.bindings.delete(key);
    e.list = undefined;
    this.bindingCount--;
    this.wheel.cancel(b);
    this.unindexInstrument(b);
    if (e.bindings.size === 0) {
      this.byAor.delete(aor);
      this.order.remove(e);
    }
    return b;
  }

  private unindexInstrument(b: BindingRecord): void {
    if (b.instrument === undefined) return;
    const set = this.byInstrumentIndex.get(b.instrument);
    if (!set || !set.delete(b)) return;
    if (set.size === 0) this.byInstrumentIndex.delete(b.instrument);
  }

  private liveList(e: AorEntry, now: number): readonly BindingRecord[] {
    const one = e.bindings.only();
    if (one !== undefined) return one.expiresAt > now ? [one] : EMPTY;
    let list = e.list;
    if (!list) {
      list = [...e.bindings.values()].sort(byPreference);
      e.list = list;
    }
    // The wheel removes expired bindings at most a tick late: until then, leave them out here.
    for (const b of list) if (b.expiresAt <= now) return list.filter((x) => x.expiresAt > now);
    return list;
  }

  private onExpire(items: BindingRecord[], now: number): void {
    const expired: BindingRecord[] = [];
    for (const b of items) {
      // Only if it is still the current record (not refreshed meanwhile) and really due.
      if (b.expiresAt > now || this.byAor.get(b.aor)?.bindings.get(b.contactKey) !== b) continue;
      this.removeBinding(b.aor, b.contactKey);
      expired.push(b);
      this.expirations?.inc();
      if (this.changeListeners.length > 0) this.emitChange(b.aor, b.instrument);
      this.log?.info({ aor: b.aor, contact: b.contact, instrument: b.instrument }, 'binding expired');
    }
    if (expired.length === 0) return;
    // Deletes these rows if their expires_at <= now only: a refresh committed meanwhile carries a later
    // expiry. Rows left by a failed write are loaded as expired at the next start and swept then.
    const p = this.store.removeExpired(now, expired).catch((err: unknown) => {
      this.log?.warn({ err }, 'persisting expirations failed; the rows are swept at the next start');
    });
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** onChange listeners, once per instrument among the removed, new and replaced bindings. */
  private emitChanges(
    aor: string,
    removals: readonly BindingRecord[],
    upserts: readonly BindingRecord[],
    before: ReadonlyMap<string, BindingRecord> | BindingRecord | undefined,
  ): void {
    const priorOf = (k: string): BindingRecord | undefined =>
      before instanceof Map ? before.get(k) : (before as BindingRecord | undefined);
    if (removals.length === 0 && upserts.length === 1) {
      // The common REGISTER: one contact added or refreshed (no set allocated).
      const r = upserts[0] as BindingRecord;
      this.emitChange(aor, r.instrument);
      const old = priorOf(r.contactKey);
      if (old && old.instrument !== r.instrument) this.emitChange(aor, old.instrument);
      return;
    }
    const instruments = new Set<string | undefined>();
    for (const b of removals) instruments.add(b.instrument);
    for (const b of upserts) {
      instruments.add(b.instrument);
      const old = priorOf(b.contactKey);
      if (old) instruments.add(old.instrument);
    }
    for (const i of instruments) this.emitChange(aor, i);
  }

  private emitChange(aor: string, instrument: string | undefined): void {
    for (const l of this.changeListeners) {
      try {
        l(aor, instrument);
      } catch (err) {
        this.log?.error({ err, aor }, 'location change listener failed');
      }
    }
  }
}

function qOf(b: Binding): number {
  const q = b.contactParams?.['q'];
  if (q === undefined || q === null) return 1;
  const v = Number(q);
  return Number.isFinite(v) ? v : 1;
}

function byPreference(a: BindingRecord, b: BindingRecord): number {
  return qOf(b) - qOf(a) || b.receivedAt - a.receivedAt || a.contactIndex - b.contactIndex;
}

function sortedByContactIndex(e: AorEntry): BindingRecord[] {
  return [...e.bindings.values()].sort((a, b) => a.contactIndex - b.contactIndex);
}
