import { oid, type Oid } from '../ber/oid.js';

/**
 * RFC 5343 §3.1 (Local EngineID): the well-known localEngineID '8000000006'H. A request whose
 * contextEngineID is localEngineID is processed as if it carried the receiving engine's own
 * snmpEngineID; §3.2 (EngineID Discovery): the command generator retrieves snmpEngineID.0 with such a
 * request and uses the value as contextEngineID from then on. Used with security models that need no
 * engine discovery of their own (TSM over TLS/SSH).
 */
export const LOCAL_ENGINE_ID: Buffer = Buffer.from([0x80, 0x00, 0x00, 0x00, 0x06]);

/** snmpEngineID.0 (SNMP-FRAMEWORK-MIB). */
export const SNMP_ENGINE_ID_INSTANCE: Oid = oid('1.3.6.1.6.3.10.2.1.1.0');

/**
 * When the plaintext ScopedPDU `scoped` carries contextEngineID = localEngineID, returns a copy with
 * `engineId` in its place; otherwise undefined (the common case costs a few byte compares).
 * Never throws on bad input: anything that does not look like a ScopedPDU returns undefined.
 */
export function substituteLocalEngineId(scoped: Buffer, engineId: Buffer): Buffer | undefined {
  return replaceContextEngineId(scoped, LOCAL_ENGINE_ID, engineId);
}

/**
 * When the ScopedPDU's contextEngineID equals `from`, returns a copy with `to` in its place;
 * otherwise undefined. Used both ways: localEngineID -> snmpEngineID for the request, and back for
 * the response (RFC 3413 §3.2: the response carries the contextEngineID of the request).
 */
export function replaceContextEngineId(scoped: Buffer, from: Buffer, to: Buffer): Buffer | undefined {
  if (scoped.length < 4 + from.length || scoped[0] !== 0x30 || from.length > 127) return undefined;
  const l = scoped[1]!;
  const hdr = l < 0x80 ? 2 : 2 + (l & 0x7f);
  if (l === 0x80 || hdr > 6 || scoped.length < hdr + 2 + from.length) return undefined;
  if (scoped[hdr] !== 0x04 || scoped[hdr + 1] !== from.length) return undefined;
  for (let i = 0; i < from.length; i++) if (scoped[hdr + 2 + i] !== from[i]) return undefined;
  if (to.length > 127) return undefined;
  const engineId = to;
  const rest = scoped.subarray(hdr + 2 + from.length);
  const contentLen = 2 + engineId.length + rest.length;
  const lenBytes = encodeLength(contentLen);
  const out = Buffer.allocUnsafe(1 + lenBytes.length + contentLen);
  let p = 0;
  out[p++] = 0x30;
  lenBytes.copy(out, p);
  p += lenBytes.length;
  out[p++] = 0x04;
  out[p++] = engineId.length;
  engineId.copy(out, p);
  p += engineId.length;
  rest.copy(out, p);
  return out;
}

function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
