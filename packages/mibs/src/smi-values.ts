import { isIP } from 'node:net';
import type { Oid, SnmpValue } from '@beckon/snmp';

/**
 * Encoders for the SMIv2 / textual-convention shapes these MIBs use (BITS, DateAndTime, InetAddress,
 * string-valued INDEX components). All pure and allocation-light; none throws on bad input.
 */

export const int = (value: number): SnmpValue => ({ type: 'Integer', value });
export const str = (value: string): SnmpValue => ({ type: 'OctetString', value: Buffer.from(value, 'utf8') });
export const octets = (value: Buffer): SnmpValue => ({ type: 'OctetString', value });
export const counter32 = (value: number): SnmpValue => ({ type: 'Counter32', value: value % 2 ** 32 });
/** Gauge32 and Unsigned32 share the Gauge32 encoding (RFC 2578 §7.1.11). */
export const gauge32 = (value: number): SnmpValue => ({
  type: 'Gauge32',
  value: Math.min(Math.max(Math.floor(value), 0), 0xffffffff),
});
export const unsigned32 = gauge32;
export const timeTicks = (value: number): SnmpValue => ({ type: 'TimeTicks', value: value % 2 ** 32 });
/** TimeStamp (SNMPv2-TC) is a TimeTicks value. */
export const timeStamp = timeTicks;
/** SNMPv2-TC TruthValue: true(1), false(2). */
export const truthValue = (b: boolean): SnmpValue => int(b ? 1 : 2);

/**
 * RFC 2578 §7.1.4 BITS: "the first octet's most significant bit is bit 0"; the value is encoded in as
 * few octets as needed to hold the highest named bit of the type (`width` bits).
 */
export function bits(set: Iterable<number>, width: number): SnmpValue {
  const b = Buffer.alloc(Math.ceil(width / 8));
  for (const n of set) if (n >= 0 && n < width) b[n >> 3]! |= 0x80 >> (n & 7);
  return octets(b);
}

/** The bit numbers set in a BITS value (bits beyond the buffer are zero). */
export function bitsSet(value: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i < value.length * 8; i++) if (value[i >> 3]! & (0x80 >> (i & 7))) out.push(i);
  return out;
}

/**
 * SNMPv2-TC DateAndTime, 11-octet form in UTC: year(2) month day hour minutes seconds deci-seconds
 * direction('+') hours-from-UTC minutes-from-UTC.
 */
export function dateAndTime(epochMs: number): SnmpValue {
  const d = new Date(epochMs);
  const b = Buffer.alloc(11);
  if (Number.isNaN(d.getTime())) return octets(b.subarray(0, 8));
  b.writeUInt16BE(d.getUTCFullYear(), 0);
  b[2] = d.getUTCMonth() + 1;
  b[3] = d.getUTCDate();
  b[4] = d.getUTCHours();
  b[5] = d.getUTCMinutes();
  b[6] = d.getUTCSeconds();
  b[7] = Math.floor(d.getUTCMilliseconds() / 100);
  b[8] = 0x2b; // '+'
  b[9] = 0;
  b[10] = 0;
  return octets(b);
}

/** INET-ADDRESS-MIB InetAddressType values used here (RFC 4001). */
export const InetAddressType = { unknown: 0, ipv4: 1, ipv6: 2, dns: 16 } as const;
export type InetAddressTypeName = keyof typeof InetAddressType;

/** A host as the sources give it: an IP literal or a DNS name. */
export interface InetHost {
  type: InetAddressTypeName;
  /** "192.0.2.1", "2001:db8::1" or "sip.example.com" (empty with type 'unknown'). */
  address: string;
}

/** The InetAddressType and InetAddress octets of a host (RFC 4001 §3: ipv4 4 octets, ipv6 16, dns ASCII). */
export function encodeInetHost(h: InetHost): { type: number; address: Buffer } {
  switch (h.type) {
    case 'ipv4': {
      const parts = h.address.split('.').map(Number);
      const b = Buffer.alloc(4);
      parts.forEach((p, i) => (b[i] = p & 0xff));
      return { type: InetAddressType.ipv4, address: b };
    }
    case 'ipv6':
      return { type: InetAddressType.ipv6, address: ipv6Bytes(h.address) };
    case 'dns':
      return { type: InetAddressType.dns, address: Buffer.from(h.address, 'ascii') };
    default:
      return { type: InetAddressType.unknown, address: Buffer.alloc(0) };
  }
}

/** An InetHost from the wire form, or an error status name when the pair is inconsistent. */
export function decodeInetHost(
  type: number,
  address: Buffer,
): { ok: true; host: InetHost } | { ok: false; status: 'wrongValue' | 'wrongLength' | 'inconsistentValue' } {
  switch (type) {
    case InetAddressType.ipv4:
      if (address.length !== 4) return { ok: false, status: 'inconsistentValue' };
      return { ok: true, host: { type: 'ipv4', address: [...address].join('.') } };
    case InetAddressType.ipv6: {
      if (address.length !== 16) return { ok: false, status: 'inconsistentValue' };
      const groups: string[] = [];
      for (let i = 0; i < 16; i += 2) groups.push(address.readUInt16BE(i).toString(16));
      return { ok: true, host: { type: 'ipv6', address: groups.join(':') } };
    }
    case InetAddressType.dns: {
      // RFC 4001 InetAddressDNS: SIZE (1..255), a fully qualified name in ASCII
      if (address.length < 1 || address.length > 255) return { ok: false, status: 'inconsistentValue' };
      const s = address.toString('latin1');
      if (!/^[A-Za-z0-9.-]+$/.test(s)) return { ok: false, status: 'wrongValue' };
      return { ok: true, host: { type: 'dns', address: s } };
    }
    default:
      return { ok: false, status: 'wrongValue' };
  }
}

/** The InetAddressType name of a literal host string. */
export function inetHostOf(address: string): InetHost {
  const v = isIP(address);
  return { type: v === 4 ? 'ipv4' : v === 6 ? 'ipv6' : 'dns', address };
}

function ipv6Bytes(s: string): Buffer {
  const b = Buffer.alloc(16);
  if (isIP(s) !== 6) return b;
  let text = s;
  // an embedded IPv4 tail becomes two groups
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const n = v4.slice(1).map(Number);
    text =
      text.slice(0, v4.index) +
      (((n[0]! << 8) | n[1]!).toString(16) + ':' + ((n[2]! << 8) | n[3]!).toString(16));
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16) & 0xffff, i * 2));
  return b;
}

/**
 * An OCTET STRING INDEX component that is not IMPLIED (RFC 2578 §7.7 (3)): "a string of variable length
 * ... its length followed by the octets".
 */
export function stringIndex(s: string): Oid {
  const b = Buffer.from(s, 'utf8');
  const out = new Array<number>(b.length + 1);
  out[0] = b.length;
  for (let i = 0; i < b.length; i++) out[i + 1] = b[i]!;
  return out;
}

/**
 * Reads a length-prefixed string index at `at`; `undefined` when the arcs are not a valid encoding
 * (length out of `min..max`, an arc above 255, or too few arcs).
 */
export function readStringIndex(
  index: Oid,
  at: number,
  min: number,
  max: number,
): { value: string; end: number } | undefined {
  const n = index[at];
  if (n === undefined || n < min || n > max || at + 1 + n > index.length) return undefined;
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    const a = index[at + 1 + i]!;
    if (a > 255) return undefined;
    b[i] = a;
  }
  return { value: b.toString('latin1'), end: at + 1 + n };
}

/**
 * A TimeStamp (sysUpTime at an event) for an event known by wall-clock time: `upTimeNow` minus the age of
 * the event in hundredths of a second, 0 when it happened before the agent started (SNMPv2-TC TimeStamp:
 * "If ... prior to the last re-initialization ... then this object contains a zero value").
 */
export function timeStampOfEpoch(epochMs: number, upTimeNow: number, nowMs: number = Date.now()): number {
  const ageTicks = Math.floor((nowMs - epochMs) / 10);
  const t = upTimeNow - Math.max(0, ageTicks);
  return t > 0 ? t : 0;
}
