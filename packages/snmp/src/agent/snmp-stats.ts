import type { CounterChild, MetricsRegistry } from '@beckon/ops';

/**
 * SNMPv2-MIB `snmp` group (RFC 3418 §2) and SNMP-MPD-MIB / SNMP-TARGET-MIB engine counters. The numbers
 * live in the MetricsRegistry (one counter `snmp_engine_stats_total{counter=...}`) so Prometheus, the REST
 * API and the SNMP MIB all read the same values.
 */
export const SNMP_GROUP_COUNTERS = {
  snmpInPkts: 1,
  snmpOutPkts: 2,
  snmpInBadVersions: 3,
  snmpInBadCommunityNames: 4,
  snmpInBadCommunityUses: 5,
  snmpInASNParseErrs: 6,
  snmpInTooBigs: 8,
  snmpInNoSuchNames: 9,
  snmpInBadValues: 10,
  snmpInReadOnlys: 11,
  snmpInGenErrs: 12,
  snmpInTotalReqVars: 13,
  snmpInTotalSetVars: 14,
  snmpInGetRequests: 15,
  snmpInGetNexts: 16,
  snmpInSetRequests: 17,
  snmpInGetResponses: 18,
  snmpInTraps: 19,
  snmpOutTooBigs: 20,
  snmpOutNoSuchNames: 21,
  snmpOutBadValues: 22,
  snmpOutGenErrs: 24,
  snmpOutGetRequests: 25,
  snmpOutGetNexts: 26,
  snmpOutSetRequests: 27,
  snmpOutGetResponses: 28,
  snmpOutTraps: 29,
  snmpSilentDrops: 31,
  snmpProxyDrops: 32,
} as const;

/** SNMP-MPD-MIB snmpMPDStats (1.3.6.1.6.3.11.2.1). */
export const MPD_COUNTERS = {
  snmpUnknownSecurityModels: 1,
  snmpInvalidMsgs: 2,
  snmpUnknownPDUHandlers: 3,
} as const;

export type SnmpCounterName = keyof typeof SNMP_GROUP_COUNTERS | keyof typeof MPD_COUNTERS;

export class SnmpStats {
  private readonly children = new Map<SnmpCounterName, CounterChild>();

  constructor(metrics: MetricsRegistry, name = 'snmp_engine_stats_total') {
    const c = metrics.counter(name, 'SNMP engine counters (SNMPv2-MIB snmp group, SNMP-MPD-MIB)', [
      'counter',
    ]);
    for (const k of [...Object.keys(SNMP_GROUP_COUNTERS), ...Object.keys(MPD_COUNTERS)] as SnmpCounterName[])
      this.children.set(k, c.child(k));
  }

  inc(name: SnmpCounterName, n = 1): void {
    this.children.get(name)!.inc(n);
  }

  get(name: SnmpCounterName): number {
    return this.children.get(name)!.value;
  }
}
