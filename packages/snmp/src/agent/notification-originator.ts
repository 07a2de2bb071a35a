import type { Logger } from '@beckon/ops';
import { BerWriter } from '../ber/ber-writer.js';
import { oid, type Oid } from '../ber/oid.js';
import type { VarBind } from '../ber/snmp-value.js';
import { decodeCommunityMessage, encodeCommunityMessage, peekVersion } from '../proto/community-message.js';
import type { BasicPdu } from '../proto/pdu.js';
import { flagsFromSecurityLevel, type SecurityLevel, type SecurityModel } from '../proto/security-model.js';
import { encodeScopedPdu } from '../proto/v3-message.js';
import { CommandGenerator, type ManagerError, type V3Target } from '../manager/command-generator.js';
import { RequestTracker } from '../manager/request-tracker.js';
import type { SnmpTransport } from '../transport/snmp-transport.js';
import type { SnmpStats } from './snmp-stats.js';

/** sysUpTime.0 and snmpTrapOID.0 (RFC 3416 §4.2.6: the first two varbinds of every notification). */
export const SYS_UP_TIME_0 = oid('1.3.6.1.2.1.1.3.0');
export const SNMP_TRAP_OID_0 = oid('1.3.6.1.6.3.1.1.4.1.0');

interface TargetCommon {
  name: string;
  address: string;
  port: number;
  type: 'trap' | 'inform';
  /** Informs: timeout per attempt (default 1000 ms) and retries (default 3). */
  timeoutMs?: number;
  retries?: number;
}

export interface CommunityNotificationTarget extends TargetCommon {
  version: 'v2c';
  community: string;
}

/**
 * SNMPv3 target through the originator's security model (USM). RFC 3414 §1.5.1: for a Trap the
 * sender is authoritative (the receiver must know the sender's snmpEngineID and localize the user's
 * keys with it); for an Inform the receiver is authoritative, so its engine ID is discovered first.
 */
export interface V3NotificationTarget extends TargetCommon {
  version: 'v3';
  securityName: string;
  securityLevel: SecurityLevel;
  contextName?: string;
  /** Informs: the receiver's snmpEngineID when known by configuration (skips discovery). */
  securityEngineId?: Buffer;
}

export type NotificationTarget = CommunityNotificationTarget | V3NotificationTarget;

/** A security model that knows the local snmpEngineID (UserBasedSecurityModel). */
export type LocalSecurityModel = SecurityModel & { readonly engineId: Buffer };

export interface NotificationOriginatorInit {
  transport: SnmpTransport;
  targets: readonly NotificationTarget[];
  /** sysUpTime in hundredths of a second. */
  upTime: () => number;
  log: Logger;
  stats?: SnmpStats;
  /** Required by v3 targets: the local USM (its engine ID is the trap sender's authoritative ID). */
  securityModel?: LocalSecurityModel;
}

export type NotificationOutcome =
  | { target: string; ok: true }
  | { target: string; ok: false; error: 'timeout' | 'closed' | 'encode' | 'report' | 'noSecurityModel' };

/**
 * Notification originator (RFC 3413 §3.3): SNMPv2-Trap and InformRequest to every configured target,
 * v2c or v3; informs are retransmitted until acknowledged by a Response-PDU (v2c: same request-id;
 * v3: matched by msgID through the command generator, a fresh msgID per retransmission).
 */
export class NotificationOriginator {
  private readonly tracker = new RequestTracker<BasicPdu>();
  private readonly writer = new BerWriter(1024);
  private readonly log: Logger;
  /** v3 informs: discovery, time synchronisation and retries are the command generator's. */
  private readonly v3: CommandGenerator;

  constructor(private readonly init: NotificationOriginatorInit) {
    this.log = init.log.child({ component: 'snmp.notification' });
    this.v3 = new CommandGenerator({ transport: init.transport, log: init.log, listen: false });
    init.transport.onMessage((buf, from) => {
      const v = peekVersion(buf);
      if (v.ok && v.value === 3) return this.v3.receive(buf, from);
      const m = decodeCommunityMessage(buf);
      if (m.ok && m.value.pdu.type === 'Response') this.tracker.complete(m.value.pdu.requestId, m.value.pdu);
    });
  }

  /** Sends `trapOid` with `varbinds` to every target; resolves when traps are sent and informs settled. */
  async notify(trapOid: Oid, varbinds: readonly VarBind[] = []): Promise<NotificationOutcome[]> {
    const vbs: VarBind[] = [
      { oid: SYS_UP_TIME_0, value: { type: 'TimeTicks', value: this.init.upTime() } },
      { oid: SNMP_TRAP_OID_0, value: { type: 'ObjectIdentifier', value: trapOid } },
      ...varbinds,
    ];
    return Promise.all(
      this.init.targets.map((t) => (t.version === 'v3' ? this.sendV3(t, vbs) : this.sendTo(t, vbs))),
    );
  }

  private countOut(): void {
    this.init.stats?.inc('snmpOutTraps');
    this.init.stats?.inc('snmpOutPkts');
  }

  private async sendTo(t: CommunityNotificationTarget, varbinds: VarBind[]): Promise<NotificationOutcome> {
    const requestId = this.tracker.allocateId();
    const enc = encodeCommunityMessage(
      {
        version: 1,
        community: Buffer.from(t.community, 'latin1'),
        pdu: {
          type: t.type === 'inform' ? 'InformRequest' : 'SNMPv2Trap',
          requestId,
          errorStatus: 0,
          errorIndex: 0,
          varbinds,
        },
      },
      this.writer,
    );
    if (!enc.ok) {
      this.log.warn({ error: enc.error, target: t.name }, 'cannot encode notification');
      return { target: t.name, ok: false, error: 'encode' };
    }
    const bytes = enc.value;
    const to = { address: t.address, port: t.port };
    const send = (): void => {
      this.countOut();
      this.init.transport.send(bytes, to);
    };
    if (t.type === 'trap') {
      send();
      return { target: t.name, ok: true };
    }
    const r = await this.tracker.start(requestId, send, t.timeoutMs ?? 1000, t.retries ?? 3);
    if (!r.ok) {
      this.log.info({ target: t.name, error: r.error }, 'inform not acknowledged');
      return { target: t.name, ok: false, error: r.error };
    }
    return { target: t.name, ok: true };
  }

  private async sendV3(t: V3NotificationTarget, varbinds: VarBind[]): Promise<NotificationOutcome> {
    const sm = this.init.securityModel;
    if (!sm) {
      this.log.warn({ target: t.name }, 'v3 notification target without a security model');
      return { target: t.name, ok: false, error: 'noSecurityModel' };
    }
    return t.type === 'trap' ? this.sendV3Trap(sm, t, varbinds) : this.sendV3Inform(sm, t, varbinds);
  }

  /**
   * RFC 3412 §7.1 for an Unconfirmed Class PDU: the securityEngineID is the local snmpEngineID (the
   * sender is authoritative) and the reportableFlag is clear; RFC 3413 §3.2: the contextEngineID is
   * the local snmpEngineID too.
   */
  private sendV3Trap(
    sm: LocalSecurityModel,
    t: V3NotificationTarget,
    varbinds: VarBind[],
  ): NotificationOutcome {
    const id = this.tracker.allocateId();
    const scoped = encodeScopedPdu(
      {
        contextEngineId: sm.engineId,
        contextName: Buffer.from(t.contextName ?? '', 'utf8'),
        pdu: { type: 'SNMPv2Trap', requestId: id, errorStatus: 0, errorIndex: 0, varbinds },
      },
      this.writer,
    );
    if (!scoped.ok) {
      this.log.warn({ error: scoped.error, target: t.name }, 'cannot encode notification');
      return { target: t.name, ok: false, error: 'encode' };
    }
    const msg = sm.generateRequestMsg({
      globalData: {
        msgId: id,
        msgMaxSize: 65507,
        msgFlags: flagsFromSecurityLevel(t.securityLevel, false),
        msgSecurityModel: sm.id,
      },
      securityEngineId: sm.engineId,
      securityName: t.securityName,
      securityLevel: t.securityLevel,
      scopedPdu: scoped.value,
    });
    if (!msg.ok) {
      this.log.warn({ status: msg.error.status, target: t.name }, 'cannot secure v3 trap');
      return { target: t.name, ok: false, error: 'encode' };
    }
    this.countOut();
    this.init.transport.send(msg.value, { address: t.address, port: t.port });
    return { target: t.name, ok: true };
  }

  /** Inform (Confirmed Class): discovery of the receiver's engine, then retransmissions until a Response. */
  private async sendV3Inform(
    sm: LocalSecurityModel,
    t: V3NotificationTarget,
    varbinds: VarBind[],
  ): Promise<NotificationOutcome> {
    const target: V3Target = {
      address: t.address,
      port: t.port,
      version: 'v3',
      securityModel: sm,
      securityName: t.securityName,
      securityLevel: t.securityLevel,
      contextEngineId: sm.engineId,
      contextName: t.contextName,
      timeoutMs: t.timeoutMs ?? 1000,
      retries: t.retries ?? 3,
      ...(t.securityEngineId ? { securityEngineId: t.securityEngineId } : {}),
    };
    this.countOut();
    const r = await this.v3.request(target, {
      type: 'InformRequest',
      requestId: 0,
      errorStatus: 0,
      errorIndex: 0,
      varbinds,
    });
    if (r.ok) return { target: t.name, ok: true };
    this.log.info({ target: t.name, error: r.error }, 'v3 inform not acknowledged');
    return { target: t.name, ok: false, error: outcomeError(r.error) };
  }

  dispose(): void {
    this.tracker.dispose();
    this.v3.dispose();
  }
}

function outcomeError(e: ManagerError): 'timeout' | 'closed' | 'encode' | 'report' {
  switch (e.kind) {
    case 'timeout':
    case 'closed':
    case 'report':
      return e.kind;
    default:
      return 'encode';
  }
}
