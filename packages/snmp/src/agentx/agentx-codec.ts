import { MAX_ARC, MAX_OID_ARCS, type Oid } from '../ber/oid.js';
import type { SnmpValue, VarBind } from '../ber/snmp-value.js';
import {
  AGENTX_HEADER_LENGTH,
  AGENTX_VERSION,
  AgentxFlags,
  AgentxPduType,
  type AgentxMessage,
  type AgentxPduBody,
  type AgentxSearchRange,
} from './agentx-pdu.js';

/** RFC 2741 §5.4 v.type values. */
export const AgentxValueType = {
  Integer: 2,
  OctetString: 4,
  Null: 5,
  ObjectIdentifier: 6,
  IpAddress: 64,
  Counter32: 65,
  Gauge32: 66,
  TimeTicks: 67,
  Opaque: 68,
  Counter64: 70,
  NoSuchObject: 128,
  NoSuchInstance: 129,
  EndOfMibView: 130,
} as const;

export type AgentxCodecResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** Largest payload accepted by the decoder and the stream framer (a bound against garbage lengths). */
export const AGENTX_MAX_PAYLOAD = 1 << 20;

/** internet (1.3.6.1), the base of the RFC 2741 §5.1 prefix compression. */
const INTERNET = [1, 3, 6, 1] as const;

// ------------------------------------------------------------------------------------------- encoding

/** Growable output buffer with byte-order aware integer writes. */
class Out {
  buf: Buffer;
  len = 0;
  error: string | undefined;

  constructor(
    readonly le: boolean,
    size = 256,
  ) {
    this.buf = Buffer.allocUnsafe(size);
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const b = Buffer.allocUnsafe(size);
    this.buf.copy(b, 0, 0, this.len);
    this.buf = b;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.len++] = v & 0xff;
  }

  u16(v: number): void {
    this.ensure(2);
    if (this.le) this.buf.writeUInt16LE(v & 0xffff, this.len);
    else this.buf.writeUInt16BE(v & 0xffff, this.len);
    this.len += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    if (this.le) this.buf.writeUInt32LE(v >>> 0, this.len);
    else this.buf.writeUInt32BE(v >>> 0, this.len);
    this.len += 4;
  }

  u64(v: bigint): void {
    this.ensure(8);
    if (this.le) this.buf.writeBigUInt64LE(v, this.len);
    else this.buf.writeBigUInt64BE(v, this.len);
    this.len += 8;
  }

  bytes(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
  }

  fail(e: string): void {
    this.error ??= e;
  }
}

function checkU32(o: Out, v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) o.fail(`${what} out of range`);
  return v;
}

/**
 * RFC 2741 §5.1 Object Identifier: n_subid, prefix, include, <reserved>, then n_subid sub-identifiers.
 * RFC 2741 §5.1: a non-zero prefix "x" stands for 1.3.6.1.x (internet.x); the encoder compresses
 * whenever the OID starts with 1.3.6.1.x with 1 <= x <= 255.
 */
function writeOid(o: Out, oid: Oid, include = false): void {
  let start = 0;
  let prefix = 0;
  if (
    oid.length >= 5 &&
    oid[0] === INTERNET[0] &&
    oid[1] === INTERNET[1] &&
    oid[2] === INTERNET[2] &&
    oid[3] === INTERNET[3] &&
    oid[4]! >= 1 &&
    oid[4]! <= 255
  ) {
    prefix = oid[4]!;
    start = 5;
  }
  const n = oid.length - start;
  if (oid.length > MAX_OID_ARCS) o.fail('OID longer than 128 sub-identifiers');
  o.u8(n);
  o.u8(prefix);
  o.u8(include ? 1 : 0);
  o.u8(0);
  for (let i = start; i < oid.length; i++) {
    const a = oid[i]!;
    if (!Number.isInteger(a) || a < 0 || a > MAX_ARC) o.fail('OID arc out of range');
    o.u32(a);
  }
}

/**
 * RFC 2741 §5.3 Octet String: a 4-byte length, the octets, then "padding bytes are appended to
 * achieve alignment of following data" (zero filled, to a 4-byte boundary, also at the end of a PDU).
 */
function writeOctets(o: Out, b: Buffer): void {
  o.u32(b.length);
  o.bytes(b);
  const pad = (4 - (b.length & 3)) & 3;
  for (let i = 0; i < pad; i++) o.u8(0);
}

function writeValue(o: Out, v: SnmpValue): void {
  switch (v.type) {
    case 'Integer':
      if (!Number.isInteger(v.value) || v.value < -0x80000000 || v.value > 0x7fffffff)
        o.fail('Integer out of range');
      return o.u32(v.value | 0);
    case 'Counter32':
    case 'Gauge32':
    case 'TimeTicks':
      return o.u32(checkU32(o, v.value, v.type));
    case 'Counter64':
      if (v.value < 0n || v.value > 0xffffffffffffffffn) {
        o.fail('Counter64 out of range');
        return o.u64(0n);
      }
      return o.u64(v.value);
    case 'OctetString':
    case 'Opaque':
      return writeOctets(o, v.value);
    case 'IpAddress': {
      const parts = v.value.split('.');
      const b = Buffer.alloc(4);
      if (parts.length !== 4) o.fail('bad IpAddress');
      for (let i = 0; i < 4 && i < parts.length; i++) {
        const n = Number(parts[i]);
        if (!Number.isInteger(n) || n < 0 || n > 255) o.fail('bad IpAddress');
        else b[i] = n;
      }
      return writeOctets(o, b);
    }
    case 'ObjectIdentifier':
      return writeOid(o, v.value);
    case 'Null':
    case 'NoSuchObject':
    case 'NoSuchInstance':
    case 'EndOfMibView':
      return;
  }
}

/** RFC 2741 §5.4 VarBind: v.type (2), <reserved> (2), v.name (OID), v.data. */
function writeVarBinds(o: Out, vbs: readonly VarBind[]): void {
  for (const vb of vbs) {
    o.u16(AgentxValueType[vb.value.type]);
    o.u16(0);
    writeOid(o, vb.oid);
    writeValue(o, vb.value);
  }
}

function writeRanges(o: Out, ranges: readonly AgentxSearchRange[]): void {
  for (const r of ranges) {
    writeOid(o, r.start, r.include);
    writeOid(o, r.end);
  }
}

function hasContext(p: AgentxPduBody): Buffer | undefined {
  return 'context' in p ? p.context : undefined;
}

/**
 * Encodes one AgentX PDU. The byte order follows the NETWORK_BYTE_ORDER bit of `header.flags`
 * (RFC 2741 §6.1: the bit "applies to all multi-byte integer values in the entire AgentX packet,
 * including the remaining header fields"; set means big-endian, clear means little-endian
 * otherwise); NON_DEFAULT_CONTEXT is set exactly when the PDU carries a context.
 */
export function encodeAgentxPdu(m: AgentxMessage): AgentxCodecResult<Buffer> {
  const h = m.header;
  const p = m.pdu;
  const ctx = hasContext(p);
  const flags =
    (h.flags & ~AgentxFlags.NonDefaultContext & 0xff) |
    (ctx !== undefined ? AgentxFlags.NonDefaultContext : 0);
  const o = new Out((flags & AgentxFlags.NetworkByteOrder) === 0);
  o.u8(AGENTX_VERSION);
  o.u8(p.type);
  o.u8(flags);
  o.u8(0);
  o.u32(checkU32(o, h.sessionId, 'sessionID'));
  o.u32(checkU32(o, h.transactionId, 'transactionID'));
  o.u32(checkU32(o, h.packetId, 'packetID'));
  o.u32(0); // payload length, patched below
  if (ctx !== undefined) writeOctets(o, ctx);
  switch (p.type) {
    case AgentxPduType.Open:
      o.u8(p.timeout);
      o.u8(0);
      o.u8(0);
      o.u8(0);
      writeOid(o, p.id);
      writeOctets(o, p.descr);
      break;
    case AgentxPduType.Close:
      o.u8(p.reason);
      o.u8(0);
      o.u8(0);
      o.u8(0);
      break;
    case AgentxPduType.Register:
    case AgentxPduType.Unregister:
      o.u8(p.type === AgentxPduType.Register ? p.timeout : 0);
      o.u8(p.priority);
      o.u8(p.rangeSubid);
      o.u8(0);
      writeOid(o, p.subtree);
      if (p.rangeSubid !== 0) o.u32(checkU32(o, p.upperBound ?? 0, 'upper_bound'));
      break;
    case AgentxPduType.Get:
    case AgentxPduType.GetNext:
      writeRanges(o, p.ranges);
      break;
    case AgentxPduType.GetBulk:
      o.u16(p.nonRepeaters);
      o.u16(p.maxRepetitions);
      writeRanges(o, p.ranges);
      break;
    case AgentxPduType.TestSet:
    case AgentxPduType.Notify:
    case AgentxPduType.IndexAllocate:
    case AgentxPduType.IndexDeallocate:
      writeVarBinds(o, p.varbinds);
      break;
    case AgentxPduType.CommitSet:
    case AgentxPduType.UndoSet:
    case AgentxPduType.CleanupSet:
    case AgentxPduType.Ping:
      break;
    case AgentxPduType.AddAgentCaps:
      writeOid(o, p.id);
      writeOctets(o, p.descr);
      break;
    case AgentxPduType.RemoveAgentCaps:
      writeOid(o, p.id);
      break;
    case AgentxPduType.Response:
      o.u32(checkU32(o, p.sysUpTime, 'sysUpTime'));
      o.u16(p.error);
      o.u16(p.index);
      writeVarBinds(o, p.varbinds);
      break;
  }
  if (o.error) return { ok: false, error: o.error };
  const payload = o.len - AGENTX_HEADER_LENGTH;
  if (o.le) o.buf.writeUInt32LE(payload, 16);
  else o.buf.writeUInt32BE(payload, 16);
  return { ok: true, value: Buffer.from(o.buf.subarray(0, o.len)) };
}

// ------------------------------------------------------------------------------------------- decoding

/** Bounds-checked reader with a sticky error: reads past the end yield 0 and record the error. */
class In {
  pos: number;
  error: string | undefined;

  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
    readonly le: boolean,
  ) {
    this.pos = start;
  }

  private take(n: number): number {
    if (this.error) return -1;
    if (this.pos + n > this.end) {
      this.error = 'truncated';
      return -1;
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(): number {
    const at = this.take(1);
    return at < 0 ? 0 : this.buf[at]!;
  }

  u16(): number {
    const at = this.take(2);
    return at < 0 ? 0 : this.le ? this.buf.readUInt16LE(at) : this.buf.readUInt16BE(at);
  }

  u32(): number {
    const at = this.take(4);
    return at < 0 ? 0 : this.le ? this.buf.readUInt32LE(at) : this.buf.readUInt32BE(at);
  }

  u64(): bigint {
    const at = this.take(8);
    return at < 0 ? 0n : this.le ? this.buf.readBigUInt64LE(at) : this.buf.readBigUInt64BE(at);
  }

  get more(): boolean {
    return !this.error && this.pos < this.end;
  }

  fail(e: string): void {
    this.error ??= e;
  }
}

function readOid(r: In): { oid: Oid; include: boolean } {
  const n = r.u8();
  const prefix = r.u8();
  const include = r.u8();
  r.u8();
  if (include > 1) r.fail('bad include value');
  const total = n + (prefix !== 0 ? 5 : 0);
  if (total > MAX_OID_ARCS) r.fail('OID longer than 128 sub-identifiers');
  if (r.error) return { oid: [], include: false };
  if (r.pos + 4 * n > r.end) {
    r.fail('truncated');
    return { oid: [], include: false };
  }
  const oid: number[] = prefix !== 0 ? [1, 3, 6, 1, prefix] : [];
  for (let i = 0; i < n; i++) oid.push(r.u32());
  return { oid, include: include === 1 };
}

function readOctets(r: In): Buffer {
  const len = r.u32();
  if (r.error) return Buffer.alloc(0);
  const padded = len + ((4 - (len & 3)) & 3);
  if (len > r.end - r.pos || padded > r.end - r.pos) {
    r.fail('truncated octet string');
    return Buffer.alloc(0);
  }
  const b = Buffer.from(r.buf.subarray(r.pos, r.pos + len));
  r.pos += padded;
  return b;
}

function readValue(r: In, type: number): SnmpValue {
  switch (type) {
    case AgentxValueType.Integer:
      return { type: 'Integer', value: r.u32() | 0 };
    case AgentxValueType.Counter32:
      return { type: 'Counter32', value: r.u32() };
    case AgentxValueType.Gauge32:
      return { type: 'Gauge32', value: r.u32() };
    case AgentxValueType.TimeTicks:
      return { type: 'TimeTicks', value: r.u32() };
    case AgentxValueType.Counter64:
      return { type: 'Counter64', value: r.u64() };
    case AgentxValueType.OctetString:
      return { type: 'OctetString', value: readOctets(r) };
    case AgentxValueType.Opaque:
      return { type: 'Opaque', value: readOctets(r) };
    case AgentxValueType.IpAddress: {
      const b = readOctets(r);
      if (!r.error && b.length !== 4) r.fail('IpAddress not 4 octets');
      return { type: 'IpAddress', value: `${b[0] ?? 0}.${b[1] ?? 0}.${b[2] ?? 0}.${b[3] ?? 0}` };
    }
    case AgentxValueType.ObjectIdentifier:
      return { type: 'ObjectIdentifier', value: readOid(r).oid };
    case AgentxValueType.Null:
      return { type: 'Null' };
    case AgentxValueType.NoSuchObject:
      return { type: 'NoSuchObject' };
    case AgentxValueType.NoSuchInstance:
      return { type: 'NoSuchInstance' };
    case AgentxValueType.EndOfMibView:
      return { type: 'EndOfMibView' };
    default:
      r.fail(`unknown value type ${type}`);
      return { type: 'Null' };
  }
}

function readVarBinds(r: In): VarBind[] {
  const out: VarBind[] = [];
  while (r.more) {
    const type = r.u16();
    r.u16();
    const name = readOid(r).oid;
    const value = readValue(r, type);
    out.push({ oid: name, value });
  }
  return out;
}

function readRanges(r: In): AgentxSearchRange[] {
  const out: AgentxSearchRange[] = [];
  while (r.more) {
    const s = readOid(r);
    const e = readOid(r);
    out.push({ start: s.oid, include: s.include, end: e.oid });
  }
  return out;
}

/**
 * Total length of the AgentX PDU at the start of `b` (header + payload): 0 when more bytes are
 * needed, -1 when the header is not acceptable (version, payload length not a multiple of 4 or over
 * the bound).
 */
export function agentxFrameLength(b: Buffer, max = AGENTX_MAX_PAYLOAD): number {
  if (b.length < AGENTX_HEADER_LENGTH) return 0;
  if (b[0] !== AGENTX_VERSION) return -1;
  const le = (b[2]! & AgentxFlags.NetworkByteOrder) === 0;
  const len = le ? b.readUInt32LE(16) : b.readUInt32BE(16);
  // RFC 2741 §6.1 h.payload_length: "this value will always be either 0, or a multiple of 4"
  if (len > max || (len & 3) !== 0) return -1;
  return AGENTX_HEADER_LENGTH + len;
}

/** Decodes one whole AgentX PDU (header and payload exactly). Never throws. */
export function decodeAgentxPdu(buf: Buffer): AgentxCodecResult<AgentxMessage> {
  const total = agentxFrameLength(buf);
  if (total === 0) return { ok: false, error: 'truncated header' };
  if (total < 0) return { ok: false, error: 'bad header' };
  if (buf.length !== total) return { ok: false, error: 'length does not match h.payload_length' };
  const type = buf[1]!;
  const flags = buf[2]!;
  const r = new In(buf, 4, total, (flags & AgentxFlags.NetworkByteOrder) === 0);
  const sessionId = r.u32();
  const transactionId = r.u32();
  const packetId = r.u32();
  r.u32();
  const header = { flags, sessionId, transactionId, packetId };
  const ctxAllowed =
    type !== AgentxPduType.Open &&
    type !== AgentxPduType.Close &&
    type !== AgentxPduType.Response &&
    type !== AgentxPduType.CommitSet &&
    type !== AgentxPduType.UndoSet &&
    type !== AgentxPduType.CleanupSet;
  let context: Buffer | undefined;
  if ((flags & AgentxFlags.NonDefaultContext) !== 0) {
    if (!ctxAllowed) return { ok: false, error: 'NON_DEFAULT_CONTEXT on a PDU without context' };
    context = readOctets(r);
  }
  const withCtx = context !== undefined ? { context } : {};
  let pdu: AgentxPduBody;
  switch (type) {
    case AgentxPduType.Open: {
      const timeout = r.u8();
      r.u8();
      r.u8();
      r.u8();
      const id = readOid(r).oid;
      pdu = { type, timeout, id, descr: readOctets(r) };
      break;
    }
    case AgentxPduType.Close: {
      const reason = r.u8();
      r.u8();
      r.u8();
      r.u8();
      pdu = { type, reason };
      break;
    }
    case AgentxPduType.Register:
    case AgentxPduType.Unregister: {
      const timeout = r.u8();
      const priority = r.u8();
      const rangeSubid = r.u8();
      r.u8();
      const subtree = readOid(r).oid;
      if (rangeSubid > subtree.length) r.fail('range_subid beyond the subtree');
      const ub = rangeSubid !== 0 ? { upperBound: r.u32() } : {};
      pdu =
        type === AgentxPduType.Register
          ? { type, ...withCtx, timeout, priority, rangeSubid, subtree, ...ub }
          : { type, ...withCtx, priority, rangeSubid, subtree, ...ub };
      break;
    }
    case AgentxPduType.Get:
    case AgentxPduType.GetNext:
      pdu = { type, ...withCtx, ranges: readRanges(r) };
      break;
    case AgentxPduType.GetBulk: {
      const nonRepeaters = r.u16();
      const maxRepetitions = r.u16();
      pdu = { type, ...withCtx, nonRepeaters, maxRepetitions, ranges: readRanges(r) };
      break;
    }
    case AgentxPduType.TestSet:
    case AgentxPduType.Notify:
    case AgentxPduType.IndexAllocate:
    case AgentxPduType.IndexDeallocate:
      pdu = { type, ...withCtx, varbinds: readVarBinds(r) };
      break;
    case AgentxPduType.CommitSet:
    case AgentxPduType.UndoSet:
    case AgentxPduType.CleanupSet:
      pdu = { type };
      break;
    case AgentxPduType.Ping:
      pdu = { type, ...withCtx };
      break;
    case AgentxPduType.AddAgentCaps: {
      const id = readOid(r).oid;
      pdu = { type, ...withCtx, id, descr: readOctets(r) };
      break;
    }
    case AgentxPduType.RemoveAgentCaps:
      pdu = { type, ...withCtx, id: readOid(r).oid };
      break;
    case AgentxPduType.Response: {
      const sysUpTime = r.u32();
      const error = r.u16();
      const index = r.u16();
      pdu = { type, sysUpTime, error, index, varbinds: readVarBinds(r) };
      break;
    }
    default:
      return { ok: false, error: `unknown PDU type ${type}` };
  }
  if (r.error) return { ok: false, error: r.error };
  if (r.pos !== total) return { ok: false, error: 'trailing bytes in payload' };
  return { ok: true, value: { header, pdu } };
}
