import type { Logger } from '@beckon/ops';
import { TableHandler, type MibRegistry, type SnmpValue } from '@beckon/snmp';
import { applRowSource } from './appl-indexed-source.js';
import { APPL_ENTRY, COLUMNS } from './oids.js';
import type { SipApplication, SipOperStatus } from './sip-common-sources.js';
import { counter32, gauge32, int, str, timeStamp } from './smi-values.js';
import { registerOrLog, type Registration } from './registration.js';

/** NETWORK-SERVICES-MIB applOperStatus values (RFC 2788). */
export const ApplOperStatus = {
  up: 1,
  down: 2,
  halted: 3,
  congested: 4,
  restarting: 5,
  quiescing: 6,
} as const;

/**
 * RFC 4780 §5.2 mapping of sipCommonCfgServiceOperStatus to applOperStatus:
 *   up -> up, down -> down, congested -> congested, restarting -> restarting, quiescing -> quiescing,
 *   testing -> up, unknown -> "--indeterminate--" (undefined here).
 */
export function applOperStatusOf(s: SipOperStatus): number | undefined {
  switch (s) {
    case 'up':
    case 'testing':
      return ApplOperStatus.up;
    case 'down':
      return ApplOperStatus.down;
    case 'congested':
      return ApplOperStatus.congested;
    case 'restarting':
      return ApplOperStatus.restarting;
    case 'quiescing':
      return ApplOperStatus.quiescing;
    default:
      return undefined;
  }
}

export interface ApplTableSources {
  /** The SIP entities sorted by applIndex (other network services could be added the same way). */
  applications(): readonly SipApplication[];
}

export interface ApplTableInit {
  log: Logger;
}

/**
 * applTable (NETWORK-SERVICES-MIB, mib-2 27) rows for the SIP entities. RFC 4780 §5.2: "A device
 * implementing the SIP MIB MUST support the NETWORK-SERVICES-MIB and, at a minimum, MUST support the
 * index and name objects (applIndex and applName)"; applUptime and applLastChange "MUST be identical to"
 * sipCommonCfgServiceStartTime / LastChange, so both read the same source function.
 */
export function registerApplTable(
  registry: MibRegistry,
  sources: ApplTableSources,
  init: ApplTableInit,
): Registration {
  const c = COLUMNS.applEntry;
  // §5.2: "If the sipOperStatus is 'unknown' ... the last known value of applOperStatus SHOULD be
  // maintained until the sipOperStatus transitions to a value that can be mapped appropriately."
  const lastKnown = new Map<number, number>();
  const operStatus = (e: SipApplication): SnmpValue | undefined => {
    const v = applOperStatusOf(e.config.operStatus());
    if (v !== undefined) {
      lastKnown.set(e.applIndex, v);
      return int(v);
    }
    const last = lastKnown.get(e.applIndex);
    return last === undefined ? undefined : int(last);
  };
  const assoc = <K extends keyof NonNullable<ReturnType<NonNullable<SipApplication['associations']>>>>(
    key: K,
    enc: (n: number) => SnmpValue,
  ) => {
    return (e: SipApplication): SnmpValue | undefined => {
      const a = e.associations?.();
      return a ? enc(a[key]) : undefined;
    };
  };
  const source = applRowSource(() => sources.applications(), {
    [c.applName]: (e) => str(e.applName),
    [c.applDirectoryName]: () => str(''),
    [c.applVersion]: (e) => str(e.applVersion ?? ''),
    [c.applUptime]: (e) => timeStamp(e.config.startTime()),
    [c.applOperStatus]: operStatus,
    [c.applLastChange]: (e) => timeStamp(e.config.lastChange()),
    [c.applInboundAssociations]: assoc('inbound', gauge32),
    [c.applOutboundAssociations]: assoc('outbound', gauge32),
    [c.applAccumulatedInboundAssociations]: assoc('accumulatedInbound', counter32),
    [c.applAccumulatedOutboundAssociations]: assoc('accumulatedOutbound', counter32),
    [c.applLastInboundActivity]: assoc('lastInboundActivity', timeStamp),
    [c.applLastOutboundActivity]: assoc('lastOutboundActivity', timeStamp),
    [c.applRejectedInboundAssociations]: assoc('rejectedInbound', counter32),
    [c.applFailedOutboundAssociations]: assoc('failedOutbound', counter32),
    [c.applDescription]: (e) => str(e.applDescription ?? ''),
    [c.applURL]: (e) => str(e.applUrl ?? ''),
  });
  const cols = Object.values(c).filter((n) => n !== c.applIndex);
  return registerOrLog(registry, init.log, [[APPL_ENTRY, new TableHandler(APPL_ENTRY, cols, source)]]);
}
