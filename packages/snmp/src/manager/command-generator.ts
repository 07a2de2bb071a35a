import type { Logger } from '@beckon/ops';
import { BerWriter } from '../ber/ber-writer.js';
import { compareOid, isOidPrefix, type Oid } from '../ber/oid.js';
import { NULL_VALUE, type VarBind } from '../ber/snmp-value.js';
import { decodeCommunityMessage, encodeCommunityMessage, peekVersion } from '../proto/community-message.js';
import type { BasicPdu, Pdu } from '../proto/pdu.js';
import {
  flagsFromSecurityLevel,
  securityLevelFromFlags,
  type SecurityLevel,
  type SecurityModel,
} from '../proto/security-model.js';
import { decodeScopedPdu, decodeV3Message, encodeScopedPdu } from '../proto/v3-message.js';
import type { SnmpTransport, TransportAddress } from '../transport/snmp-transport.js';
import { RequestTracker } from './request-tracker.js';

export interface CommunityTarget {
  address: string;
  port: number;
  version: 'v1' | 'v2c';
  community: string;
  timeoutMs?: number;
  retries?: number;
}

/** SNMPv3 through the SecurityModel seam (USM, or TSM for call-home over TLS/SSH later). */
export interface V3Target {
  address: string;
  port: number;
  version: 'v3';
  securityModel: SecurityModel;
  securityName: string;
  securityLevel: SecurityLevel;
  /** The authoritative engine; when absent it is discovered (RFC 3414 §4) and cached per address. */
  securityEngineId?: Buffer;
  /** Defaults to the security engine ID. */
  contextEngineId?: Buffer;
  contextName?: string;
  timeoutMs?: number;
  retries?: number;
}

export type SnmpTarget = CommunityTarget | V3Target;

/** usmStats counters that a command generator answers by retrying (RFC 3414 §4). */
const USM_STATS_NOT_IN_TIME_WINDOWS = '1.3.6.1.6.3.15.1.1.2.0';
const USM_STATS_UNKNOWN_ENGINE_IDS = '1.3.6.1.6.3.15.1.1.4.0';

interface Incoming {
  pdu: BasicPdu;
  /** v3: the authoritative engine named by the response or report. */
  securityEngineId?: Buffer;
}

type Expectation =
  | { kind: 'community'; version: 0 | 1; community: string; to: TransportAddress }
  | { kind: 'v3'; target: V3Target; to: TransportAddress };

export type ManagerError =
  | { kind: 'timeout' }
  | { kind: 'closed' }
  | { kind: 'encode'; detail: string }
  | { kind: 'errorStatus'; errorStatus: number; errorIndex: number }
  | { kind: 'nonIncreasing'; oid: Oid }
  /** v3: the agent answered with a Report-PDU (first varbind names the usmStats/mpd counter). */
  | { kind: 'report'; oid: Oid };

export type ManagerResult<T> = { ok: true; value: T } | { ok: false; error: ManagerError };

export interface CommandGeneratorInit {
  transport: SnmpTransport;
  log?: Logger;
  /** Defaults for targets that do not say (1000 ms, 1 retry). */
  timeoutMs?: number;
  retries?: number;
  /**
   * False when another component owns the transport's listener and hands messages over with
   * `receive` (e.g. the notification originator sharing its socket). Default true.
   */
  listen?: boolean;
}

export interface WalkOptions {
  /** GetBulk max-repetitions for v2c (default 25). */
  maxRepetitions?: number;
  /** Force GetNext even for v2c. */
  useGetNext?: boolean;
  /** Safety bound on returned varbinds (default 1,000,000). */
  maxVarbinds?: number;
}

/**
 * Command generator (RFC 3413 §3.1) for v1/v2c and v3 over any SnmpTransport (UDP, or a stream for
 * call-home). v1/v2c responses are matched on request-id, version and community; v3 responses on
 * msgID and then checked by the target's security model (the USM: discovery, time synchronisation).
 * Unmatched messages are ignored.
 */
export class CommandGenerator {
  private readonly tracker = new RequestTracker<Incoming>();
  private readonly writer = new BerWriter(1024);
  private readonly expect = new Map<number, Expectation>();
  /** Discovered authoritative engine IDs by "address:port". */
  private readonly engines = new Map<string, Buffer>();
  /** Messages that matched nothing (late, duplicate or garbage). */
  unmatched = 0;

  constructor(private readonly init: CommandGeneratorInit) {
    if (init.listen !== false) init.transport.onMessage((buf, from) => this.receive(buf, from));
  }

  /** Hands one incoming message to the generator (done automatically unless `listen` is false). */
  receive(buf: Buffer, from: TransportAddress): void {
    const v = peekVersion(buf);
    if (v.ok && v.value === 3) return this.onV3Message(buf, from);
    const m = decodeCommunityMessage(buf);
    if (!m.ok || m.value.pdu.type !== 'Response') {
      this.unmatched++;
      return;
    }
    const pdu = m.value.pdu;
    const e = this.expect.get(pdu.requestId);
    if (
      !e ||
      e.kind !== 'community' ||
      e.version !== m.value.version ||
      e.community !== m.value.community.toString('latin1') ||
      !this.fromExpected(e.to, from)
    ) {
      this.unmatched++;
      return;
    }
    this.expect.delete(pdu.requestId);
    this.tracker.complete(pdu.requestId, { pdu });
  }

  private fromExpected(to: TransportAddress, from: TransportAddress): boolean {
    return this.init.transport.connected === true || sameAddress(to, from);
  }

  /** RFC 3412 §7.2: responses are matched on msgID, then checked by the security model. */
  private onV3Message(buf: Buffer, from: TransportAddress): void {
    const m = decodeV3Message(buf);
    const e = m.ok ? this.expect.get(m.value.globalData.msgId) : undefined;
    if (!m.ok || !e || e.kind !== 'v3' || !this.fromExpected(e.to, from)) {
      this.unmatched++;
      return;
    }
    const gd = m.value.globalData;
    const level = securityLevelFromFlags(gd.msgFlags);
    const sm = e.target.securityModel;
    if (!level || gd.msgSecurityModel !== sm.id) {
      this.unmatched++;
      return;
    }
    const sec = sm.processIncomingMsg({
      globalData: gd,
      securityLevel: level,
      securityParameters: m.value.securityParameters,
      securityParametersOffset: m.value.securityParametersOffset,
      msgData: m.value.msgData,
      wholeMsg: buf,
    });
    if (!sec.ok) {
      this.unmatched++;
      return;
    }
    const sp = decodeScopedPdu(sec.value.scopedPdu, m.value.msgData.kind === 'encrypted');
    if (!sp.ok || (sp.value.pdu.type !== 'Response' && sp.value.pdu.type !== 'Report')) {
      this.unmatched++;
      return;
    }
    const pdu = sp.value.pdu;
    // a Response must come back at the security level of the request (Reports may be lower)
    if (pdu.type === 'Response' && level !== e.target.securityLevel) {
      this.unmatched++;
      return;
    }
    this.expect.delete(gd.msgId);
    this.tracker.complete(gd.msgId, { pdu, securityEngineId: sec.value.securityEngineId });
  }

  /** Sends one request PDU (its requestId is assigned here) and waits for the Response-PDU. */
  async request(target: SnmpTarget, pdu: Pdu): Promise<ManagerResult<BasicPdu>> {
    if (pdu.type === 'TrapV1')
      return { ok: false, error: { kind: 'encode', detail: 'Trap-v1 is not a request' } };
    if (target.version === 'v3') return this.requestV3(target, pdu);
    const requestId = this.tracker.allocateId();
    const version = target.version === 'v1' ? 0 : 1;
    const enc = encodeCommunityMessage(
      { version, community: Buffer.from(target.community, 'latin1'), pdu: { ...pdu, requestId } },
      this.writer,
    );
    if (!enc.ok) return { ok: false, error: { kind: 'encode', detail: enc.error.detail ?? enc.error.code } };
    const to: TransportAddress = { address: target.address, port: target.port };
    const r = await this.exchange(
      requestId,
      enc.value,
      { kind: 'community', version, community: target.community, to },
      target,
    );
    if (!r.ok) return r;
    return { ok: true, value: r.value.pdu };
  }

  private async exchange(
    id: number,
    bytes: Buffer,
    e: Expectation,
    target: SnmpTarget,
  ): Promise<ManagerResult<Incoming>> {
    this.expect.set(id, e);
    const r = await this.tracker.start(
      id,
      () => this.init.transport.send(bytes, e.to),
      target.timeoutMs ?? this.init.timeoutMs ?? 1000,
      target.retries ?? this.init.retries ?? 1,
    );
    this.expect.delete(id);
    if (!r.ok) return { ok: false, error: { kind: r.error } };
    return { ok: true, value: r.value };
  }

  /**
   * SNMPv3 request through the target's security model. RFC 3414 §4: with no known authoritative
   * engine, a noAuthNoPriv probe learns its snmpEngineID from the usmStatsUnknownEngineIDs Report; a
   * usmStatsNotInTimeWindows Report (the security model has then synchronised boots/time) is retried
   * once. Other Reports are returned as errors.
   */
  private async requestV3(
    target: V3Target,
    pdu: Exclude<Pdu, { type: 'TrapV1' }>,
  ): Promise<ManagerResult<BasicPdu>> {
    const to: TransportAddress = { address: target.address, port: target.port };
    const key = `${target.address}:${target.port}`;
    let engineId = target.securityEngineId ?? this.engines.get(key);
    if (!engineId) {
      const probe = await this.sendV3(
        target,
        to,
        Buffer.alloc(0),
        {
          type: 'GetRequest',
          requestId: 0,
          errorStatus: 0,
          errorIndex: 0,
          varbinds: [],
        },
        true,
      );
      if (!probe.ok) return probe;
      const found = probe.value.securityEngineId;
      if (!found || found.length === 0)
        return { ok: false, error: { kind: 'report', oid: reportOid(probe.value.pdu) } };
      engineId = found;
      this.engines.set(key, found);
    }
    for (let attempt = 0; ; attempt++) {
      const r = await this.sendV3(target, to, engineId, pdu, false);
      if (!r.ok) return r;
      if (r.value.pdu.type !== 'Report') return { ok: true, value: r.value.pdu };
      const oid = reportOid(r.value.pdu);
      const name = oid.join('.');
      if (
        attempt === 0 &&
        (name === USM_STATS_NOT_IN_TIME_WINDOWS || name === USM_STATS_UNKNOWN_ENGINE_IDS)
      ) {
        if (r.value.securityEngineId && r.value.securityEngineId.length > 0) {
          engineId = r.value.securityEngineId;
          this.engines.set(key, engineId);
        }
        continue;
      }
      return { ok: false, error: { kind: 'report', oid } };
    }
  }

  /**
   * One v3 request with its retransmissions. RFC 3412 §7.1 step 4/5 (prepareOutgoingMessage): "a
   * msgID is ... generated" for every message; a retransmission is a new message, so each attempt gets
   * a fresh msgID and is re-authenticated with the current engine time (RFC 3414 §3.1 step 6). The
   * request-id stays that of the first attempt (RFC 3416 §4.1: a retransmitted request may reuse it).
   */
  private async sendV3(
    target: V3Target,
    to: TransportAddress,
    engineId: Buffer,
    pdu: Exclude<Pdu, { type: 'TrapV1' }>,
    discovery: boolean,
  ): Promise<ManagerResult<Incoming>> {
    const level: SecurityLevel = discovery ? 'noAuthNoPriv' : target.securityLevel;
    const probeTarget: V3Target = discovery ? { ...target, securityLevel: 'noAuthNoPriv' } : target;
    const attempts = 1 + (target.retries ?? this.init.retries ?? 1);
    const timeoutMs = target.timeoutMs ?? this.init.timeoutMs ?? 1000;
    let requestId = 0;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const id = this.tracker.allocateId();
      if (attempt === 0) requestId = id;
      const scoped = encodeScopedPdu(
        {
          contextEngineId: target.contextEngineId ?? engineId,
          contextName: Buffer.from(target.contextName ?? '', 'utf8'),
          pdu: { ...pdu, requestId },
        },
        this.writer,
      );
      if (!scoped.ok)
        return { ok: false, error: { kind: 'encode', detail: scoped.error.detail ?? scoped.error.code } };
      const msg = target.securityModel.generateRequestMsg({
        globalData: {
          msgId: id,
          msgMaxSize: 65507,
          msgFlags: flagsFromSecurityLevel(level, true),
          msgSecurityModel: target.securityModel.id,
        },
        securityEngineId: engineId,
        securityName: discovery ? '' : target.securityName,
        securityLevel: level,
        scopedPdu: scoped.value,
      });
      if (!msg.ok) return { ok: false, error: { kind: 'encode', detail: msg.error.status } };
      const bytes = msg.value;
      this.expect.set(id, { kind: 'v3', target: probeTarget, to });
      const r = await this.tracker.start(id, () => this.init.transport.send(bytes, to), timeoutMs, 0);
      this.expect.delete(id);
      if (r.ok) return { ok: true, value: r.value };
      if (r.error === 'closed') return { ok: false, error: { kind: 'closed' } };
    }
    return { ok: false, error: { kind: 'timeout' } };
  }

  get(target: SnmpTarget, oids: readonly Oid[]): Promise<ManagerResult<BasicPdu>> {
    return this.request(target, basic('GetRequest', oids));
  }

  getNext(target: SnmpTarget, oids: readonly Oid[]): Promise<ManagerResult<BasicPdu>> {
    return this.request(target, basic('GetNextRequest', oids));
  }

  getBulk(
    target: SnmpTarget,
    nonRepeaters: number,
    maxRepetitions: number,
    oids: readonly Oid[],
  ): Promise<ManagerResult<BasicPdu>> {
    return this.request(target, {
      type: 'GetBulkRequest',
      requestId: 0,
      nonRepeaters,
      maxRepetitions,
      varbinds: oids.map((oid) => ({ oid, value: NULL_VALUE })),
    });
  }

  set(target: SnmpTarget, varbinds: VarBind[]): Promise<ManagerResult<BasicPdu>> {
    return this.request(target, {
      type: 'SetRequest',
      requestId: 0,
      errorStatus: 0,
      errorIndex: 0,
      varbinds,
    });
  }

  /**
   * Walks the subtree under `root` (GetBulk for v2c, GetNext for v1), calling `onVarbind` for each
   * instance; stops at the end of the subtree or endOfMibView and fails on a non-increasing OID.
   */
  async walk(
    target: SnmpTarget,
    root: Oid,
    onVarbind?: (vb: VarBind) => void,
    opts: WalkOptions = {},
  ): Promise<ManagerResult<VarBind[]>> {
    const out: VarBind[] = [];
    const max = opts.maxVarbinds ?? 1_000_000;
    const bulk = target.version !== 'v1' && !opts.useGetNext;
    let cur: Oid = root;
    let count = 0;
    for (;;) {
      const r = bulk
        ? await this.getBulk(target, 0, opts.maxRepetitions ?? 25, [cur])
        : await this.getNext(target, [cur]);
      if (!r.ok) return r;
      const pdu = r.value;
      if (pdu.errorStatus !== 0) {
        // v1 agents signal the end of the MIB with noSuchName
        if (!bulk && pdu.errorStatus === 2) return { ok: true, value: out };
        return {
          ok: false,
          error: { kind: 'errorStatus', errorStatus: pdu.errorStatus, errorIndex: pdu.errorIndex },
        };
      }
      if (pdu.varbinds.length === 0) return { ok: true, value: out };
      for (const vb of pdu.varbinds) {
        if (vb.value.type === 'EndOfMibView' || !isOidPrefix(root, vb.oid)) return { ok: true, value: out };
        if (compareOid(vb.oid, cur) <= 0) return { ok: false, error: { kind: 'nonIncreasing', oid: vb.oid } };
        cur = vb.oid;
        onVarbind?.(vb);
        if (onVarbind === undefined) out.push(vb);
        if (++count >= max) return { ok: true, value: out };
      }
    }
  }

  /** Fails outstanding requests; the transport is closed by its owner. */
  dispose(): void {
    this.tracker.dispose();
    this.expect.clear();
  }
}

function reportOid(pdu: BasicPdu): Oid {
  return pdu.varbinds[0]?.oid ?? [];
}

function basic(type: 'GetRequest' | 'GetNextRequest', oids: readonly Oid[]): BasicPdu {
  return {
    type,
    requestId: 0,
    errorStatus: 0,
    errorIndex: 0,
    varbinds: oids.map((oid) => ({ oid, value: NULL_VALUE })),
  };
}

/** UDP source check: the response must come from where the request went (IPv4-mapped forms equal). */
function sameAddress(a: TransportAddress, b: TransportAddress): boolean {
  const norm = (x: string): string => (x.startsWith('::ffff:') ? x.slice(7) : x);
  return a.port === b.port && norm(a.address) === norm(b.address);
}
