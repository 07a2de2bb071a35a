import { V } from '../ber/snmp-value.js';
import type { MibRegistry, RegisterResult } from '../mib/mib-registry.js';
import { ScalarHandler } from '../mib/scalar-handler.js';
import { USM_STAT_ARC, USM_STAT_NAMES, USM_STATS_OID, type UsmStats } from './usm-stats.js';

/**
 * Registers the six usmStats scalars (SNMP-USER-BASED-SM-MIB 1.3.6.1.6.3.15.1.1.1-6, Counter32,
 * read-only) in `registry`, read live from `stats`. Returns an unregister function, or the first
 * registration error (everything registered so far is removed again).
 */
export function registerUsmStatsMib(registry: MibRegistry, stats: UsmStats): RegisterResult {
  const undo: (() => void)[] = [];
  for (const name of USM_STAT_NAMES) {
    const handler = new ScalarHandler([...USM_STATS_OID, USM_STAT_ARC[name]], {
      get: () => V.counter32(stats.get(name)),
    });
    const r = registry.register(handler.root, handler);
    if (!r.ok) {
      for (const u of undo) u();
      return r;
    }
    undo.push(r.unregister);
  }
  return { ok: true, unregister: () => undo.forEach((u) => u()) };
}
