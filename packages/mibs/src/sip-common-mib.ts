import type { Logger, MetricsRegistry } from '@beckon/ops';
import {
  compareOid,
  TableHandler,
  type MibHandler,
  type Oid,
  type SnmpValue,
  type TableSource,
} from '@beckon/snmp';
import { applRowSource, findByApplIndex, nestedTableSource, sortedSubRows } from './appl-indexed-source.js';
import { COLUMNS, SIP_COMMON_ENTRIES } from './oids.js';
import { registerOrLog, type Registration } from './registration.js';
import {
  SIP_ENTITY_ROLES,
  SIP_OPER_STATUSES,
  SIP_OPTION_TAG_HEADERS,
  SIP_SERVICE_NOTIFS,
  SIP_TRANSPORTS,
  type SipApplication,
  type SipCommonSources,
  type SipServiceNotif,
} from './sip-common-sources.js';
import { SipMetricReader, type SipMetricNames } from './sip-metric-reader.js';
import {
  bits,
  bitsSet,
  counter32,
  gauge32,
  int,
  str,
  stringIndex,
  timeStamp,
  timeTicks,
  unsigned32,
} from './smi-values.js';
import { StatusCodeTable, type StatusCodeChange } from './status-code-table.js';
import type { MibRegistry } from '@beckon/snmp';

export interface SipCommonMibInit {
  log: Logger;
  /** Overrides of the metric names read (defaults: DEFAULT_SIP_METRIC_NAMES). */
  metricNames?: Partial<SipMetricNames>;
  /** Called after an operator creates, destroys or changes a status code row (rows are MIB state). */
  onStatusCodeChange?: (change: StatusCodeChange) => void;
}

/** What registerSipCommonMib hands back to the station. */
export interface SipCommonMib {
  readonly registration: Registration;
  /** The operator-created status code rows (shared with SipCommonNotifier). */
  readonly statusCodes: StatusCodeTable;
  /** Counter reader of one entity (the same view the MIB shows). */
  reader(app: SipApplication): SipMetricReader;
}

/** Bit number of each name in its BITS type. */
function bitNumbers<T extends string>(all: readonly T[], names: readonly T[]): number[] {
  return names.map((n) => all.indexOf(n)).filter((i) => i >= 0);
}

/** Method names sorted in INDEX order (length-prefixed octets), with their sub-indexes. */
function methodRows(methods: readonly string[]): { sub: Oid; row: string }[] {
  return methods.map((m) => ({ sub: stringIndex(m), row: m })).sort((a, b) => compareOid(a.sub, b.sub));
}

/**
 * SIP-COMMON-MIB (RFC 4780 §7.2, mib-2 149): configuration, summary/method/status-code/transaction/
 * retry/other statistics. Every value is read at request time from `sources` (configuration) and from
 * each entity's MetricsRegistry (counters); the only state kept here is the status-code rows an
 * operator creates.
 */
export function registerSipCommonMib(
  registry: MibRegistry,
  sources: SipCommonSources,
  init: SipCommonMibInit,
): SipCommonMib {
  const log = init.log.child({ component: 'mibs.sip-common' });
  const apps = (): readonly SipApplication[] => sources.applications();
  const readers = new WeakMap<MetricsRegistry, SipMetricReader>();
  const reader = (app: SipApplication): SipMetricReader => {
    let r = readers.get(app.metrics);
    if (!r) {
      r = new SipMetricReader(app.metrics, init.metricNames);
      readers.set(app.metrics, r);
    }
    return r;
  };
  const disconTime = (e: SipApplication): SnmpValue =>
    timeStamp(e.countersDisconTime?.() ?? e.config.startTime());
  const statusCodes = new StatusCodeTable(sources, log, init.metricNames, init.onStatusCodeChange);

  const handlers: [Oid, MibHandler][] = [];
  const table = (entry: Oid, columns: readonly number[], source: TableSource): void => {
    handlers.push([entry, new TableHandler(entry, columns, source)]);
  };

  // --- sipCommonCfgTable
  const cfg = COLUMNS.sipCommonCfgEntry;
  const cfgSource = applRowSource(apps, {
    [cfg.sipCommonCfgProtocolVersion]: (e) => str(e.config.protocolVersion()),
    [cfg.sipCommonCfgServiceOperStatus]: (e) => int(SIP_OPER_STATUSES.indexOf(e.config.operStatus()) + 1),
    [cfg.sipCommonCfgServiceStartTime]: (e) => timeTicks(e.config.startTime()),
    [cfg.sipCommonCfgServiceLastChange]: (e) => timeTicks(e.config.lastChange()),
    [cfg.sipCommonCfgOrganization]: (e) => str(e.config.organization()),
    [cfg.sipCommonCfgMaxTransactions]: (e) => unsigned32(e.config.maxTransactions()),
    [cfg.sipCommonCfgServiceNotifEnable]: (e) => {
      const v = e.config.serviceNotifEnable?.();
      return v ? bits(bitNumbers(SIP_SERVICE_NOTIFS, v), SIP_SERVICE_NOTIFS.length) : undefined;
    },
    [cfg.sipCommonCfgEntityType]: (e) =>
      bits(bitNumbers(SIP_ENTITY_ROLES, e.config.roles()), SIP_ENTITY_ROLES.length),
  });
  table(SIP_COMMON_ENTRIES.sipCommonCfgEntry, Object.values(cfg), {
    ...cfgSource,
    testSet(column, index, value) {
      const e = index.length === 1 ? findByApplIndex(apps(), index[0]!) : undefined;
      if (column !== cfg.sipCommonCfgServiceNotifEnable)
        return { ok: false, status: e ? 'notWritable' : 'noCreation' };
      if (!e || !e.config.serviceNotifEnable) return { ok: false, status: 'noCreation' };
      const set = e.config.setServiceNotifEnable?.bind(e.config);
      if (!set) return { ok: false, status: 'notWritable' };
      if (value.type !== 'OctetString') return { ok: false, status: 'wrongType' };
      // BITS { sipCommonServiceColdStart(0), sipCommonServiceWarmStart(1), sipCommonServiceStatusChanged(2) }
      if (value.value.length > 1) return { ok: false, status: 'wrongLength' };
      const nums = bitsSet(value.value);
      if (nums.some((n) => n >= SIP_SERVICE_NOTIFS.length)) return { ok: false, status: 'wrongValue' };
      const next: SipServiceNotif[] = nums.map((n) => SIP_SERVICE_NOTIFS[n]!);
      const prev = [...e.config.serviceNotifEnable()];
      return {
        ok: true,
        action: {
          commit: () => {
            const ok = set(next);
            log.info(
              { applIndex: e.applIndex, from: prev, to: next, ok },
              'sipCommonCfgServiceNotifEnable set',
            );
            return ok;
          },
          undo: () => set(prev),
        },
      };
    },
  });

  // --- sipCommonPortTable { applIndex, sipCommonPort }
  table(
    SIP_COMMON_ENTRIES.sipCommonPortEntry,
    [COLUMNS.sipCommonPortEntry.sipCommonPortTransportRcv],
    nestedTableSource(
      apps,
      sortedSubRows((e: SipApplication) =>
        e.config
          .ports()
          .filter((p) => p.port >= 1 && p.port <= 65535)
          .map((p) => ({ sub: [p.port], row: p }))
          .sort((a, b) => a.sub[0]! - b.sub[0]!),
      ),
      {
        [COLUMNS.sipCommonPortEntry.sipCommonPortTransportRcv]: (p) =>
          bits(bitNumbers(SIP_TRANSPORTS, p.transports), SIP_TRANSPORTS.length),
      },
    ),
  );

  // --- sipCommonOptionTagTable { applIndex, sipCommonOptionTagIndex }
  const opt = COLUMNS.sipCommonOptionTagEntry;
  table(
    SIP_COMMON_ENTRIES.sipCommonOptionTagEntry,
    [opt.sipCommonOptionTag, opt.sipCommonOptionTagHeaderField],
    nestedTableSource(
      apps,
      sortedSubRows((e: SipApplication) => e.config.optionTags().map((t, i) => ({ sub: [i + 1], row: t }))),
      {
        [opt.sipCommonOptionTag]: (t) => str(t.tag),
        [opt.sipCommonOptionTagHeaderField]: (t) =>
          bits(bitNumbers(SIP_OPTION_TAG_HEADERS, t.headers), SIP_OPTION_TAG_HEADERS.length),
      },
    ),
  );

  // --- sipCommonMethodSupportedTable { applIndex, sipCommonMethodSupportedIndex }
  table(
    SIP_COMMON_ENTRIES.sipCommonMethodSupportedEntry,
    [COLUMNS.sipCommonMethodSupportedEntry.sipCommonMethodSupportedName],
    nestedTableSource(
      apps,
      sortedSubRows((e: SipApplication) =>
        e.config.methodsSupported().map((m, i) => ({ sub: [i + 1], row: m })),
      ),
      // "The method name MUST be all upper case (e.g., 'INVITE')."
      { [COLUMNS.sipCommonMethodSupportedEntry.sipCommonMethodSupportedName]: (m) => str(m.toUpperCase()) },
    ),
  );

  // --- sipCommonCfgTimerTable (OPTIONAL group): rows only for entities whose source has timers
  const t = COLUMNS.sipCommonCfgTimerEntry;
  const timer = (k: keyof NonNullable<ReturnType<NonNullable<SipApplication['config']['timers']>>>) => {
    return (e: SipApplication): SnmpValue | undefined => {
      const v = e.config.timers?.();
      return v ? unsigned32(v[k]) : undefined;
    };
  };
  table(
    SIP_COMMON_ENTRIES.sipCommonCfgTimerEntry,
    Object.values(t),
    applRowSource(apps, {
      [t.sipCommonCfgTimerA]: timer('a'),
      [t.sipCommonCfgTimerB]: timer('b'),
      [t.sipCommonCfgTimerC]: timer('c'),
      [t.sipCommonCfgTimerD]: timer('d'),
      [t.sipCommonCfgTimerE]: timer('e'),
      [t.sipCommonCfgTimerF]: timer('f'),
      [t.sipCommonCfgTimerG]: timer('g'),
      [t.sipCommonCfgTimerH]: timer('h'),
      [t.sipCommonCfgTimerI]: timer('i'),
      [t.sipCommonCfgTimerJ]: timer('j'),
      [t.sipCommonCfgTimerK]: timer('k'),
      [t.sipCommonCfgTimerT1]: timer('t1'),
      [t.sipCommonCfgTimerT2]: timer('t2'),
      [t.sipCommonCfgTimerT4]: timer('t4'),
    }),
  );

  // --- sipCommonSummaryStatsTable: sums over the SIP core counters
  const s = COLUMNS.sipCommonSummaryStatsEntry;
  table(
    SIP_COMMON_ENTRIES.sipCommonSummaryStatsEntry,
    Object.values(s),
    applRowSource(apps, {
      [s.sipCommonSummaryInRequests]: (e) => counter32(reader(e).total(reader(e).names.requestsIn)),
      [s.sipCommonSummaryOutRequests]: (e) => counter32(reader(e).total(reader(e).names.requestsOut)),
      [s.sipCommonSummaryInResponses]: (e) => counter32(reader(e).total(reader(e).names.responsesIn)),
      [s.sipCommonSummaryOutResponses]: (e) => counter32(reader(e).total(reader(e).names.responsesOut)),
      // "a count of the number of transactions that are in progress and transactions that have reached
      // the 'Terminated' state": created transactions when counted, else the terminated ones.
      [s.sipCommonSummaryTotalTransactions]: (e) => {
        const r = reader(e);
        return counter32(
          e.metrics.get(r.names.transactionsCreated)
            ? r.total(r.names.transactionsCreated)
            : r.total(r.names.transactions),
        );
      },
      [s.sipCommonSummaryDisconTime]: disconTime,
    }),
  );

  // --- sipCommonMethodStatsTable { applIndex, sipCommonMethodStatsName }: the supported methods
  const ms = COLUMNS.sipCommonMethodStatsEntry;
  const methodSubRows = sortedSubRows((e: SipApplication) => methodRows(e.config.methodsSupported()));
  table(
    SIP_COMMON_ENTRIES.sipCommonMethodStatsEntry,
    [ms.sipCommonMethodStatsOutbounds, ms.sipCommonMethodStatsInbounds, ms.sipCommonMethodStatsDisconTime],
    nestedTableSource(apps, methodSubRows, {
      [ms.sipCommonMethodStatsOutbounds]: (m, e) => counter32(reader(e).get(reader(e).names.requestsOut, m)),
      [ms.sipCommonMethodStatsInbounds]: (m, e) => counter32(reader(e).get(reader(e).names.requestsIn, m)),
      [ms.sipCommonMethodStatsDisconTime]: (_m, e) => disconTime(e),
    }),
  );

  // --- sipCommonStatusCodeTable + sipCommonStatusCodeNotifTable (AUGMENTS)
  const sc = COLUMNS.sipCommonStatusCodeEntry;
  table(
    SIP_COMMON_ENTRIES.sipCommonStatusCodeEntry,
    [
      sc.sipCommonStatusCodeIns,
      sc.sipCommonStatusCodeOuts,
      sc.sipCommonStatusCodeRowStatus,
      sc.sipCommonStatusCodeDisconTime,
    ],
    statusCodes.statusCodeSource(),
  );
  table(
    SIP_COMMON_ENTRIES.sipCommonStatusCodeNotifEntry,
    Object.values(COLUMNS.sipCommonStatusCodeNotifEntry),
    statusCodes.notifSource(),
  );

  // --- sipCommonTransCurrentTable: live transactions (gauge of the transaction layer)
  table(
    SIP_COMMON_ENTRIES.sipCommonTransCurrentEntry,
    [COLUMNS.sipCommonTransCurrentEntry.sipCommonTransCurrentactions],
    applRowSource(apps, {
      [COLUMNS.sipCommonTransCurrentEntry.sipCommonTransCurrentactions]: (e) =>
        gauge32(reader(e).total(reader(e).names.transactionsActive)),
    }),
  );

  // --- sipCommonStatsRetryTable { applIndex, sipCommonStatsRetryMethod } (OPTIONAL group)
  const rt = COLUMNS.sipCommonStatsRetryEntry;
  const retry = (f: (x: NonNullable<ReturnType<NonNullable<SipApplication['retryStats']>>>) => number) => {
    return (m: string, e: SipApplication): SnmpValue | undefined => {
      const x = e.retryStats?.(m);
      return x ? counter32(f(x)) : undefined;
    };
  };
  table(
    SIP_COMMON_ENTRIES.sipCommonStatsRetryEntry,
    [
      rt.sipCommonStatsRetries,
      rt.sipCommonStatsRetryFinalResponses,
      rt.sipCommonStatsRetryNonFinalResponses,
      rt.sipCommonStatsRetryDisconTime,
    ],
    nestedTableSource(apps, methodSubRows, {
      [rt.sipCommonStatsRetries]: retry((x) => x.retries),
      [rt.sipCommonStatsRetryFinalResponses]: retry((x) => x.finalResponses),
      [rt.sipCommonStatsRetryNonFinalResponses]: retry((x) => x.nonFinalResponses),
      [rt.sipCommonStatsRetryDisconTime]: (m, e) => (e.retryStats?.(m) ? disconTime(e) : undefined),
    }),
  );

  // --- sipCommonOtherStatsTable
  const o = COLUMNS.sipCommonOtherStatsEntry;
  table(
    SIP_COMMON_ENTRIES.sipCommonOtherStatsEntry,
    Object.values(o),
    applRowSource(apps, {
      // "Number of RequestURIs received with an unsupported scheme": the core answers them 416 (RFC 3261 §8.2.2.1)
      [o.sipCommonOtherStatsNumUnsupportedUris]: (e) =>
        counter32(
          e.otherStats?.unsupportedUris() ?? reader(e).sumWhere(reader(e).names.responsesOut, 'code', '416'),
        ),
      // "Number of SIP requests received with unsupported methods ... 501 (Not Implemented) or 405"
      [o.sipCommonOtherStatsNumUnsupportedMethods]: (e) => {
        const r = reader(e);
        return counter32(
          e.otherStats?.unsupportedMethods() ??
            r.sumWhere(r.names.responsesOut, 'code', '405') + r.sumWhere(r.names.responsesOut, 'code', '501'),
        );
      },
      // "Number of SIP messages received that ... was discarded without a response": messages that failed
      // to parse (those answered 400 included; the core does not split them)
      [o.sipCommonOtherStatsOtherwiseDiscardedMsgs]: (e) =>
        counter32(e.otherStats?.otherwiseDiscarded() ?? reader(e).total(reader(e).names.parseErrors)),
      [o.sipCommonOtherStatsDisconTime]: disconTime,
    }),
  );

  const registration = registerOrLog(registry, log, handlers);
  return { registration, statusCodes, reader };
}
