import type { BerReader } from '../ber/ber-reader.js';
import type { BerWriter } from '../ber/ber-writer.js';
import type { Oid } from '../ber/oid.js';
import { readValue, writeValue, type VarBind } from '../ber/snmp-value.js';
import { Tag } from '../ber/tags.js';

/** RFC 3416 §3 error-status values. */
export const ErrorStatus = {
  noError: 0,
  tooBig: 1,
  noSuchName: 2,
  badValue: 3,
  readOnly: 4,
  genErr: 5,
  noAccess: 6,
  wrongType: 7,
  wrongLength: 8,
  wrongEncoding: 9,
  wrongValue: 10,
  noCreation: 11,
  inconsistentValue: 12,
  resourceUnavailable: 13,
  commitFailed: 14,
  undoFailed: 15,
  authorizationError: 16,
  notWritable: 17,
  inconsistentName: 18,
} as const;
export type ErrorStatusName = keyof typeof ErrorStatus;

export type PduType =
  'GetRequest' | 'GetNextRequest' | 'Response' | 'SetRequest' | 'InformRequest' | 'SNMPv2Trap' | 'Report';

/** Every PDU shaped like RFC 3416 `PDU` (request-id, error-status, error-index, variable-bindings). */
export interface BasicPdu {
  type: PduType;
  requestId: number;
  errorStatus: number;
  errorIndex: number;
  varbinds: VarBind[];
}

/** RFC 3416 `BulkPDU`. */
export interface BulkPdu {
  type: 'GetBulkRequest';
  requestId: number;
  nonRepeaters: number;
  maxRepetitions: number;
  varbinds: VarBind[];
}

/** RFC 1157 §4.1.6 Trap-PDU. */
export interface TrapV1Pdu {
  type: 'TrapV1';
  enterprise: Oid;
  agentAddr: string;
  genericTrap: number;
  specificTrap: number;
  timestamp: number;
  varbinds: VarBind[];
}

export type Pdu = BasicPdu | BulkPdu | TrapV1Pdu;

const TAG_OF: Record<Pdu['type'], number> = {
  GetRequest: Tag.GetRequest,
  GetNextRequest: Tag.GetNextRequest,
  Response: Tag.Response,
  SetRequest: Tag.SetRequest,
  TrapV1: Tag.TrapV1,
  GetBulkRequest: Tag.GetBulkRequest,
  InformRequest: Tag.InformRequest,
  SNMPv2Trap: Tag.SNMPv2Trap,
  Report: Tag.Report,
};
const TYPE_OF = new Map<number, Pdu['type']>(Object.entries(TAG_OF).map(([k, v]) => [v, k as Pdu['type']]));

export function pduTag(type: Pdu['type']): number {
  return TAG_OF[type];
}

export function writeVarbinds(w: BerWriter, vbs: readonly VarBind[]): void {
  w.startSequence();
  for (const vb of vbs) {
    w.startSequence();
    w.writeOid(vb.oid);
    writeValue(w, vb.value);
    w.endSequence();
  }
  w.endSequence();
}

export function writePdu(w: BerWriter, pdu: Pdu): void {
  w.startSequence(TAG_OF[pdu.type]);
  if (pdu.type === 'TrapV1') {
    w.writeOid(pdu.enterprise);
    writeValue(w, { type: 'IpAddress', value: pdu.agentAddr });
    w.writeInteger(pdu.genericTrap);
    w.writeInteger(pdu.specificTrap);
    w.writeInteger(pdu.timestamp, Tag.TimeTicks);
  } else if (pdu.type === 'GetBulkRequest') {
    w.writeInteger(pdu.requestId);
    w.writeInteger(pdu.nonRepeaters);
    w.writeInteger(pdu.maxRepetitions);
  } else {
    w.writeInteger(pdu.requestId);
    w.writeInteger(pdu.errorStatus);
    w.writeInteger(pdu.errorIndex);
  }
  writeVarbinds(w, pdu.varbinds);
  w.endSequence();
}

export function readVarbinds(r: BerReader): VarBind[] {
  const out: VarBind[] = [];
  const outer = r.enter(Tag.Sequence);
  while (r.ok && !r.atEnd()) {
    const saved = r.enter(Tag.Sequence);
    const oid = r.readOid();
    const value = readValue(r);
    r.leave(saved);
    if (r.ok) out.push({ oid, value });
  }
  r.leave(outer);
  return out;
}

/** Reads one PDU (any of the RFC 3416 / RFC 1157 PDU tags); sticky errors on `r`. */
export function readPdu(r: BerReader): Pdu | undefined {
  const tag = r.peekTag();
  const type = TYPE_OF.get(tag);
  if (!type) {
    r.fail('unexpectedTag', `PDU tag 0x${tag.toString(16)}`);
    return undefined;
  }
  const saved = r.enter(tag);
  let pdu: Pdu;
  if (type === 'TrapV1') {
    const enterprise = r.readOid();
    const ipStart = r.pos;
    const ip = r.readOctetString(Tag.IpAddress);
    if (r.ok && ip.length !== 4) r.fail('badIpAddress', undefined, ipStart);
    const genericTrap = r.readInteger32();
    const specificTrap = r.readInteger32();
    const timestamp = r.readUnsigned32(Tag.TimeTicks);
    const varbinds = readVarbinds(r);
    pdu = {
      type,
      enterprise,
      agentAddr: `${ip[0] ?? 0}.${ip[1] ?? 0}.${ip[2] ?? 0}.${ip[3] ?? 0}`,
      genericTrap,
      specificTrap,
      timestamp,
      varbinds,
    };
  } else if (type === 'GetBulkRequest') {
    const requestId = r.readInteger32();
    const nonRepeaters = r.readInteger32();
    const maxRepetitions = r.readInteger32();
    pdu = { type, requestId, nonRepeaters, maxRepetitions, varbinds: readVarbinds(r) };
  } else {
    const requestId = r.readInteger32();
    const errorStatus = r.readInteger32();
    const errorIndex = r.readInteger32();
    pdu = { type, requestId, errorStatus, errorIndex, varbinds: readVarbinds(r) };
  }
  r.leave(saved);
  return r.ok ? pdu : undefined;
}

export function isConfirmedClass(t: Pdu['type']): boolean {
  return (
    t === 'GetRequest' ||
    t === 'GetNextRequest' ||
    t === 'GetBulkRequest' ||
    t === 'SetRequest' ||
    t === 'InformRequest'
  );
}
