import type { Logger, MetricsRegistry } from '@beckon/ops';
import { BerWriter } from '../ber/ber-writer.js';
import type { AccessControl } from '../acm/access-control.js';
import type { MibRegistry } from '../mib/mib-registry.js';
import {
  decodeCommunityMessage,
  encodeCommunityMessage,
  peekVersion,
  type CommunityMessage,
} from '../proto/community-message.js';
import type { BasicPdu, BulkPdu, Pdu } from '../proto/pdu.js';
import {
  SecurityModelId,
  securityLevelFromFlags,
  MsgFlags,
  type SecurityModel,
  type SecurityError,
  type V3GlobalData,
  type V3MsgData,
} from '../proto/security-model.js';
import { decodeScopedPdu, decodeV3Message, encodeScopedPdu } from '../proto/v3-message.js';
import type { SnmpTransport } from '../transport/snmp-transport.js';
import { CommandResponder } from './command-responder.js';
import { SnmpStats } from './snmp-stats.js';

export interface SnmpAgentInit {
  registry: MibRegistry;
  /** Access control (VACM or CommunityAccessControl). */
  access: AccessControl;
  /** community -> securityName for v1/v2c (undefined: bad community). Absent: v1/v2c disabled. */
  resolveCommunity?: (community: Buffer) => string | undefined;
  /** v3 security models by id (e.g. USM = 3). */
  securityModels?: readonly SecurityModel[];
  /** snmpEngineID of this engine (contextEngineID of responses). */
  engineId: Buffer;
  metrics: MetricsRegistry;
  /** Shared counters; created on `metrics` when absent. */
  stats?: SnmpStats;
  log: Logger;
  /** Local maximum message size (default 65507, the largest UDP payload). */
  maxMessageSize?: number;
  maxRepetitionsCap?: number;
}

/**
 * Command responder engine: dispatcher and message processing (RFC 3412 §4.2, §7) for v1/v2c
 * (community, RFC 3584) and v3 (through the SecurityModel seam), feeding the CommandResponder.
 * Malformed or unauthenticated messages are counted and dropped, never thrown.
 */
export class SnmpAgent {
  readonly stats: SnmpStats;
  private readonly responder: CommandResponder;
  private readonly log: Logger;
  private readonly writer = new BerWriter(2048);
  private readonly maxMsg: number;
  private readonly transports: SnmpTransport[] = [];

  constructor(private readonly init: SnmpAgentInit) {
    this.stats = init.stats ?? new SnmpStats(init.metrics);
    this.log = init.log.child({ component: 'snmp.agent' });
    this.maxMsg = init.maxMessageSize ?? 65507;
    this.responder = new CommandResponder({
      registry: init.registry,
      access: init.access,
      stats: this.stats,
      log: this.log,
      maxRepetitionsCap: init.maxRepetitionsCap ?? 1000,
    });
  }

  /**
   * Serves requests arriving on `t` (replies go back on the same transport): a UDP socket, or one
   * accepted TCP/TLS connection wrapped in a StreamTransport. Returns a function that detaches it.
   */
  attach(t: SnmpTransport): () => void {
    this.transports.push(t);
    t.onMessage((buf, from) => {
      const out = this.handleMessage(buf);
      if (out) {
        this.stats.inc('snmpOutPkts');
        t.send(out, from);
      }
    });
    return () => {
      const i = this.transports.indexOf(t);
      if (i >= 0) this.transports.splice(i, 1);
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.transports.map((t) => t.close()));
    this.transports.length = 0;
  }

  /** Processes one incoming message; returns the encoded reply or undefined (dropped). */
  handleMessage(buf: Buffer): Buffer | undefined {
    this.stats.inc('snmpInPkts');
    const v = peekVersion(buf);
    if (!v.ok) {
      this.stats.inc('snmpInASNParseErrs');
      this.log.debug({ error: v.error }, 'unparseable message');
      return undefined;
    }
    if (v.value === 0 || v.value === 1) return this.handleCommunity(buf);
    if (v.value === 3) return this.handleV3(buf);
    // RFC 3412 §4.2.1: a message of an unsupported version is counted in snmpInBadVersions and discarded
    this.stats.inc('snmpInBadVersions');
    return undefined;
  }

  private handleCommunity(buf: Buffer): Buffer | undefined {
    if (!this.init.resolveCommunity) {
      this.stats.inc('snmpInBadVersions');
      return undefined;
    }
    const m = decodeCommunityMessage(buf);
    if (!m.ok) {
      this.stats.inc('snmpInASNParseErrs');
      return undefined;
    }
    const { version, community, pdu } = m.value;
    const securityName = this.init.resolveCommunity(community);
    if (securityName === undefined) {
      // Unknown community: counted (SNMPv2-MIB snmpInBadCommunityNames) and discarded
      this.stats.inc('snmpInBadCommunityNames');
      return undefined;
    }
    if (!isRequest(pdu)) {
      this.countUnrequested(pdu);
      return undefined;
    }
    const overhead = 16 + community.length;
    const r = this.responder.process({
      pdu,
      version,
      ctx: {
        securityModel: version === 0 ? SecurityModelId.v1 : SecurityModelId.v2c,
        securityName,
        securityLevel: 'noAuthNoPriv',
        contextName: '',
      },
      maxPduSize: this.maxMsg - overhead,
    });
    if (r.kind === 'drop') {
      // a known community not allowed this operation (SNMPv2-MIB snmpInBadCommunityUses)
      if (r.reason === 'authorization') this.stats.inc('snmpInBadCommunityUses');
      return undefined;
    }
    const reply: CommunityMessage = { version, community, pdu: r.pdu };
    const enc = encodeCommunityMessage(reply, this.writer);
    if (!enc.ok) {
      this.log.warn({ error: enc.error }, 'cannot encode response');
      this.stats.inc('snmpSilentDrops');
      return undefined;
    }
    return enc.value;
  }

  private countUnrequested(pdu: Pdu): void {
    if (pdu.type === 'Response') this.stats.inc('snmpInGetResponses');
    else if (pdu.type === 'TrapV1' || pdu.type === 'SNMPv2Trap') this.stats.inc('snmpInTraps');
    else this.stats.inc('snmpUnknownPDUHandlers');
  }

  private handleV3(buf: Buffer): Buffer | undefined {
    const m = decodeV3Message(buf);
    if (!m.ok) {
      this.stats.inc('snmpInASNParseErrs');
      return undefined;
    }
    const { globalData } = m.value;
    const level = securityLevelFromFlags(globalData.msgFlags);
    if (!level) {
      this.stats.inc('snmpInvalidMsgs');
      return undefined;
    }
    const sm = this.init.securityModels?.find((s) => s.id === globalData.msgSecurityModel);
    if (!sm) {
      this.stats.inc('snmpUnknownSecurityModels');
      return undefined;
    }
    const sec = sm.processIncomingMsg({
      globalData,
      securityLevel: level,
      securityParameters: m.value.securityParameters,
      securityParametersOffset: m.value.securityParametersOffset,
      msgData: m.value.msgData,
      wholeMsg: buf,
    });
    if (!sec.ok) return this.report(sm, globalData, sec.error, m.value.msgData);
    const sp = decodeScopedPdu(sec.value.scopedPdu, m.value.msgData.kind === 'encrypted');
    if (!sp.ok) {
      this.stats.inc('snmpInASNParseErrs');
      return undefined;
    }
    const { pdu, contextName, contextEngineId } = sp.value;
    // RFC 3412 §4.2.2.1: no application registered for this contextEngineID (no proxy here)
    if (contextEngineId.length > 0 && !contextEngineId.equals(this.init.engineId)) {
      this.stats.inc('snmpUnknownPDUHandlers');
      return undefined;
    }
    if (!isRequest(pdu)) {
      this.countUnrequested(pdu);
      return undefined;
    }
    const maxMsg = Math.min(this.maxMsg, globalData.msgMaxSize);
    // header, security parameters (<= ~120 with USM) and scoped-PDU wrapping
    const overhead = 200 + contextName.length + this.init.engineId.length;
    const maxPdu = Math.min(maxMsg - overhead, sec.value.maxSizeResponseScopedPdu - 20 - contextName.length);
    const r = this.responder.process({
      pdu,
      version: 3,
      ctx: {
        securityModel: sm.id,
        securityName: sec.value.securityName,
        securityLevel: level,
        contextName: contextName.toString('utf8'),
      },
      maxPduSize: maxPdu,
    });
    if (r.kind === 'drop') return undefined;
    const scoped = encodeScopedPdu(
      { contextEngineId: this.init.engineId, contextName, pdu: r.pdu },
      this.writer,
    );
    if (!scoped.ok) return undefined;
    const out = sm.generateResponseMsg({
      globalData: {
        msgId: globalData.msgId,
        msgMaxSize: this.maxMsg,
        msgFlags: globalData.msgFlags & ~MsgFlags.reportable,
        msgSecurityModel: sm.id,
      },
      securityEngineId: sec.value.securityEngineId,
      securityName: sec.value.securityName,
      securityLevel: level,
      scopedPdu: scoped.value,
      securityStateReference: sec.value.securityStateReference,
    });
    if (!out.ok) {
      this.stats.inc('snmpSilentDrops');
      return undefined;
    }
    return out.value;
  }

  /** RFC 3412 §7.2 (6): security failures yield a Report-PDU when the reportable flag is set. */
  private report(
    sm: SecurityModel,
    gd: V3GlobalData,
    err: SecurityError,
    data: V3MsgData,
  ): Buffer | undefined {
    if (!err.report || (gd.msgFlags & MsgFlags.reportable) === 0) return undefined;
    // The Report echoes the request-id of the offending PDU when it is readable (plaintext), else 0
    // (RFC 3412 §7.1: request-id of the Report-PDU from the original PDU where known).
    let requestId = 0;
    if (data.kind === 'plaintext') {
      const sp = decodeScopedPdu(data.scopedPdu);
      if (sp.ok && sp.value.pdu.type !== 'TrapV1') requestId = sp.value.pdu.requestId;
    }
    const level = err.securityLevel ?? 'noAuthNoPriv';
    const scoped = encodeScopedPdu(
      {
        contextEngineId: this.init.engineId,
        contextName: Buffer.alloc(0),
        pdu: {
          type: 'Report',
          requestId,
          errorStatus: 0,
          errorIndex: 0,
          varbinds: [
            { oid: err.report.oid, value: { type: 'Counter32', value: err.report.value % 2 ** 32 } },
          ],
        },
      },
      this.writer,
    );
    if (!scoped.ok) return undefined;
    const out = sm.generateResponseMsg({
      globalData: {
        msgId: gd.msgId,
        msgMaxSize: this.maxMsg,
        msgFlags: level === 'authPriv' ? 3 : level === 'authNoPriv' ? 1 : 0,
        msgSecurityModel: sm.id,
      },
      securityEngineId: err.securityEngineId ?? this.init.engineId,
      securityName: err.securityName ?? '',
      securityLevel: level,
      scopedPdu: scoped.value,
      securityStateReference: err.securityStateReference,
    });
    return out.ok ? out.value : undefined;
  }
}

function isRequest(pdu: Pdu): pdu is BasicPdu | BulkPdu {
  return (
    pdu.type === 'GetRequest' ||
    pdu.type === 'GetNextRequest' ||
    pdu.type === 'GetBulkRequest' ||
    pdu.type === 'SetRequest'
  );
}
