import { V } from '../ber/snmp-value.js';
import type { MibRegistry, RegisterResult } from '../mib/mib-registry.js';
import { ScalarHandler } from '../mib/scalar-handler.js';
import {
  TSM_STAT_ARC,
  TSM_STAT_NAMES,
  TSM_STATS_OID,
  TSM_USE_PREFIX_OID,
  type TsmStats,
} from './tsm-stats.js';

/** Where snmpTsmConfigurationUsePrefix lives (the TransportSecurityModel implements it). */
export interface TsmPrefixConfig {
  usePrefix: boolean;
}

/**
 * Registers snmpTsmStats (1.3.6.1.2.1.190.1.1.1-4, Counter32, read-only, read live from `stats`) and,
 * when `config` is given, snmpTsmConfigurationUsePrefix (1.3.6.1.2.1.190.1.2.1, TruthValue: true(1),
 * false(2); read-write). Returns an unregister function or the first error (nothing left registered).
 */
export function registerTsmStatsMib(
  registry: MibRegistry,
  stats: TsmStats,
  config?: TsmPrefixConfig,
): RegisterResult {
  const handlers: ScalarHandler[] = TSM_STAT_NAMES.map(
    (name) =>
      new ScalarHandler([...TSM_STATS_OID, TSM_STAT_ARC[name]], { get: () => V.counter32(stats.get(name)) }),
  );
  if (config) {
    handlers.push(
      new ScalarHandler(TSM_USE_PREFIX_OID, {
        get: () => V.int(config.usePrefix ? 1 : 2),
        set: {
          type: 'Integer',
          validate: (v) =>
            v.type === 'Integer' && (v.value === 1 || v.value === 2) ? undefined : 'wrongValue',
          apply: (v) => {
            if (v.type !== 'Integer') return false;
            config.usePrefix = v.value === 1;
            return true;
          },
        },
      }),
    );
  }
  const undo: (() => void)[] = [];
  for (const h of handlers) {
    const r = registry.register(h.root, h);
    if (!r.ok) {
      for (const u of undo) u();
      return r;
    }
    undo.push(r.unregister);
  }
  return { ok: true, unregister: () => undo.forEach((u) => u()) };
}
