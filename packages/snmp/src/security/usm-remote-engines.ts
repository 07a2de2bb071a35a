import { MAX_ENGINE_VALUE } from './engine-clock.js';

/**
 * The non-authoritative side of the USM LCD (RFC 3414 §2.3): for every remote authoritative engine,
 * "snmpEngineBoots, snmpEngineTime and latestReceivedEngineTime" as last synchronised, and the local
 * time of that synchronisation so that the current remote time can be estimated.
 *
 * Also remembers the msgIDs of outstanding discovery requests (empty msgAuthoritativeEngineID) so
 * that only the Reports answering them may add a new engine (RFC 3414 §3.2 step 3a, "a non-
 * authoritative SNMP engine that performs discovery may optionally create a new entry").
 */
export interface RemoteEngineTime {
  boots: number;
  time: number;
  latestReceivedEngineTime: number;
  /** Local monotonic ms when `time` was taken. */
  syncedAtMs: number;
  /**
   * False while boots/time are only a hint from an unauthenticated discovery Report: used to fill in
   * outgoing requests (saving one round trip) but replaced by the first authenticated values.
   */
  authenticated: boolean;
}

export interface UsmRemoteEnginesInit {
  nowMs: () => number;
  /** Most remote engines remembered (oldest forgotten first). Default 10,000. */
  maxEngines?: number;
  /** How long a discovery msgID stays valid, ms. Default 60,000. */
  discoveryTtlMs?: number;
}

export class UsmRemoteEngines {
  private readonly engines = new Map<string, RemoteEngineTime>();
  private readonly discoveries = new Map<number, number>();
  private readonly nowMs: () => number;
  private readonly maxEngines: number;
  private readonly discoveryTtlMs: number;

  constructor(init: UsmRemoteEnginesInit) {
    this.nowMs = init.nowMs;
    this.maxEngines = init.maxEngines ?? 10_000;
    this.discoveryTtlMs = init.discoveryTtlMs ?? 60_000;
  }

  has(engineId: Buffer): boolean {
    return this.engines.has(engineId.toString('latin1'));
  }

  get(engineId: Buffer): RemoteEngineTime | undefined {
    return this.engines.get(engineId.toString('latin1'));
  }

  /** Adds an engine at boots/time 0 unless known (for requests to a configured engine ID). */
  ensure(engineId: Buffer): RemoteEngineTime {
    const id = engineId.toString('latin1');
    let e = this.engines.get(id);
    if (!e) {
      if (this.engines.size >= this.maxEngines) {
        const oldest = this.engines.keys().next();
        if (!oldest.done) this.engines.delete(oldest.value);
      }
      e = { boots: 0, time: 0, latestReceivedEngineTime: 0, syncedAtMs: this.nowMs(), authenticated: false };
      this.engines.set(id, e);
    }
    return e;
  }

  /** The values to put in an outgoing request: boots and the estimated current remote time. */
  current(engineId: Buffer): { boots: number; time: number } {
    const e = this.engines.get(engineId.toString('latin1'));
    if (!e) return { boots: 0, time: 0 };
    const elapsed = Math.floor((this.nowMs() - e.syncedAtMs) / 1000);
    return { boots: e.boots, time: Math.min(e.time + Math.max(0, elapsed), MAX_ENGINE_VALUE) };
  }

  /**
   * RFC 3414 §3.2 step 7b: "the local notion of the value of snmpEngineBoots, snmpEngineTime and
   * latestReceivedEngineTime ... is updated if (msgAuthoritativeEngineBoots > snmpEngineBoots) OR
   * (msgAuthoritativeEngineBoots == snmpEngineBoots AND msgAuthoritativeEngineTime >
   * latestReceivedEngineTime)". Then the message is outside the window when "the local notion of
   * snmpEngineBoots is 2147483647 ... or msgAuthoritativeEngineBoots < snmpEngineBoots ... or [equal
   * and] msgAuthoritativeEngineTime is more than 150 seconds less than the local notion of
   * snmpEngineTime". Returns true when in the time window.
   */
  synchronise(engineId: Buffer, msgBoots: number, msgTime: number): boolean {
    const e = this.ensure(engineId);
    if (
      !e.authenticated ||
      msgBoots > e.boots ||
      (msgBoots === e.boots && msgTime > e.latestReceivedEngineTime)
    ) {
      e.authenticated = true;
      e.boots = msgBoots;
      e.time = msgTime;
      e.latestReceivedEngineTime = msgTime;
      e.syncedAtMs = this.nowMs();
    }
    const local = this.current(engineId);
    if (local.boots >= MAX_ENGINE_VALUE) return false;
    if (msgBoots < local.boots) return false;
    if (msgBoots === local.boots && msgTime < local.time - 150) return false;
    return true;
  }

  /** Stores unauthenticated boots/time from a discovery Report as a hint (never trusted for checks). */
  hint(engineId: Buffer, boots: number, time: number): void {
    const e = this.ensure(engineId);
    if (e.authenticated) return;
    e.boots = boots;
    e.time = time;
    e.syncedAtMs = this.nowMs();
  }

  /** Records an outstanding discovery request. */
  expectDiscovery(msgId: number): void {
    const now = this.nowMs();
    if (this.discoveries.size >= 1024) {
      for (const [id, exp] of this.discoveries) if (exp <= now) this.discoveries.delete(id);
      if (this.discoveries.size >= 1024) {
        const oldest = this.discoveries.keys().next();
        if (!oldest.done) this.discoveries.delete(oldest.value);
      }
    }
    this.discoveries.set(msgId, now + this.discoveryTtlMs);
  }

  /** True (once) when `msgId` answers an outstanding discovery request. */
  takeDiscovery(msgId: number): boolean {
    const exp = this.discoveries.get(msgId);
    if (exp === undefined) return false;
    this.discoveries.delete(msgId);
    return exp > this.nowMs();
  }

  get size(): number {
    return this.engines.size;
  }
}
