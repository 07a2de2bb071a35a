import type { Logger } from '@beckon/ops';
import { BerWriter } from '../ber/ber-writer.js';
import { compareOid, isOidPrefix, type Oid } from '../ber/oid.js';
import { NULL_VALUE, type VarBind } from '../ber/snmp-value.js';
import { decodeCommunityMessage, encodeCommunityMessage } from '../proto/community-message.js';
import type { BasicPdu, Pdu } from '../proto/pdu.js';
import type { SnmpTransport, TransportAddress } from '../transport/snmp-transport.js';
import { RequestTracker } from './request-tracker.js';

export interface SnmpTarget {
  address: string;
  port: number;
  version: 'v1' | 'v2c';
  community: string;
  timeoutMs?: number;
  retries?: number;
}

export type ManagerError =
  | { kind: 'timeout' }
  | { kind: 'closed' }
  | { kind: 'encode'; detail: string }
  | { kind: 'errorStatus'; errorStatus: number; errorIndex: number }
  | { kind: 'nonIncreasing'; oid: Oid };

export type ManagerResult<T> = { ok: true; value: T } | { ok: false; error: ManagerError };

export interface CommandGeneratorInit {
  transport: SnmpTransport;
  log?: Logger;
  /** Defaults for targets that do not say (1000 ms, 1 retry). */
  timeoutMs?: number;
  retries?: number;
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
 * Command generator (RFC 3413 §3.1) for v1/v2c over any SnmpTransport (UDP, or a stream for call-home).
 * Responses are matched on request-id, version and community; unmatched messages are ignored.
 */
export class CommandGenerator {
  private readonly tracker = new RequestTracker<BasicPdu>();
  private readonly writer = new BerWriter(1024);
  private readonly expect = new Map<number, { version: 0 | 1; community: string }>();
  /** Messages that matched nothing (late, duplicate or garbage). */
  unmatched = 0;

  constructor(private readonly init: CommandGeneratorInit) {
    init.transport.onMessage((buf) => this.onMessage(buf));
  }

  private onMessage(buf: Buffer): void {
    const m = decodeCommunityMessage(buf);
    if (!m.ok || m.value.pdu.type !== 'Response') {
      this.unmatched++;
      return;
    }
    const pdu = m.value.pdu;
    const e = this.expect.get(pdu.requestId);
    if (!e || e.version !== m.value.version || e.community !== m.value.community.toString('latin1')) {
      this.unmatched++;
      return;
    }
    this.expect.delete(pdu.requestId);
    this.tracker.complete(pdu.requestId, pdu);
  }

  /** Sends one request PDU (its requestId is assigned here) and waits for the Response-PDU. */
  async request(target: SnmpTarget, pdu: Pdu): Promise<ManagerResult<BasicPdu>> {
    if (pdu.type === 'TrapV1')
      return { ok: false, error: { kind: 'encode', detail: 'Trap-v1 is not a request' } };
    const requestId = this.tracker.allocateId();
    const version = target.version === 'v1' ? 0 : 1;
    const enc = encodeCommunityMessage(
      { version, community: Buffer.from(target.community, 'latin1'), pdu: { ...pdu, requestId } },
      this.writer,
    );
    if (!enc.ok) return { ok: false, error: { kind: 'encode', detail: enc.error.detail ?? enc.error.code } };
    const bytes = enc.value;
    const to: TransportAddress = { address: target.address, port: target.port };
    this.expect.set(requestId, { version, community: target.community });
    const r = await this.tracker.start(
      requestId,
      () => this.init.transport.send(bytes, to),
      target.timeoutMs ?? this.init.timeoutMs ?? 1000,
      target.retries ?? this.init.retries ?? 1,
    );
    this.expect.delete(requestId);
    if (!r.ok) return { ok: false, error: { kind: r.error } };
    return { ok: true, value: r.value };
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
    const bulk = target.version === 'v2c' && !opts.useGetNext;
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

function basic(type: 'GetRequest' | 'GetNextRequest', oids: readonly Oid[]): BasicPdu {
  return {
    type,
    requestId: 0,
    errorStatus: 0,
    errorIndex: 0,
    varbinds: oids.map((oid) => ({ oid, value: NULL_VALUE })),
  };
}
