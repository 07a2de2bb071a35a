import { isIP } from 'node:net';
import { decodeInetHost, encodeInetHost, inetHostOf, InetAddressType } from '@beckon/mibs';
import { formatOid, parseOid, type Oid, type SnmpValue, type VarBind } from '@beckon/snmp';
import type { OidNameTable, ObjectSyntax } from './oid-name-table.js';
import type { ResultVarbind, SetValueType, SetVarbindInput } from './task-op.js';

export type Typed<T> = { ok: true; value: T } | { ok: false; error: string };

function intText(v: string, min: number, max: number): number | undefined {
  if (!/^-?[0-9]+$/.test(v.trim())) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
}

/** A value of an explicit Net-SNMP type letter. */
function byLetter(type: SetValueType, v: string): Typed<SnmpValue> {
  switch (type) {
    case 'i': {
      const n = intText(v, -0x80000000, 0x7fffffff);
      return n === undefined
        ? { ok: false, error: `not an INTEGER: ${v}` }
        : { ok: true, value: { type: 'Integer', value: n } };
    }
    case 'u':
    case 'c':
    case 't': {
      const n = intText(v, 0, 0xffffffff);
      if (n === undefined) return { ok: false, error: `not an unsigned 32-bit value: ${v}` };
      const t = type === 'u' ? 'Gauge32' : type === 'c' ? 'Counter32' : 'TimeTicks';
      return { ok: true, value: { type: t, value: n } };
    }
    case 's':
      return { ok: true, value: { type: 'OctetString', value: Buffer.from(v, 'utf8') } };
    case 'x': {
      const h = v.replace(/[\s:]/g, '');
      if (!/^([0-9a-fA-F]{2})*$/.test(h)) return { ok: false, error: `not hex octets: ${v}` };
      return { ok: true, value: { type: 'OctetString', value: Buffer.from(h, 'hex') } };
    }
    case 'o': {
      const p = parseOid(v);
      return p.ok
        ? { ok: true, value: { type: 'ObjectIdentifier', value: p.oid } }
        : { ok: false, error: p.error };
    }
    case 'a':
      return isIP(v) === 4
        ? { ok: true, value: { type: 'IpAddress', value: v } }
        : { ok: false, error: `not an IPv4 address: ${v}` };
  }
}

/** A value typed by the object's SYNTAX. */
function bySyntax(syntax: ObjectSyntax, v: string): Typed<SnmpValue> {
  switch (syntax) {
    case 'DisplayString':
      if (Buffer.byteLength(v, 'utf8') > 255)
        return { ok: false, error: 'DisplayString longer than 255 octets' };
      return byLetter('s', v);
    case 'OctetString':
      return byLetter('s', v);
    case 'Integer':
      return byLetter('i', v);
    case 'Unsigned32':
      return byLetter('u', v);
    case 'TimeTicks':
      return byLetter('t', v);
    case 'ObjectIdentifier':
      return byLetter('o', v);
    case 'TruthValue':
      if (v === 'true') return { ok: true, value: { type: 'Integer', value: 1 } };
      if (v === 'false') return { ok: true, value: { type: 'Integer', value: 2 } };
      return byLetter('i', v);
    case 'InetAddressType': {
      const named = (InetAddressType as Record<string, number>)[v];
      if (named !== undefined) return { ok: true, value: { type: 'Integer', value: named } };
      return byLetter('i', v);
    }
    case 'InetAddress': {
      const e = encodeInetHost(inetHostOf(v));
      const d = decodeInetHost(e.type, e.address);
      if (!d.ok) return { ok: false, error: `not an address or DNS name: ${v}` };
      return { ok: true, value: { type: 'OctetString', value: e.address } };
    }
  }
}

/**
 * The varbinds of a SET, typed by the MIB. An InetAddress given as text also sets its companion
 * InetAddressType column (same index) unless the operator set it too (RFC 4001 §3: the pair is read
 * together).
 */
export function setVarbinds(names: OidNameTable, inputs: readonly SetVarbindInput[]): Typed<VarBind[]> {
  const out: VarBind[] = [];
  const companions: VarBind[] = [];
  for (const input of inputs) {
    const r = names.resolve(input.oid);
    if (!r.ok) return r;
    let value: Typed<SnmpValue>;
    if (input.type !== undefined) value = byLetter(input.type, input.value);
    else if (r.object?.syntax !== undefined) value = bySyntax(r.object.syntax, input.value);
    else return { ok: false, error: `${input.oid}: type unknown, give one (${input.oid}:s=...)` };
    if (!value.ok) return { ok: false, error: `${input.oid}: ${value.error}` };
    out.push({ oid: r.oid, value: value.value });
    if (input.type === undefined && r.object?.syntax === 'InetAddress') {
      const typeCol = names.object(`${r.object.name}Type`);
      if (typeCol) {
        const t = encodeInetHost(inetHostOf(input.value)).type;
        companions.push({ oid: [...typeCol.oid, ...r.suffix], value: { type: 'Integer', value: t } });
      }
    }
  }
  for (const c of companions) {
    const key = formatOid(c.oid);
    if (!out.some((v) => formatOid(v.oid) === key)) out.unshift(c);
  }
  return { ok: true, value: out };
}

function printable(b: Buffer): boolean {
  for (const c of b) if ((c < 0x20 || c > 0x7e) && c !== 0x0a && c !== 0x0d && c !== 0x09) return false;
  return true;
}

function inetText(b: Buffer): string | undefined {
  if (b.length === 4) return decodeInetHost(1, b).ok ? [...b].join('.') : undefined;
  if (b.length === 16) {
    const d = decodeInetHost(2, b);
    return d.ok ? d.host.address : undefined;
  }
  return printable(b) ? b.toString('latin1') : undefined;
}

/** A result varbind: OID, name, type and a readable value (InetAddress columns decoded). */
export function resultVarbind(names: OidNameTable, vb: VarBind): ResultVarbind {
  const oid = formatOid(vb.oid);
  const name = names.name(vb.oid);
  const v = vb.value;
  switch (v.type) {
    case 'OctetString':
    case 'Opaque': {
      const syntax = names.lookup(vb.oid)?.object.syntax;
      if (syntax === 'InetAddress') {
        const t = inetText(v.value);
        if (t !== undefined) return { oid, name, type: v.type, value: t, hex: v.value.toString('hex') };
      }
      return printable(v.value)
        ? { oid, name, type: v.type, value: v.value.toString('utf8') }
        : { oid, name, type: v.type, value: v.value.toString('hex'), hex: v.value.toString('hex') };
    }
    case 'Integer':
    case 'Counter32':
    case 'Gauge32':
    case 'TimeTicks':
      return { oid, name, type: v.type, value: v.value };
    case 'Counter64':
      return { oid, name, type: v.type, value: v.value.toString() };
    case 'ObjectIdentifier':
      return { oid, name, type: v.type, value: names.name(v.value as Oid) };
    case 'IpAddress':
      return { oid, name, type: v.type, value: v.value };
    default:
      return { oid, name, type: v.type, value: null };
  }
}
