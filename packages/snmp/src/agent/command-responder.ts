import { tlvSize, varbindSize, integerContentSize } from '../ber/encoded-size.js';
import type { Oid } from '../ber/oid.js';
import { END_OF_MIB_VIEW, NO_SUCH_OBJECT, type VarBind } from '../ber/snmp-value.js';
import type { Logger } from '@beckon/ops';
import type { AccessControl, AccessStatus } from '../acm/access-control.js';
import type { RequestContext } from '../mib/mib-handler.js';
import type { MibRegistry } from '../mib/mib-registry.js';
import { runSetTransaction } from '../mib/set-transaction.js';
import { ErrorStatus, type BasicPdu, type BulkPdu } from '../proto/pdu.js';
import type { SnmpStats } from './snmp-stats.js';

type Check = (oid: Oid) => AccessStatus;

export interface CommandResponderInit {
  registry: MibRegistry;
  /** Where handler bugs (exceptions) are reported; they become genErr responses. */
  log?: Logger;
  access: AccessControl;
  stats?: SnmpStats;
  /** Local cap on GetBulk max-repetitions (default 1000). */
  maxRepetitionsCap?: number;
}

export interface ResponderRequest {
  pdu: BasicPdu | BulkPdu;
  ctx: RequestContext;
  /** Message version: 0 = SNMPv1 (RFC 3584 §4.4 error mapping and Counter64 rules). */
  version: 0 | 1 | 3;
  /** Largest encoded Response-PDU that fits in the response message. */
  maxPduSize: number;
}

/**
 * Outcome: a Response-PDU, or a drop: 'authorization' (v1/v2c access failure other than notInView,
 * counted as snmpInBadCommunityUses by the caller), 'tooBig' (even the empty tooBig reply does not fit;
 * counted as snmpSilentDrops here) or 'unexpectedPdu'.
 */
export type ResponderResult =
  | { kind: 'response'; pdu: BasicPdu }
  | { kind: 'drop'; reason: 'authorization' | 'tooBig' | 'unexpectedPdu' };

/**
 * Command responder application (RFC 3413 §3.2) over a MibRegistry: Get, GetNext, GetBulk and Set
 * with access control per variable (RFC 3415 isAccessAllowed), response size limits (tooBig and GetBulk
 * truncation, RFC 3416 §4.2.1-4.2.3) and the SNMPv1 error mapping of RFC 3584 §4.4.
 */
export class CommandResponder {
  private readonly cap: number;

  constructor(private readonly init: CommandResponderInit) {
    this.cap = init.maxRepetitionsCap ?? 1000;
  }

  /**
   * RFC 3415 isAccessAllowed for one request and view type: steps 1-4 (group, access entry, view) are
   * resolved once per request when the access model supports it, leaving step 5 per variable.
   */
  private checker(req: ResponderRequest, viewType: 'read' | 'write'): Check {
    const c = req.ctx;
    const a = this.init.access;
    if (a.accessChecker)
      return a.accessChecker(c.securityModel, c.securityName, c.securityLevel, viewType, c.contextName);
    return (oid) =>
      a.isAccessAllowed(c.securityModel, c.securityName, c.securityLevel, viewType, c.contextName, oid);
  }

  process(req: ResponderRequest): ResponderResult {
    const { pdu } = req;
    const stats = this.init.stats;
    // RFC 3413 §3.2 (3): other than notInView, an access failure is an authorizationError
    const first = pdu.varbinds[0];
    const check = this.checker(req, pdu.type === 'SetRequest' ? 'write' : 'read');
    if (first) {
      const s = check(first.oid);
      if (s !== 'accessAllowed' && s !== 'notInView') {
        if (req.version !== 3) return { kind: 'drop', reason: 'authorization' };
        return { kind: 'response', pdu: errorResponse(pdu, ErrorStatus.authorizationError, 0) };
      }
    }
    let resp: BasicPdu;
    // encoded size of the varbind list when the handler already computed it (GetBulk)
    let vbLen = -1;
    try {
      switch (pdu.type) {
        case 'GetRequest':
          stats?.inc('snmpInGetRequests');
          stats?.inc('snmpInTotalReqVars', pdu.varbinds.length);
          resp = this.get(req, check, pdu as BasicPdu);
          break;
        case 'GetNextRequest':
          stats?.inc('snmpInGetNexts');
          stats?.inc('snmpInTotalReqVars', pdu.varbinds.length);
          resp = this.getNext(req, check, pdu as BasicPdu);
          break;
        case 'GetBulkRequest':
          stats?.inc('snmpInTotalReqVars', pdu.varbinds.length);
          {
            const b = this.getBulk(req, check, pdu);
            resp = b.pdu;
            vbLen = b.vbLen;
          }
          break;
        case 'SetRequest':
          stats?.inc('snmpInSetRequests');
          resp = this.set(req, check, pdu as BasicPdu);
          break;
        default:
          return { kind: 'drop', reason: 'unexpectedPdu' };
      }
    } catch (err) {
      // a MIB handler bug must not take the engine down: RFC 3416 genErr for the whole PDU
      this.init.log?.error({ err, pduType: pdu.type }, 'MIB handler failed');
      resp = errorResponse(pdu, ErrorStatus.genErr, pdu.varbinds.length > 0 ? 1 : 0);
      vbLen = -1;
    }
    if (req.version === 0) {
      const v1 = toV1(resp, pdu);
      if (v1 !== resp) vbLen = -1;
      resp = v1;
    }
    // RFC 3416 §4.2.1: "If the size of the message encapsulating the generated Response-PDU would
    // exceed a local constraint or the maximum message size of the originator, then the Response-PDU is
    // discarded and a new Response-PDU is constructed ... error-status field with a value of "tooBig", an
    // error-index field with a value of zero, and an empty variable-bindings field." (SNMPv1, RFC 1157
    // §4.1.2: the GetResponse is "of identical form" to the request, i.e. keeps the varbinds.)
    if ((vbLen >= 0 ? pduSizeOf(resp, vbLen) : pduSize(resp)) > req.maxPduSize) {
      stats?.inc('snmpOutTooBigs');
      resp = {
        ...errorResponse(pdu, ErrorStatus.tooBig, 0),
        varbinds: req.version === 0 ? (pdu.varbinds as VarBind[]) : [],
      };
      if (pduSize(resp) > req.maxPduSize) resp.varbinds = [];
      // snmpSilentDrops (RFC 3418): "silently dropped because the size of a reply containing an
      // alternate Response Class PDU ... with an empty variable-bindings field was greater than ..."
      if (pduSize(resp) > req.maxPduSize) {
        stats?.inc('snmpSilentDrops');
        return { kind: 'drop', reason: 'tooBig' };
      }
    }
    stats?.inc('snmpOutGetResponses');
    if (resp.errorStatus === ErrorStatus.noSuchName) stats?.inc('snmpOutNoSuchNames');
    else if (resp.errorStatus === ErrorStatus.badValue) stats?.inc('snmpOutBadValues');
    else if (resp.errorStatus === ErrorStatus.genErr) stats?.inc('snmpOutGenErrs');
    return { kind: 'response', pdu: resp };
  }

  /** RFC 3416 §4.2.1 */
  private get(req: ResponderRequest, check: Check, pdu: BasicPdu): BasicPdu {
    const out: VarBind[] = new Array(pdu.varbinds.length);
    for (let i = 0; i < pdu.varbinds.length; i++) {
      const oid = pdu.varbinds[i]!.oid;
      out[i] =
        check(oid) === 'accessAllowed'
          ? this.init.registry.get(oid, req.ctx)
          : { oid, value: NO_SUCH_OBJECT };
    }
    return response(pdu.requestId, out);
  }

  /** The next varbind in the read view after `oid` (RFC 3416 §4.2.2); v1 skips Counter64 (RFC 3584 §4: SNMPv1 cannot carry it). */
  private nextInView(req: ResponderRequest, check: Check, oid: Oid): VarBind {
    let cur = oid;
    for (;;) {
      const vb = this.init.registry.next(cur, req.ctx);
      if (!vb) return { oid, value: END_OF_MIB_VIEW };
      if (check(vb.oid) === 'accessAllowed' && !(req.version === 0 && vb.value.type === 'Counter64'))
        return vb;
      cur = vb.oid;
    }
  }

  private getNext(req: ResponderRequest, check: Check, pdu: BasicPdu): BasicPdu {
    const out: VarBind[] = new Array(pdu.varbinds.length);
    for (let i = 0; i < pdu.varbinds.length; i++) out[i] = this.nextInView(req, check, pdu.varbinds[i]!.oid);
    return response(pdu.requestId, out);
  }

  /**
   * RFC 3416 §4.2.3: N non-repeaters get one successor each, then up to max-repetitions rounds over the
   * M repeaters. "the response may be generated with a lesser number of variable bindings" when the
   * message would be too big; stops early once every repeater reached endOfMibView.
   */
  private getBulk(req: ResponderRequest, check: Check, pdu: BulkPdu): { pdu: BasicPdu; vbLen: number } {
    const vbs = pdu.varbinds;
    const n = Math.min(Math.max(pdu.nonRepeaters, 0), vbs.length);
    const m = vbs.length - n;
    const r = Math.min(Math.max(pdu.maxRepetitions, 0), this.cap);
    const out: VarBind[] = [];
    // encoded size of the varbinds so far, checked against what the size limit leaves for them
    let vbLen = 0;
    const limit = req.maxPduSize - pduOverhead(pdu.requestId);
    for (let i = 0; i < n; i++) {
      const vb = this.nextInView(req, check, vbs[i]!.oid);
      vbLen += varbindSize(vb);
      out.push(vb);
    }
    if (vbLen > limit) return { pdu: response(pdu.requestId, out), vbLen }; // tooBig handled by the caller
    if (m === 0 || r === 0) return { pdu: response(pdu.requestId, out), vbLen };
    if (m === 1) {
      // one repeater (what a table walker sends): a straight run of successors
      let cur = vbs[n]!.oid;
      for (let rep = 0; rep < r; rep++) {
        const vb = this.nextInView(req, check, cur);
        const s = varbindSize(vb);
        if (vbLen + s > limit) break;
        vbLen += s;
        out.push(vb);
        if (vb.value === END_OF_MIB_VIEW || vb.value.type === 'EndOfMibView') break;
        cur = vb.oid;
      }
      return { pdu: response(pdu.requestId, out), vbLen };
    }
    const cursor: Oid[] = [];
    for (let j = 0; j < m; j++) cursor.push(vbs[n + j]!.oid);
    const done: boolean[] = new Array<boolean>(m).fill(false);
    for (let rep = 0; rep < r; rep++) {
      let allEnd = true;
      for (let j = 0; j < m; j++) {
        const vb: VarBind = done[j]
          ? { oid: cursor[j]!, value: END_OF_MIB_VIEW }
          : this.nextInView(req, check, cursor[j]!);
        const s = varbindSize(vb);
        if (vbLen + s > limit) return { pdu: response(pdu.requestId, out), vbLen };
        vbLen += s;
        out.push(vb);
        if (vb.value.type === 'EndOfMibView') done[j] = true;
        else {
          cursor[j] = vb.oid;
          allEnd = false;
        }
      }
      if (allEnd) break;
    }
    return { pdu: response(pdu.requestId, out), vbLen };
  }

  private set(req: ResponderRequest, check: Check, pdu: BasicPdu): BasicPdu {
    this.init.stats?.inc('snmpInTotalSetVars', pdu.varbinds.length);
    const outcome = runSetTransaction(
      this.init.registry,
      pdu.varbinds,
      req.ctx,
      (oid) => check(oid) === 'accessAllowed',
    );
    // RFC 3416 §4.2.5: the Response-PDU carries the request's variable-bindings
    return {
      type: 'Response',
      requestId: pdu.requestId,
      errorStatus: outcome.errorStatus,
      errorIndex: outcome.errorIndex,
      varbinds: pdu.varbinds,
    };
  }
}

function response(requestId: number, varbinds: VarBind[]): BasicPdu {
  return { type: 'Response', requestId, errorStatus: 0, errorIndex: 0, varbinds };
}

function errorResponse(pdu: BasicPdu | BulkPdu, status: number, index: number): BasicPdu {
  return {
    type: 'Response',
    requestId: pdu.requestId,
    errorStatus: status,
    errorIndex: index,
    varbinds: pdu.varbinds,
  };
}

/** Size of a Response-PDU without its varbinds content (worst-case error fields). */
function pduOverhead(requestId: number): number {
  // tag+len(<=5) + request-id + error-status(3) + error-index(<=6) + varbind list header (<=5)
  return 5 + tlvSize(integerContentSize(requestId)) + 3 + 6 + 5;
}

export function pduSize(pdu: BasicPdu): number {
  let vbLen = 0;
  for (const vb of pdu.varbinds) vbLen += varbindSize(vb);
  return pduSizeOf(pdu, vbLen);
}

/** Encoded size of a Response-PDU whose varbinds encode to `vbLen` octets (their SEQUENCE content). */
function pduSizeOf(pdu: BasicPdu, vbLen: number): number {
  const content =
    tlvSize(integerContentSize(pdu.requestId)) +
    tlvSize(integerContentSize(pdu.errorStatus)) +
    tlvSize(integerContentSize(pdu.errorIndex)) +
    tlvSize(vbLen);
  return tlvSize(content);
}

/**
 * RFC 3584 §4.4: v2 error-status values mapped for SNMPv1, and exceptions in a v1 response become
 * noSuchName for the first such varbind (the response then carries the request's varbinds).
 */
function toV1(resp: BasicPdu, req: BasicPdu | BulkPdu): BasicPdu {
  const map: Record<number, number> = {
    [ErrorStatus.wrongValue]: ErrorStatus.badValue,
    [ErrorStatus.wrongEncoding]: ErrorStatus.badValue,
    [ErrorStatus.wrongType]: ErrorStatus.badValue,
    [ErrorStatus.wrongLength]: ErrorStatus.badValue,
    [ErrorStatus.inconsistentValue]: ErrorStatus.badValue,
    [ErrorStatus.noAccess]: ErrorStatus.noSuchName,
    [ErrorStatus.notWritable]: ErrorStatus.noSuchName,
    [ErrorStatus.noCreation]: ErrorStatus.noSuchName,
    [ErrorStatus.inconsistentName]: ErrorStatus.noSuchName,
    [ErrorStatus.authorizationError]: ErrorStatus.noSuchName,
    [ErrorStatus.resourceUnavailable]: ErrorStatus.genErr,
    [ErrorStatus.commitFailed]: ErrorStatus.genErr,
    [ErrorStatus.undoFailed]: ErrorStatus.genErr,
  };
  if (resp.errorStatus !== 0) {
    const s = map[resp.errorStatus] ?? resp.errorStatus;
    return { ...resp, errorStatus: s, varbinds: req.varbinds };
  }
  for (let i = 0; i < resp.varbinds.length; i++) {
    const t = resp.varbinds[i]!.value.type;
    if (t === 'NoSuchObject' || t === 'NoSuchInstance' || t === 'EndOfMibView' || t === 'Counter64')
      return { ...resp, errorStatus: ErrorStatus.noSuchName, errorIndex: i + 1, varbinds: req.varbinds };
  }
  return resp;
}
