import type { Logger } from '@beckon/ops';
import { BerWriter } from '../ber/ber-writer.js';
import { oid, type Oid } from '../ber/oid.js';
import type { VarBind } from '../ber/snmp-value.js';
import { decodeCommunityMessage, encodeCommunityMessage } from '../proto/community-message.js';
import type { BasicPdu } from '../proto/pdu.js';
import { RequestTracker } from '../manager/request-tracker.js';
import type { SnmpTransport } from '../transport/snmp-transport.js';
import type { SnmpStats } from './snmp-stats.js';

/** sysUpTime.0 and snmpTrapOID.0 (RFC 3416 §4.2.6: the first two varbinds of every notification). */
export const SYS_UP_TIME_0 = oid('1.3.6.1.2.1.1.3.0');
export const SNMP_TRAP_OID_0 = oid('1.3.6.1.6.3.1.1.4.1.0');

export interface NotificationTarget {
  name: string;
  address: string;
  port: number;
  /** v2c only for now; v3 comes through the security model seam. */
  version: 'v2c';
  community: string;
  type: 'trap' | 'inform';
  /** Informs: timeout per attempt (default 1000 ms) and retries (default 3). */
  timeoutMs?: number;
  retries?: number;
}

export interface NotificationOriginatorInit {
  transport: SnmpTransport;
  targets: readonly NotificationTarget[];
  /** sysUpTime in hundredths of a second. */
  upTime: () => number;
  log: Logger;
  stats?: SnmpStats;
}

export type NotificationOutcome =
  { target: string; ok: true } | { target: string; ok: false; error: 'timeout' | 'closed' | 'encode' };

/**
 * Notification originator (RFC 3413 §3.3): SNMPv2-Trap and InformRequest to every configured target;
 * informs are retransmitted until acknowledged by a Response-PDU with the same request-id.
 */
export class NotificationOriginator {
  private readonly tracker = new RequestTracker<BasicPdu>();
  private readonly writer = new BerWriter(1024);
  private readonly log: Logger;

  constructor(private readonly init: NotificationOriginatorInit) {
    this.log = init.log.child({ component: 'snmp.notification' });
    init.transport.onMessage((buf) => {
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
    return Promise.all(this.init.targets.map((t) => this.sendTo(t, vbs)));
  }

  private async sendTo(t: NotificationTarget, varbinds: VarBind[]): Promise<NotificationOutcome> {
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
      this.init.stats?.inc('snmpOutTraps');
      this.init.stats?.inc('snmpOutPkts');
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

  dispose(): void {
    this.tracker.dispose();
  }
}
