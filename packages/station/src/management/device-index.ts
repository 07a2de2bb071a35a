import { isSipUri, parseSipUri, type NotifierSubscription } from '@beckon/sip';
import { normalizeInstrumentId } from '../instrument/normalize-instrument.js';
import { instrumentFromDeviceUser, uriKeyOf, type MgmtSubscriptionState } from './management-req-package.js';

/** The part of the location service used to address devices by AOR or instrument (optional). */
export interface ManagementLocationLookup {
  lookup(aor: string): readonly { instrument?: string }[];
  byInstrument(instrument: string): readonly { aor: string }[];
}

export type TargetKeys = { ok: true; keys: string[] } | { ok: false; error: string };

/**
 * Lookup keys for an operator's target: a device URI (`sip:MAC%3aFF00000036C5@example.com`), an AOR
 * (`sip:alice@example.com`) or an instrument id (MAC or URN, seed 002). The location service, when
 * present, links AORs and instruments (`byInstrument`), so either form finds a device that subscribed
 * under the other.
 */
export function targetKeys(target: string, location?: ManagementLocationLookup): TargetKeys {
  const t = target.trim();
  if (t.length === 0) return { ok: false, error: 'empty target' };
  const keys: string[] = [];
  const add = (k: string): void => {
    if (!keys.includes(k)) keys.push(k);
  };
  if (/^sips?:/i.test(t)) {
    const p = parseSipUri(t.startsWith('<') ? t.slice(1, -1) : t);
    if (!p.ok || !isSipUri(p.value)) return { ok: false, error: `not a SIP URI: ${t}` };
    const u = p.value;
    add(uriKeyOf(u));
    const inst = instrumentFromDeviceUser(u.user);
    if (inst !== undefined) add(`inst:${inst}`);
    if (location && u.user !== undefined) {
      for (const b of location.lookup(`sip:${u.user}@${u.host.toLowerCase()}`))
        if (b.instrument !== undefined) add(`inst:${b.instrument}`);
    }
    return { ok: true, keys };
  }
  const inst = normalizeInstrumentId(t);
  if (inst === undefined || /\s/.test(t))
    return { ok: false, error: `not a device URI, AOR or instrument id: ${t}` };
  add(`inst:${inst}`);
  if (location) {
    for (const b of location.byInstrument(inst)) {
      const p = parseSipUri(b.aor);
      if (p.ok) add(uriKeyOf(p.value));
    }
  }
  return { ok: true, keys };
}

/** Live management-req subscriptions by lookup key and by canonical device id. */
export class DeviceIndex {
  private readonly byKey = new Map<string, Set<string>>();
  private readonly subs = new Map<string, MgmtSubscriptionState>();
  /** Latest subscription that became ready, per device. */
  private readonly latest = new Map<string, string>();

  get size(): number {
    return this.subs.size;
  }

  /** Indexes (or re-indexes) a subscription; returns its state, or undefined when it has none. */
  add(sub: NotifierSubscription): MgmtSubscriptionState | undefined {
    const st = sub.packageState as MgmtSubscriptionState | null;
    if (!st || !Array.isArray(st.keys)) return undefined;
    this.remove(sub.id);
    this.subs.set(sub.id, st);
    for (const k of st.keys) {
      let s = this.byKey.get(k);
      if (!s) this.byKey.set(k, (s = new Set()));
      s.add(sub.id);
    }
    this.latest.set(st.device, sub.id);
    return st;
  }

  remove(id: string): void {
    const st = this.subs.get(id);
    if (!st) return;
    this.subs.delete(id);
    for (const k of st.keys) {
      const s = this.byKey.get(k);
      if (!s) continue;
      s.delete(id);
      if (s.size === 0) this.byKey.delete(k);
    }
    if (this.latest.get(st.device) === id) {
      const other = this.byKey.get(st.device);
      const next = other ? [...other].pop() : undefined;
      if (next !== undefined) this.latest.set(st.device, next);
      else this.latest.delete(st.device);
    }
  }

  state(id: string): MgmtSubscriptionState | undefined {
    return this.subs.get(id);
  }

  /** The device a set of lookup keys names (first key that has a subscription). */
  deviceFor(keys: readonly string[]): string | undefined {
    for (const k of keys) {
      const s = this.byKey.get(k);
      if (!s || s.size === 0) continue;
      const id = [...s].pop() as string;
      return this.subs.get(id)?.device;
    }
    return undefined;
  }

  /** The subscription to notify for a device (the latest one). */
  subscriptionOf(device: string): string | undefined {
    return this.latest.get(device);
  }
}
