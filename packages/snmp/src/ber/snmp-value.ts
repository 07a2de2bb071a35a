import type { BerReader } from './ber-reader.js';
import type { BerWriter } from './ber-writer.js';
import type { Oid } from './oid.js';
import { Tag } from './tags.js';

/** Typed SMIv2 values (RFC 2578 §7.1, RFC 3416 §3 exceptions). */
export type SnmpValue =
  | { type: 'Integer'; value: number }
  | { type: 'OctetString'; value: Buffer }
  | { type: 'Null' }
  | { type: 'ObjectIdentifier'; value: Oid }
  | { type: 'IpAddress'; value: string }
  | { type: 'Counter32'; value: number }
  | { type: 'Gauge32'; value: number }
  | { type: 'TimeTicks'; value: number }
  | { type: 'Opaque'; value: Buffer }
  | { type: 'Counter64'; value: bigint }
  | { type: 'NoSuchObject' }
  | { type: 'NoSuchInstance' }
  | { type: 'EndOfMibView' };

export type SnmpValueType = SnmpValue['type'];

export interface VarBind {
  oid: Oid;
  value: SnmpValue;
}

export const NULL_VALUE: SnmpValue = { type: 'Null' };
export const NO_SUCH_OBJECT: SnmpValue = { type: 'NoSuchObject' };
export const NO_SUCH_INSTANCE: SnmpValue = { type: 'NoSuchInstance' };
export const END_OF_MIB_VIEW: SnmpValue = { type: 'EndOfMibView' };

/** Convenience constructors. */
export const V = {
  int: (value: number): SnmpValue => ({ type: 'Integer', value }),
  str: (value: string | Buffer): SnmpValue => ({
    type: 'OctetString',
    value: typeof value === 'string' ? Buffer.from(value, 'utf8') : value,
  }),
  oid: (value: Oid): SnmpValue => ({ type: 'ObjectIdentifier', value }),
  ip: (value: string): SnmpValue => ({ type: 'IpAddress', value }),
  counter32: (value: number): SnmpValue => ({ type: 'Counter32', value: value % 2 ** 32 }),
  gauge32: (value: number): SnmpValue => ({
    type: 'Gauge32',
    value: Math.min(Math.max(value, 0), 0xffffffff),
  }),
  timeTicks: (value: number): SnmpValue => ({ type: 'TimeTicks', value: value % 2 ** 32 }),
  counter64: (value: bigint): SnmpValue => ({ type: 'Counter64', value }),
  null: (): SnmpValue => NULL_VALUE,
};

export function writeValue(w: BerWriter, v: SnmpValue): void {
  switch (v.type) {
    case 'Integer':
      if (v.value < -0x80000000 || v.value > 0x7fffffff)
        w.error ??= { code: 'integerRange', offset: w.length };
      return w.writeInteger(v.value, Tag.Integer);
    case 'OctetString':
      return w.writeOctetString(v.value, Tag.OctetString);
    case 'Null':
      return w.writeNull(Tag.Null);
    case 'ObjectIdentifier':
      return w.writeOid(v.value, Tag.ObjectIdentifier);
    case 'IpAddress':
      return w.writeOctetString(ipToBytes(w, v.value), Tag.IpAddress);
    case 'Counter32':
    case 'Gauge32':
    case 'TimeTicks':
      if (v.value < 0 || v.value > 0xffffffff) w.error ??= { code: 'integerRange', offset: w.length };
      return w.writeInteger(
        v.value,
        v.type === 'Counter32' ? Tag.Counter32 : v.type === 'Gauge32' ? Tag.Gauge32 : Tag.TimeTicks,
      );
    case 'Opaque':
      return w.writeOctetString(v.value, Tag.Opaque);
    case 'Counter64':
      return w.writeUnsigned64(v.value, Tag.Counter64);
    case 'NoSuchObject':
      return w.writeNull(Tag.NoSuchObject);
    case 'NoSuchInstance':
      return w.writeNull(Tag.NoSuchInstance);
    case 'EndOfMibView':
      return w.writeNull(Tag.EndOfMibView);
  }
}

function ipToBytes(w: BerWriter, s: string): Buffer {
  const parts = s.split('.');
  const b = Buffer.alloc(4);
  if (parts.length !== 4) {
    w.error ??= { code: 'badIpAddress', offset: w.length, detail: s };
    return b;
  }
  for (let i = 0; i < 4; i++) {
    const n = Number(parts[i]);
    if (!Number.isInteger(n) || n < 0 || n > 255) w.error ??= { code: 'badIpAddress', offset: w.length };
    else b[i] = n;
  }
  return b;
}

/** Reads one value of any SNMP type (sticky error on the reader). */
export function readValue(r: BerReader): SnmpValue {
  const t = r.peekTag();
  switch (t) {
    case Tag.Integer:
      return { type: 'Integer', value: r.readInteger32() };
    case Tag.OctetString:
      return { type: 'OctetString', value: r.readOctetString() };
    case Tag.Null:
      r.readNull();
      return NULL_VALUE;
    case Tag.ObjectIdentifier:
      return { type: 'ObjectIdentifier', value: r.readOid() };
    case Tag.IpAddress: {
      const start = r.pos;
      const b = r.readOctetString(Tag.IpAddress);
      if (r.ok && b.length !== 4) r.fail('badIpAddress', `${b.length} octets`, start);
      return { type: 'IpAddress', value: `${b[0] ?? 0}.${b[1] ?? 0}.${b[2] ?? 0}.${b[3] ?? 0}` };
    }
    case Tag.Counter32:
      return { type: 'Counter32', value: r.readUnsigned32(t) };
    case Tag.Gauge32:
      return { type: 'Gauge32', value: r.readUnsigned32(t) };
    case Tag.TimeTicks:
      return { type: 'TimeTicks', value: r.readUnsigned32(t) };
    case Tag.Opaque:
      return { type: 'Opaque', value: r.readOctetString(Tag.Opaque) };
    case Tag.Counter64:
      return { type: 'Counter64', value: r.readUnsigned64(Tag.Counter64) };
    case Tag.NoSuchObject:
      r.readNull(t);
      return NO_SUCH_OBJECT;
    case Tag.NoSuchInstance:
      r.readNull(t);
      return NO_SUCH_INSTANCE;
    case Tag.EndOfMibView:
      r.readNull(t);
      return END_OF_MIB_VIEW;
    default:
      if (t === -1) r.fail('truncated', 'missing value');
      else r.fail('unexpectedTag', `value tag 0x${t.toString(16)}`);
      return NULL_VALUE;
  }
}

/** Human-readable rendering for logs and tests. */
export function formatValue(v: SnmpValue): string {
  switch (v.type) {
    case 'OctetString':
    case 'Opaque':
      return v.value.toString('hex');
    case 'ObjectIdentifier':
      return v.value.join('.');
    case 'Null':
    case 'NoSuchObject':
    case 'NoSuchInstance':
    case 'EndOfMibView':
      return v.type;
    default:
      return String(v.value);
  }
}
