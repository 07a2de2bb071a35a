import type { Logger } from '@beckon/ops';
import type { Oid, VarBind } from '@beckon/snmp';
import { findByApplIndex } from './appl-indexed-source.js';
import { COLUMNS, SIP_COMMON_ENTRIES, SIP_COMMON_NOTIF_OBJECTS, SIP_COMMON_NOTIFICATIONS } from './oids.js';
import { SIP_OPER_STATUSES, type SipCommonSources, type SipServiceNotif } from './sip-common-sources.js';
import { counter32, int, str, timeTicks, unsigned32 } from './smi-values.js';
import { EmitMode, type StatusCodeRow, type StatusCodeTable } from './status-code-table.js';

/**
 * Where notifications go: the agent's notification originator (its `notify(trapOid, varbinds)` prepends
 * sysUpTime.0 and snmpTrapOID.0, RFC 3416 §4.2.6), wired by the station.
 */
export interface NotificationSink {
  notify(trapOid: Oid, varbinds: readonly VarBind[]): unknown;
}

export interface SipCommonNotifierComponents {
  sink: NotificationSink;
  sources: SipCommonSources;
  statusCodes: StatusCodeTable;
  log: Logger;
}

export interface SipCommonNotifierInit {
  /** Period of the threshold check (default 1000 ms). */
  pollIntervalMs?: number;
  /** Milliseconds clock for threshold windows (default performance.now). */
  clock?: () => number;
}

export enum NotifierState {
  Idle = 'idle',
  Running = 'running',
  Disposed = 'disposed',
}

/** Header values of the response that caused a sipCommonStatusCodeNotif. */
export interface StatusCodeNotifHeaders {
  to: string;
  from: string;
  callId: string;
  cseq: number;
}

/** DEFVAL of sipCommonCfgServiceNotifEnable, used when the source does not implement the object. */
const DEFAULT_SERVICE_NOTIFS: readonly SipServiceNotif[] = [
  'sipCommonServiceColdStart',
  'sipCommonServiceWarmStart',
];

const MAX_SEQUENCE = 2147483647;

/**
 * Originates the SIP-COMMON-MIB notifications (RFC 4780 §7.2): the station calls `serviceStarted`,
 * `statusChanged` and `responseSeen` on events; thresholds of sipCommonStatusCodeNotifTable rows are
 * polled on a timer (started by `start`, cleared by `dispose`).
 */
export class SipCommonNotifier {
  private state = NotifierState.Idle;
  private timer: NodeJS.Timeout | undefined;
  private readonly sequence = new Map<number, number>();
  private readonly log: Logger;
  private readonly clock: () => number;

  constructor(
    private readonly components: SipCommonNotifierComponents,
    private readonly init: SipCommonNotifierInit = {},
  ) {
    this.log = components.log.child({ component: 'mibs.sip-notifier' });
    this.clock = init.clock ?? (() => performance.now());
  }

  get currentState(): NotifierState {
    return this.state;
  }

  start(): void {
    if (this.state !== NotifierState.Idle) return;
    this.state = NotifierState.Running;
    this.timer = setInterval(() => this.pollThresholds(), this.init.pollIntervalMs ?? 1000);
    this.timer.unref();
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.state = NotifierState.Disposed;
  }

  /**
   * sipCommonServiceColdStart: "the SIP service has reinitialized itself or started for the first
   * time"; sipCommonServiceWarmStart: "restarting after an administrative 'reset'". Returns true when
   * a notification was sent (enabled in sipCommonCfgServiceNotifEnable).
   */
  serviceStarted(applIndex: number, kind: 'cold' | 'warm'): boolean {
    const app = findByApplIndex(this.components.sources.applications(), applIndex);
    if (!app) return false;
    const bit: SipServiceNotif = kind === 'cold' ? 'sipCommonServiceColdStart' : 'sipCommonServiceWarmStart';
    if (!this.enabled(app.config.serviceNotifEnable?.(), bit)) return false;
    const cfg = SIP_COMMON_ENTRIES.sipCommonCfgEntry;
    const c = COLUMNS.sipCommonCfgEntry;
    const extra: VarBind =
      kind === 'cold'
        ? {
            oid: [...cfg, c.sipCommonCfgServiceStartTime, applIndex],
            value: timeTicks(app.config.startTime()),
          }
        : {
            oid: [...cfg, c.sipCommonCfgServiceLastChange, applIndex],
            value: timeTicks(app.config.lastChange()),
          };
    const trap =
      kind === 'cold'
        ? SIP_COMMON_NOTIFICATIONS.sipCommonServiceColdStart
        : SIP_COMMON_NOTIFICATIONS.sipCommonServiceWarmStart;
    return this.emit(trap, applIndex, [extra]);
  }

  /** sipCommonServiceStatusChanged: "the SIP service operational status has changed". */
  statusChanged(applIndex: number): boolean {
    const app = findByApplIndex(this.components.sources.applications(), applIndex);
    if (!app) return false;
    if (!this.enabled(app.config.serviceNotifEnable?.(), 'sipCommonServiceStatusChanged')) return false;
    const cfg = SIP_COMMON_ENTRIES.sipCommonCfgEntry;
    const c = COLUMNS.sipCommonCfgEntry;
    return this.emit(SIP_COMMON_NOTIFICATIONS.sipCommonServiceStatusChanged, applIndex, [
      {
        oid: [...cfg, c.sipCommonCfgServiceLastChange, applIndex],
        value: timeTicks(app.config.lastChange()),
      },
      {
        oid: [...cfg, c.sipCommonCfgServiceOperStatus, applIndex],
        value: int(SIP_OPER_STATUSES.indexOf(app.config.operStatus()) + 1),
      },
    ]);
  }

  /**
   * Called by the SIP core for each response sent or received when status code rows exist (cheap: one
   * Map lookup). sipCommonStatusCodeNotif is sent when the row's NotifSend is true, per EmitMode:
   * "normal: ... for each SIP response message"; "oneShot: Only one ... No more notifications are
   * emitted until this object is set to 'oneShot' again or set to 'normal'" (the mode becomes triggered).
   */
  responseSeen(
    applIndex: number,
    direction: 'in' | 'out',
    method: string,
    code: number,
    headers: StatusCodeNotifHeaders,
  ): boolean {
    if (this.components.statusCodes.size === 0) return false;
    const row = this.components.statusCodes.find(applIndex, method, code);
    if (!row || !row.notifSend || row.emitMode === EmitMode.triggered) return false;
    if (row.emitMode === EmitMode.oneShot) row.emitMode = EmitMode.triggered;
    const counts = this.components.statusCodes.counts(row);
    const n = SIP_COMMON_NOTIF_OBJECTS;
    // "The header name will be part of this object value. For example, 'To: Watson '."
    const named = (name: string, v: string): string =>
      v.toLowerCase().startsWith(name.toLowerCase() + ':') ? v : `${name}: ${v}`;
    this.log.debug({ applIndex, direction, method, code }, 'status code notification');
    return this.emit(SIP_COMMON_NOTIFICATIONS.sipCommonStatusCodeNotif, applIndex, [
      { oid: [...n.sipCommonStatusCodeNotifTo, 0], value: str(named('To', headers.to)) },
      { oid: [...n.sipCommonStatusCodeNotifFrom, 0], value: str(named('From', headers.from)) },
      { oid: [...n.sipCommonStatusCodeNotifCallId, 0], value: str(named('Call-ID', headers.callId)) },
      { oid: [...n.sipCommonStatusCodeNotifCSeq, 0], value: unsigned32(headers.cseq) },
      this.countVarbind(row, 'in', counts?.ins ?? 0),
      this.countVarbind(row, 'out', counts?.outs ?? 0),
    ]);
  }

  /**
   * One pass of the threshold check: for each row, a window of sipCommonStatusCodeNotifInterval seconds
   * starts at the first poll; when more than sipCommonStatusCodeNotifThresh responses with that code were
   * received (sent) within the window, one ThreshExceededIn (Out) notification is sent for that window.
   * Returns the number of notifications sent.
   */
  pollThresholds(): number {
    if (this.state === NotifierState.Disposed) return 0;
    const now = this.clock();
    let sent = 0;
    for (const [, row] of this.components.statusCodes.rows()) {
      const counts = this.components.statusCodes.counts(row);
      if (!counts) continue;
      const m = row.monitor;
      if (!m || now - m.windowStartMs >= row.interval * 1000) {
        row.monitor = {
          windowStartMs: now,
          baseIn: counts.ins,
          baseOut: counts.outs,
          firedIn: false,
          firedOut: false,
        };
        continue;
      }
      if (!m.firedIn && counts.ins - m.baseIn > row.thresh) {
        m.firedIn = true;
        if (
          this.emit(SIP_COMMON_NOTIFICATIONS.sipCommonStatusCodeThreshExceededInNotif, row.applIndex, [
            this.countVarbind(row, 'in', counts.ins),
          ])
        )
          sent++;
      }
      if (!m.firedOut && counts.outs - m.baseOut > row.thresh) {
        m.firedOut = true;
        if (
          this.emit(SIP_COMMON_NOTIFICATIONS.sipCommonStatusCodeThreshExceededOutNotif, row.applIndex, [
            this.countVarbind(row, 'out', counts.outs),
          ])
        )
          sent++;
      }
    }
    return sent;
  }

  private countVarbind(row: StatusCodeRow, dir: 'in' | 'out', value: number): VarBind {
    const c = COLUMNS.sipCommonStatusCodeEntry;
    const col = dir === 'in' ? c.sipCommonStatusCodeIns : c.sipCommonStatusCodeOuts;
    return {
      oid: [...SIP_COMMON_ENTRIES.sipCommonStatusCodeEntry, col, ...row.index],
      value: counter32(value),
    };
  }

  private enabled(bits: readonly SipServiceNotif[] | undefined, bit: SipServiceNotif): boolean {
    return (bits ?? DEFAULT_SERVICE_NOTIFS).includes(bit);
  }

  /** "The value of this object MUST start at 1 and increase by 1 with each generated notification." */
  private nextSequence(applIndex: number): number {
    const n = (this.sequence.get(applIndex) ?? 0) + 1;
    const v = n > MAX_SEQUENCE ? 1 : n;
    this.sequence.set(applIndex, v);
    return v;
  }

  private emit(trap: Oid, applIndex: number, rest: readonly VarBind[]): boolean {
    if (this.state === NotifierState.Disposed) return false;
    const n = SIP_COMMON_NOTIF_OBJECTS;
    const varbinds: VarBind[] = [
      { oid: [...n.sipCommonNotifSequenceNumber, 0], value: unsigned32(this.nextSequence(applIndex)) },
      { oid: [...n.sipCommonNotifApplIndex, 0], value: unsigned32(applIndex) },
      ...rest,
    ];
    try {
      const r = this.components.sink.notify(trap, varbinds);
      if (r instanceof Promise)
        void r.catch((err: unknown) => this.log.warn({ err }, 'notification not sent'));
    } catch (err) {
      this.log.warn({ err }, 'notification not sent');
      return false;
    }
    return true;
  }
}
