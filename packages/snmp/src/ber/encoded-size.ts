import type { Oid } from './oid.js';
import type { SnmpValue, VarBind } from './snmp-value.js';

/** Encoded sizes computed arithmetically (used for response-size limits without encoding twice). */
export function lengthOfLength(len: number): number {
  return len < 0x80 ? 1 : len < 0x100 ? 2 : len < 0x10000 ? 3 : len < 0x1000000 ? 4 : 5;
}

export function tlvSize(contentLen: number): number {
  return 1 + lengthOfLength(contentLen) + contentLen;
}

export function integerContentSize(v: number): number {
  if (v >= -0x80 && v < 0x80) return 1;
  if (v >= -0x8000 && v < 0x8000) return 2;
  if (v >= -0x800000 && v < 0x800000) return 3;
  if (v >= -0x80000000 && v < 0x80000000) return 4;
  let n = 5;
  while (n < 8) {
    const lim = 2 ** (8 * n - 1);
    if (v >= -lim && v < lim) break;
    n++;
  }
  return n;
}

function subIdSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

export function oidContentSize(o: Oid): number {
  if (o.length < 2) return 1;
  let n = subIdSize(o[0]! * 40 + o[1]!);
  for (let i = 2; i < o.length; i++) n += subIdSize(o[i]!);
  return n;
}

export function valueSize(v: SnmpValue): number {
  switch (v.type) {
    case 'Integer':
    case 'Counter32':
    case 'Gauge32':
    case 'TimeTicks':
      return tlvSize(integerContentSize(v.value));
    case 'OctetString':
    case 'Opaque':
      return tlvSize(v.value.length);
    case 'ObjectIdentifier':
      return tlvSize(oidContentSize(v.value));
    case 'IpAddress':
      return 6;
    case 'Counter64': {
      let n = 1;
      let x = v.value >> 7n;
      while (x > 0n) {
        n++;
        x >>= 8n;
      }
      return tlvSize(n);
    }
    default:
      return 2;
  }
}

export function varbindSize(vb: VarBind): number {
  return tlvSize(tlvSize(oidContentSize(vb.oid)) + valueSize(vb.value));
}
