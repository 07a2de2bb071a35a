import type { Logger, MetricsRegistry } from '@beckon/ops';
import {
  SortedTable,
  RowStatus,
  type Oid,
  type SetTestResult,
  type SetTransaction,
  type SnmpValue,
  type TableSource,
  type VarBind,
} from '@beckon/snmp';
import { findByApplIndex } from './appl-indexed-source.js';
import { COLUMNS, SIP_COMMON_ENTRIES } from './oids.js';
import type { SipApplication, SipCommonSources } from './sip-common-sources.js';
import { SipMetricReader, type SipMetricNames } from './sip-metric-reader.js';
import {
  counter32,
  int,
  readStringIndex,
  stringIndex,
  timeStamp,
  truthValue,
  unsigned32,
} from './smi-values.js';

/** sipCommonStatusCodeNotifEmitMode values. */
export const EmitMode = { normal: 1, oneShot: 2, triggered: 3 } as const;

/** One monitored (applIndex, method, status code); created by an operator (RowStatus createAndGo). */
export interface StatusCodeRow {
  readonly applIndex: number;
  readonly method: string;
  readonly code: number;
  readonly index: Oid;
  /** sysUpTime at creation. */
  readonly createdAt: number;
  notifSend: boolean;
  emitMode: number;
  thresh: number;
  /** Seconds. */
  interval: number;
  /** Threshold monitor state (owned by SipCommonNotifier). */
  monitor?: { windowStartMs: number; baseIn: number; baseOut: number; firedIn: boolean; firedOut: boolean };
}

export interface StatusCodeChange {
  kind: 'created' | 'destroyed' | 'updated';
  row: Readonly<StatusCodeRow>;
}

/** RFC 3261 §25.1 token characters (a method name is a token). */
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

/**
 * sipCommonStatusCodeTable and its AUGMENTS table sipCommonStatusCodeNotifTable. The rows themselves are
 * MIB state ("Entries created in this table must not persist across reboots"); the counters in them are
 * read live from the SIP core's `sip_responses_in/out` counters.
 *
 * RFC 4780 compliance: "OBJECT sipCommonStatusCodeRowStatus SYNTAX RowStatus { active(1) }
 * WRITE-SYNTAX RowStatus { createAndGo(4), destroy(6) } -- Support for createAndWait and notInService
 * is not required." createAndWait/notInService are therefore refused with wrongValue (RFC 2579).
 */
export class StatusCodeTable {
  private readonly table = new SortedTable<StatusCodeRow>();
  private readonly byKey = new Map<string, StatusCodeRow>();
  private readonly readers = new WeakMap<MetricsRegistry, SipMetricReader>();
  private warnedPerMethod = false;

  constructor(
    private readonly sources: SipCommonSources,
    private readonly log: Logger,
    private readonly metricNames: Partial<SipMetricNames> = {},
    /** Told of every change an operator makes (audit, or mirroring into the running configuration). */
    private readonly onChange?: (change: StatusCodeChange) => void,
  ) {}

  private changed(kind: StatusCodeChange['kind'], row: StatusCodeRow): void {
    try {
      this.onChange?.({ kind, row });
    } catch (err) {
      this.log.warn({ err }, 'status code change listener failed');
    }
  }

  get size(): number {
    return this.table.size;
  }

  rows(): IterableIterator<[Oid, StatusCodeRow]> {
    return this.table.entries();
  }

  /** The row watching (applIndex, method, code), if any: O(1), for the per-response notification path. */
  find(applIndex: number, method: string, code: number): StatusCodeRow | undefined {
    return this.byKey.get(key(applIndex, method, code));
  }

  reader(app: SipApplication): SipMetricReader {
    let r = this.readers.get(app.metrics);
    if (!r) {
      r = new SipMetricReader(app.metrics, this.metricNames);
      this.readers.set(app.metrics, r);
    }
    return r;
  }

  /** Current (ins, outs) of a row, read from the live counters. */
  counts(row: StatusCodeRow): { ins: number; outs: number } | undefined {
    const app = findByApplIndex(this.sources.applications(), row.applIndex);
    if (!app) return undefined;
    const r = this.reader(app);
    const i = r.responses('in', row.method, row.code);
    const o = r.responses('out', row.method, row.code);
    if (!i.perMethod && !this.warnedPerMethod) {
      this.warnedPerMethod = true;
      this.log.info(
        { counter: r.names.responsesIn },
        'responses are counted per code only: sipCommonStatusCode counters include every method',
      );
    }
    return { ins: i.value, outs: o.value };
  }

  /** Creates a row directly (station configuration); false when the index is invalid or taken. */
  create(applIndex: number, method: string, code: number): boolean {
    const index = [applIndex, ...stringIndex(method), code];
    const row = this.newRow(index);
    if (!row || this.table.has(index)) return false;
    this.install(row);
    return true;
  }

  private install(row: StatusCodeRow): void {
    this.table.set(row.index, row);
    this.byKey.set(key(row.applIndex, row.method, row.code), row);
  }

  private remove(index: Oid): StatusCodeRow | undefined {
    const row = this.table.get(index);
    if (!row) return undefined;
    this.table.delete(index);
    this.byKey.delete(key(row.applIndex, row.method, row.code));
    return row;
  }

  /** A fresh row with the DEFVALs for `index`, or undefined when the index can never exist. */
  private newRow(index: Oid): StatusCodeRow | undefined {
    const applIndex = index[0];
    if (applIndex === undefined || !findByApplIndex(this.sources.applications(), applIndex)) return undefined;
    // sipCommonStatusCodeMethod SipTCMethodName OCTET STRING (SIZE (1..100))
    const m = readStringIndex(index, 1, 1, 100);
    if (!m || m.end !== index.length - 1 || !TOKEN.test(m.value)) return undefined;
    // sipCommonStatusCodeValue Unsigned32 (100..999)
    const code = index[m.end]!;
    if (code < 100 || code > 999) return undefined;
    return {
      applIndex,
      method: m.value,
      code,
      index: [...index],
      createdAt: this.sources.upTime(),
      // DEFVALs: NotifSend false, EmitMode oneShot, Thresh 500, Interval 60
      notifSend: false,
      emitMode: EmitMode.oneShot,
      thresh: 500,
      interval: 60,
    };
  }

  private disconTime(row: StatusCodeRow): number {
    const app = findByApplIndex(this.sources.applications(), row.applIndex);
    const appDiscon = app ? (app.countersDisconTime?.() ?? app.config.startTime()) : 0;
    return Math.max(row.createdAt, appDiscon);
  }

  /** TableSource of sipCommonStatusCodeEntry (Ins, Outs, RowStatus, DisconTime). */
  statusCodeSource(): TableSource {
    const c = COLUMNS.sipCommonStatusCodeEntry;
    const value = (column: number, row: StatusCodeRow): SnmpValue | undefined => {
      switch (column) {
        case c.sipCommonStatusCodeIns:
          return mapCount(this.counts(row)?.ins);
        case c.sipCommonStatusCodeOuts:
          return mapCount(this.counts(row)?.outs);
        case c.sipCommonStatusCodeRowStatus:
          // "If a row exists, it will reflect a status of 'active' when queried."
          return int(RowStatus.active);
        case c.sipCommonStatusCodeDisconTime:
          return timeStamp(this.disconTime(row));
        default:
          return undefined;
      }
    };
    return {
      get: (column, index) => {
        const row = this.table.get(index);
        return row ? value(column, row) : undefined;
      },
      next: (column, after) => {
        let cur = after;
        for (;;) {
          const e = this.table.next(cur);
          if (!e) return undefined;
          const v = value(column, e.row);
          if (v) return { index: e.index, value: v };
          cur = e.index;
        }
      },
      testSet: (column, index, v, tx) => this.testStatusCodeSet(column, index, v, tx),
    };
  }

  private testStatusCodeSet(column: number, index: Oid, v: SnmpValue, tx: SetTransaction): SetTestResult {
    if (column !== COLUMNS.sipCommonStatusCodeEntry.sipCommonStatusCodeRowStatus)
      return { ok: false, status: 'notWritable' };
    if (v.type !== 'Integer') return { ok: false, status: 'wrongType' };
    const exists = this.table.get(index);
    switch (v.value) {
      case RowStatus.createAndGo: {
        if (exists) return { ok: false, status: 'inconsistentValue' };
        const row = this.newRow(index);
        if (!row) return { ok: false, status: 'noCreation' };
        return {
          ok: true,
          action: {
            commit: () => {
              applyNotifSiblings(row, index, tx.varbinds);
              this.install(row);
              this.changed('created', row);
              this.log.info(
                { applIndex: row.applIndex, method: row.method, code: row.code },
                'status code row created',
              );
              return true;
            },
            undo: () => (this.remove(index), true),
          },
        };
      }
      case RowStatus.destroy: {
        // RFC 2579: destroying a row that does not exist is not an error
        return {
          ok: true,
          action: {
            commit: () => {
              const r = this.remove(index);
              if (r) this.changed('destroyed', r);
              if (r)
                this.log.info(
                  { applIndex: r.applIndex, method: r.method, code: r.code },
                  'status code row destroyed',
                );
              return true;
            },
            undo: () => (exists && this.install(exists), true),
          },
        };
      }
      case RowStatus.active:
        if (!exists) return { ok: false, status: 'inconsistentValue' };
        return { ok: true, action: { commit: () => true, undo: () => true } };
      default:
        // notInService, notReady, createAndWait (not supported per the compliance statement), or junk
        return { ok: false, status: 'wrongValue' };
    }
  }

  /** TableSource of sipCommonStatusCodeNotifEntry (AUGMENTS the status code entry). */
  notifSource(): TableSource {
    const c = COLUMNS.sipCommonStatusCodeNotifEntry;
    const value = (column: number, row: StatusCodeRow): SnmpValue | undefined => {
      switch (column) {
        case c.sipCommonStatusCodeNotifSend:
          return truthValue(row.notifSend);
        case c.sipCommonStatusCodeNotifEmitMode:
          return int(row.emitMode);
        case c.sipCommonStatusCodeNotifThresh:
          return unsigned32(row.thresh);
        case c.sipCommonStatusCodeNotifInterval:
          return unsigned32(row.interval);
        default:
          return undefined;
      }
    };
    return {
      get: (column, index) => {
        const row = this.table.get(index);
        return row ? value(column, row) : undefined;
      },
      next: (column, after) => {
        const e = this.table.next(after);
        return e ? { index: e.index, value: value(column, e.row)! } : undefined;
      },
      testSet: (column, index, v, tx) => {
        const bad = validateNotifColumn(column, v);
        if (bad) return { ok: false, status: bad };
        const row = this.table.get(index);
        if (!row) {
          // only together with a createAndGo of the same row in this PDU (applied by that commit)
          const entry = SIP_COMMON_ENTRIES.sipCommonStatusCodeEntry;
          const creates = tx.varbinds.some(
            (vb) =>
              vb.value.type === 'Integer' &&
              vb.value.value === RowStatus.createAndGo &&
              sameInstance(
                vb.oid,
                entry,
                COLUMNS.sipCommonStatusCodeEntry.sipCommonStatusCodeRowStatus,
                index,
              ),
          );
          if (!creates) return { ok: false, status: 'noCreation' };
          return { ok: true, action: { commit: () => true, undo: () => true } };
        }
        const before = { ...row };
        return {
          ok: true,
          action: {
            commit: () => {
              setNotifColumn(row, column, v);
              this.changed('updated', row);
              this.log.info(
                { applIndex: row.applIndex, method: row.method, code: row.code, column },
                'status code notification control changed',
              );
              return true;
            },
            undo: () => {
              row.notifSend = before.notifSend;
              row.emitMode = before.emitMode;
              row.thresh = before.thresh;
              row.interval = before.interval;
              return true;
            },
          },
        };
      },
    };
  }
}

function key(applIndex: number, method: string, code: number): string {
  return `${applIndex} ${method} ${code}`;
}

function mapCount(n: number | undefined): SnmpValue | undefined {
  return n === undefined ? undefined : counter32(n);
}

function validateNotifColumn(
  column: number,
  v: SnmpValue,
): 'wrongType' | 'wrongValue' | 'notWritable' | undefined {
  const c = COLUMNS.sipCommonStatusCodeNotifEntry;
  switch (column) {
    case c.sipCommonStatusCodeNotifSend:
      if (v.type !== 'Integer') return 'wrongType';
      return v.value === 1 || v.value === 2 ? undefined : 'wrongValue';
    case c.sipCommonStatusCodeNotifEmitMode:
      if (v.type !== 'Integer') return 'wrongType';
      // "triggered : This value is only readable and cannot be set."
      return v.value === EmitMode.normal || v.value === EmitMode.oneShot ? undefined : 'wrongValue';
    case c.sipCommonStatusCodeNotifThresh:
      return v.type === 'Gauge32' ? undefined : 'wrongType';
    case c.sipCommonStatusCodeNotifInterval:
      if (v.type !== 'Gauge32') return 'wrongType';
      // an interval of 0 seconds would make the threshold window empty
      return v.value >= 1 ? undefined : 'wrongValue';
    default:
      return 'notWritable';
  }
}

function setNotifColumn(row: StatusCodeRow, column: number, v: SnmpValue): void {
  if (v.type !== 'Integer' && v.type !== 'Gauge32') return;
  const c = COLUMNS.sipCommonStatusCodeNotifEntry;
  if (column === c.sipCommonStatusCodeNotifSend) row.notifSend = v.value === 1;
  else if (column === c.sipCommonStatusCodeNotifEmitMode) row.emitMode = v.value;
  else if (column === c.sipCommonStatusCodeNotifThresh) row.thresh = v.value;
  else if (column === c.sipCommonStatusCodeNotifInterval) {
    row.interval = v.value;
    row.monitor = undefined;
  }
}

/** Applies the notification-control columns set for `index` in the same PDU as its createAndGo. */
function applyNotifSiblings(row: StatusCodeRow, index: Oid, varbinds: readonly VarBind[]): void {
  const entry = SIP_COMMON_ENTRIES.sipCommonStatusCodeNotifEntry;
  for (const vb of varbinds) {
    const col = vb.oid[entry.length];
    if (col === undefined || !sameInstance(vb.oid, entry, col, index)) continue;
    if (!validateNotifColumn(col, vb.value)) setNotifColumn(row, col, vb.value);
  }
}

function sameInstance(o: Oid, entry: Oid, column: number, index: Oid): boolean {
  if (o.length !== entry.length + 1 + index.length || o[entry.length] !== column) return false;
  for (let i = 0; i < entry.length; i++) if (o[i] !== entry[i]) return false;
  for (let i = 0; i < index.length; i++) if (o[entry.length + 1 + i] !== index[i]) return false;
  return true;
}
