import type { CounterChild, MetricsRegistry } from '@beckon/ops';
import type { Oid } from '../ber/oid.js';

/** The usmStats group (SNMP-USER-BASED-SM-MIB, 1.3.6.1.6.3.15.1.1). */
export type UsmStatName =
  | 'usmStatsUnsupportedSecLevels'
  | 'usmStatsNotInTimeWindows'
  | 'usmStatsUnknownUserNames'
  | 'usmStatsUnknownEngineIDs'
  | 'usmStatsWrongDigests'
  | 'usmStatsDecryptionErrors';

export const USM_STATS_OID: Oid = [1, 3, 6, 1, 6, 3, 15, 1, 1];

/** Sub-identifier of each object under usmStats; the scalar instance adds `.0`. */
export const USM_STAT_ARC: Readonly<Record<UsmStatName, number>> = Object.freeze({
  usmStatsUnsupportedSecLevels: 1,
  usmStatsNotInTimeWindows: 2,
  usmStatsUnknownUserNames: 3,
  usmStatsUnknownEngineIDs: 4,
  usmStatsWrongDigests: 5,
  usmStatsDecryptionErrors: 6,
});

export const USM_STAT_NAMES: readonly UsmStatName[] = Object.freeze(
  Object.keys(USM_STAT_ARC) as UsmStatName[],
);

/** The scalar instance OID, e.g. usmStatsUnknownEngineIDs.0 = 1.3.6.1.6.3.15.1.1.4.0. */
export function usmStatInstanceOid(name: UsmStatName): Oid {
  return [...USM_STATS_OID, USM_STAT_ARC[name], 0];
}

/** Metric name in the MetricsRegistry (labels: instance, stat). */
export const USM_STATS_METRIC = 'snmp_usm_stats_total';

/**
 * The six usmStats counters of one USM instance, kept in the process MetricsRegistry under
 * `snmp_usm_stats_total{instance, stat}` (stat = the MIB object name). Counter32 on the wire: readers
 * take the value modulo 2^32.
 */
export class UsmStats {
  private readonly children: Readonly<Record<UsmStatName, CounterChild>>;
  private readonly oids: Readonly<Record<UsmStatName, Oid>>;

  constructor(metrics: MetricsRegistry, instance: string) {
    const c = metrics.counter(
      USM_STATS_METRIC,
      'SNMPv3 USM error statistics (SNMP-USER-BASED-SM-MIB usmStats)',
      ['instance', 'stat'],
    );
    const children = {} as Record<UsmStatName, CounterChild>;
    const oids = {} as Record<UsmStatName, Oid>;
    for (const n of USM_STAT_NAMES) {
      children[n] = c.child(instance, n);
      oids[n] = usmStatInstanceOid(n);
    }
    this.children = children;
    this.oids = oids;
  }

  /** Increments and returns the new value with the instance OID (for the Report varbind). */
  inc(name: UsmStatName): { oid: Oid; value: number } {
    const ch = this.children[name];
    ch.inc();
    return { oid: this.oids[name], value: ch.value % 0x1_0000_0000 };
  }

  /** Current value as Counter32. */
  get(name: UsmStatName): number {
    return this.children[name].value % 0x1_0000_0000;
  }
}
