import type { CounterChild, MetricsRegistry } from '@beckon/ops';
import type { Oid } from '../ber/oid.js';

/** The snmpTsmStats group (SNMP-TSM-MIB, RFC 5591 §6: snmpTsmMIB = mib-2 190; snmpTsmStats = .1.1). */
export type TsmStatName =
  | 'snmpTsmInvalidCaches'
  | 'snmpTsmInadequateSecurityLevels'
  | 'snmpTsmUnknownPrefixes'
  | 'snmpTsmInvalidPrefixes';

export const TSM_STATS_OID: Oid = [1, 3, 6, 1, 2, 1, 190, 1, 1];
/** snmpTsmConfigurationUsePrefix (TruthValue, read-write) = snmpTsmConfiguration 1 = .190.1.2.1. */
export const TSM_USE_PREFIX_OID: Oid = [1, 3, 6, 1, 2, 1, 190, 1, 2, 1];

export const TSM_STAT_ARC: Readonly<Record<TsmStatName, number>> = Object.freeze({
  snmpTsmInvalidCaches: 1,
  snmpTsmInadequateSecurityLevels: 2,
  snmpTsmUnknownPrefixes: 3,
  snmpTsmInvalidPrefixes: 4,
});

export const TSM_STAT_NAMES: readonly TsmStatName[] = Object.freeze(
  Object.keys(TSM_STAT_ARC) as TsmStatName[],
);

export function tsmStatInstanceOid(name: TsmStatName): Oid {
  return [...TSM_STATS_OID, TSM_STAT_ARC[name], 0];
}

export const TSM_STATS_METRIC = 'snmp_tsm_stats_total';

/** The four snmpTsmStats counters of one TSM instance (`snmp_tsm_stats_total{instance, stat}`). */
export class TsmStats {
  private readonly children: Readonly<Record<TsmStatName, CounterChild>>;
  private readonly oids: Readonly<Record<TsmStatName, Oid>>;

  constructor(metrics: MetricsRegistry, instance: string) {
    const c = metrics.counter(
      TSM_STATS_METRIC,
      'SNMP Transport Security Model statistics (SNMP-TSM-MIB snmpTsmStats)',
      ['instance', 'stat'],
    );
    const children = {} as Record<TsmStatName, CounterChild>;
    const oids = {} as Record<TsmStatName, Oid>;
    for (const n of TSM_STAT_NAMES) {
      children[n] = c.child(instance, n);
      oids[n] = tsmStatInstanceOid(n);
    }
    this.children = children;
    this.oids = oids;
  }

  /** Increments and returns the new value with the instance OID (for a Report varbind). */
  inc(name: TsmStatName): { oid: Oid; value: number } {
    const ch = this.children[name];
    ch.inc();
    return { oid: this.oids[name], value: ch.value % 0x1_0000_0000 };
  }

  get(name: TsmStatName): number {
    return this.children[name].value % 0x1_0000_0000;
  }
}
