import { randomBytes } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

/**
 * The STUN Binding exchange used as a keep-alive on UDP flows (RFC 5626 §4.4.2, RFC 5389).
 *
 * RFC 5626 §4.4.2: "the UAC ... sends STUN Binding Requests ... to the same ... port as the flow".
 * RFC 5626 §5.5 (shortened): a registrar or edge proxy that supports Outbound over UDP answers STUN
 * Binding Requests received on its SIP ports.
 *
 * RFC 5389 §6: "The most significant 2 bits of every STUN message MUST be zeroes"; the magic cookie
 * field "MUST contain the fixed value 0x2112A442". A SIP message starts with a letter, so the first byte
 * tells them apart.
 */
export const STUN_MAGIC_COOKIE = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const XOR_MAPPED_ADDRESS = 0x0020;

export type StunKind = 'binding-request' | 'binding-success' | 'other';

/** Classifies a datagram as STUN, or returns undefined when it is not STUN. */
export function stunKind(b: Buffer): StunKind | undefined {
  if (b.length < 20 || (b[0] as number) & 0xc0) return undefined;
  if (b.readUInt32BE(4) !== STUN_MAGIC_COOKIE) return undefined;
  const len = b.readUInt16BE(2);
  if (len + 20 !== b.length || (len & 3) !== 0) return undefined;
  const type = b.readUInt16BE(0);
  if (type === BINDING_REQUEST) return 'binding-request';
  if (type === BINDING_SUCCESS) return 'binding-success';
  return 'other';
}

/** A Binding Request with a fresh transaction id (for a UA keeping its UDP flow alive). */
export function stunBindingRequest(): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt16BE(BINDING_REQUEST, 0);
  b.writeUInt16BE(0, 2);
  b.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
  randomBytes(12).copy(b, 8);
  return b;
}

/**
 * The Binding Success Response to `request`, carrying XOR-MAPPED-ADDRESS of the source seen
 * (RFC 5389 §15.2); undefined when the address is not an IP literal.
 */
export function stunBindingResponse(request: Buffer, address: string, port: number): Buffer | undefined {
  const v4 = isIPv4(address);
  const addr = v4 ? ipv4Bytes(address) : isIPv6(address) ? ipv6Bytes(address) : undefined;
  if (!addr) return undefined;
  const valueLen = 4 + addr.length;
  const b = Buffer.alloc(20 + 4 + valueLen);
  b.writeUInt16BE(BINDING_SUCCESS, 0);
  b.writeUInt16BE(4 + valueLen, 2);
  b.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
  request.copy(b, 8, 8, 20);
  b.writeUInt16BE(XOR_MAPPED_ADDRESS, 20);
  b.writeUInt16BE(valueLen, 22);
  b[24] = 0;
  b[25] = v4 ? 0x01 : 0x02;
  b.writeUInt16BE(port ^ (STUN_MAGIC_COOKIE >>> 16), 26);
  // X-Address: the address XORed with the magic cookie (IPv4) or cookie + transaction id (IPv6).
  for (let i = 0; i < addr.length; i++) b[28 + i] = (addr[i] as number) ^ (b[4 + i] as number);
  return b;
}

/** XOR-MAPPED-ADDRESS of a Binding Success Response, if present. */
export function stunMappedAddress(response: Buffer): { address: string; port: number } | undefined {
  if (stunKind(response) !== 'binding-success') return undefined;
  let p = 20;
  while (p + 4 <= response.length) {
    const type = response.readUInt16BE(p);
    const len = response.readUInt16BE(p + 2);
    if (p + 4 + len > response.length) return undefined;
    if (type === XOR_MAPPED_ADDRESS && len >= 8) {
      const family = response[p + 5];
      const port = response.readUInt16BE(p + 6) ^ (STUN_MAGIC_COOKIE >>> 16);
      const n = family === 0x01 ? 4 : family === 0x02 ? 16 : 0;
      if (n === 0 || len < 4 + n) return undefined;
      const a = Buffer.alloc(n);
      for (let i = 0; i < n; i++) a[i] = (response[p + 8 + i] as number) ^ (response[4 + i] as number);
      return { address: n === 4 ? [...a].join('.') : formatIpv6(a), port };
    }
    p += 4 + ((len + 3) & ~3);
  }
  return undefined;
}

function ipv4Bytes(a: string): Buffer {
  return Buffer.from(a.split('.').map((x) => Number(x)));
}

function ipv6Bytes(a: string): Buffer | undefined {
  let s = a;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const tail: number[] = [];
  // Embedded IPv4 (::ffff:1.2.3.4).
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    const v4 = s.slice(lastColon + 1);
    if (!isIPv4(v4)) return undefined;
    const bytes = ipv4Bytes(v4);
    tail.push(
      ((bytes[0] as number) << 8) | (bytes[1] as number),
      ((bytes[2] as number) << 8) | (bytes[3] as number),
    );
    s = s.slice(0, lastColon + 1);
    if (!s.endsWith('::')) s = s.slice(0, -1);
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const parse = (x: string): number[] => (x === '' ? [] : x.split(':').map((h) => parseInt(h, 16)));
  const h = parse(head);
  const r = rest === undefined ? [] : parse(rest);
  const groups =
    rest === undefined
      ? [...h, ...tail]
      : [...h, ...Array(8 - h.length - r.length - tail.length).fill(0), ...r, ...tail];
  if (groups.length !== 8 || groups.some((g) => !(g >= 0 && g <= 0xffff))) return undefined;
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(g, i * 2));
  return b;
}

function formatIpv6(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return groups.join(':');
}
