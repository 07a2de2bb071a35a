import {
  MsgFlags,
  flagsFromSecurityLevel,
  securityLevelFromFlags,
  type SecurityLevel,
} from '../../../src/proto/security-model.js';
import { decodeScopedPdu, decodeV3Message, encodeScopedPdu } from '../../../src/proto/v3-message.js';
import type { BasicPdu, Pdu } from '../../../src/proto/pdu.js';
import type { Oid } from '../../../src/ber/oid.js';
import type { UdpTransport } from '../../../src/transport/udp-transport.js';
import type { TransportAddress } from '../../../src/transport/snmp-transport.js';
import type { UserBasedSecurityModel } from '../../../src/security/user-based-security-model.js';
import { usmStatInstanceOid } from '../../../src/security/usm-stats.js';
import { oidEquals } from '../../../src/ber/oid.js';

export type ClientResult =
  { ok: true; pdu: BasicPdu; engineId: Buffer; level: SecurityLevel } | { ok: false; error: string };

/**
 * A minimal SNMPv3 command generator for tests: RFC 3412 message processing around the USM
 * SecurityModel (discovery, one retry after a notInTimeWindow Report). Not a product API: the engine's
 * CommandGenerator is the place for v3 in production code.
 */
export class UsmTestClient {
  private msgId = 1000;
  private requestId = 5000;
  private waiting = new Map<number, (buf: Buffer) => void>();

  constructor(
    private readonly usm: UserBasedSecurityModel,
    private readonly transport: UdpTransport,
    private readonly to: TransportAddress,
  ) {
    transport.onMessage((buf) => {
      const m = decodeV3Message(buf);
      if (!m.ok) return;
      const w = this.waiting.get(m.value.globalData.msgId);
      if (w) {
        this.waiting.delete(m.value.globalData.msgId);
        w(buf);
      }
    });
  }

  private exchange(bytes: Buffer, msgId: number, timeoutMs = 2000): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waiting.delete(msgId);
        resolve(undefined);
      }, timeoutMs);
      this.waiting.set(msgId, (b) => {
        clearTimeout(t);
        resolve(b);
      });
      this.transport.send(bytes, this.to);
    });
  }

  /** RFC 3414 §4 discovery: returns the remote snmpEngineID. */
  async discover(): Promise<Buffer | undefined> {
    const r = await this.send(Buffer.alloc(0), '', 'noAuthNoPriv', {
      type: 'GetRequest',
      requestId: this.requestId++,
      errorStatus: 0,
      errorIndex: 0,
      varbinds: [],
    });
    return r.ok ? r.engineId : undefined;
  }

  async get(
    engineId: Buffer,
    user: string,
    level: SecurityLevel,
    oids: readonly Oid[],
  ): Promise<ClientResult> {
    const pdu: Pdu = {
      type: 'GetRequest',
      requestId: 0,
      errorStatus: 0,
      errorIndex: 0,
      varbinds: oids.map((oid) => ({ oid, value: { type: 'Null' } })),
    };
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = await this.send(engineId, user, level, { ...pdu, requestId: this.requestId++ });
      if (!r.ok) return r;
      const vb = r.pdu.varbinds[0];
      if (
        r.pdu.type === 'Report' &&
        vb &&
        oidEquals(vb.oid, usmStatInstanceOid('usmStatsNotInTimeWindows')) &&
        attempt === 0
      )
        continue;
      return r;
    }
    return { ok: false, error: 'still not in time window' };
  }

  private async send(engineId: Buffer, user: string, level: SecurityLevel, pdu: Pdu): Promise<ClientResult> {
    const msgId = this.msgId++;
    const scoped = encodeScopedPdu({ contextEngineId: engineId, contextName: Buffer.alloc(0), pdu });
    if (!scoped.ok) return { ok: false, error: 'encode scoped PDU' };
    const out = this.usm.generateRequestMsg({
      globalData: {
        msgId,
        msgMaxSize: 65507,
        msgFlags: flagsFromSecurityLevel(level, true),
        msgSecurityModel: 3,
      },
      securityEngineId: engineId,
      securityName: user,
      securityLevel: level,
      scopedPdu: scoped.value,
    });
    if (!out.ok) return { ok: false, error: `generateRequestMsg: ${out.error.status}` };
    const reply = await this.exchange(out.value, msgId);
    if (!reply) return { ok: false, error: 'timeout' };
    const m = decodeV3Message(reply);
    if (!m.ok) return { ok: false, error: 'bad reply' };
    const rl = securityLevelFromFlags(m.value.globalData.msgFlags & ~MsgFlags.reportable);
    if (!rl) return { ok: false, error: 'bad flags' };
    const sec = this.usm.processIncomingMsg({
      globalData: m.value.globalData,
      securityLevel: rl,
      securityParameters: m.value.securityParameters,
      securityParametersOffset: m.value.securityParametersOffset,
      msgData: m.value.msgData,
      wholeMsg: reply,
    });
    if (!sec.ok) return { ok: false, error: `processIncomingMsg: ${sec.error.status}` };
    const sp = decodeScopedPdu(sec.value.scopedPdu, true);
    if (!sp.ok || sp.value.pdu.type === 'TrapV1' || sp.value.pdu.type === 'GetBulkRequest') {
      return { ok: false, error: 'bad scoped PDU' };
    }
    return { ok: true, pdu: sp.value.pdu, engineId: sec.value.securityEngineId, level: rl };
  }
}
