import { oid } from '../ber/oid.js';
import type { MibRegistry } from '../mib/mib-registry.js';
import { ScalarHandler } from '../mib/scalar-handler.js';
import { MPD_COUNTERS, SNMP_GROUP_COUNTERS, type SnmpCounterName, type SnmpStats } from './snmp-stats.js';

export const SNMP_GROUP_OID = oid('1.3.6.1.2.1.11');
export const SNMP_MPD_STATS_OID = oid('1.3.6.1.6.3.11.2.1');

export interface SnmpGroupState {
  /** snmpEnableAuthenTraps: enabled(1) / disabled(2). */
  enableAuthenTraps: 1 | 2;
}

/**
 * Registers the SNMPv2-MIB `snmp` group (RFC 3418) and snmpMPDStats (RFC 3412 §5) reading the counters
 * from SnmpStats, i.e. from the MetricsRegistry (Counter32 wraps modulo 2^32).
 */
export function registerSnmpGroup(
  registry: MibRegistry,
  stats: SnmpStats,
  state: SnmpGroupState = { enableAuthenTraps: 2 },
): void {
  const add = (base: readonly number[], table: Record<string, number>): void => {
    for (const [name, sub] of Object.entries(table)) {
      const root = [...base, sub];
      registry.register(
        root,
        new ScalarHandler(root, {
          get: () => ({ type: 'Counter32', value: stats.get(name as SnmpCounterName) % 2 ** 32 }),
        }),
      );
    }
  };
  add(SNMP_GROUP_OID, SNMP_GROUP_COUNTERS);
  add(SNMP_MPD_STATS_OID, MPD_COUNTERS);
  const auth = [...SNMP_GROUP_OID, 30];
  registry.register(
    auth,
    new ScalarHandler(auth, {
      get: () => ({ type: 'Integer', value: state.enableAuthenTraps }),
      set: {
        type: 'Integer',
        validate: (v) =>
          v.type === 'Integer' && (v.value === 1 || v.value === 2) ? undefined : 'wrongValue',
        apply: (v) => {
          if (v.type !== 'Integer') return false;
          state.enableAuthenTraps = v.value as 1 | 2;
          return true;
        },
      },
    }),
  );
}
