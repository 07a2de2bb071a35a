import { randomBytes } from 'node:crypto';

/**
 * SnmpEngineID construction (RFC 3411 §5, SNMP-FRAMEWORK-MIB SnmpEngineID TEXTUAL-CONVENTION).
 *
 * "The very first bit is used to indicate how the rest of the data is composed. ... 1 - as defined
 *  by this architecture, see below. The first four octets are set to the binary equivalent of the
 *  agent's SNMP management private enterprise number as assigned by IANA ... with the very first bit
 *  set to 1. The fifth octet indicates how the rest (6th and following octets) are formatted:
 *    3 - MAC address (6 octets), 4 - Text, administratively assigned (maximum remaining length 27),
 *    5 - Octets, administratively assigned (maximum remaining length 27)"
 *
 * Beckon's choice: format 5 (octets) with 8 random octets by default, under the enterprise number
 * given by the caller. The default enterprise number is 8072 (net-snmp), the same layout Net-SNMP
 * uses, because Beckon has no IANA private enterprise number of its own; pass `enterprise` once one
 * is assigned. The engine ID must be generated once and persisted with engineBoots by the caller
 * (RFC 3414 §2.2: snmpEngineBoots is tied to the snmpEngineID).
 */

export const DEFAULT_ENGINE_ENTERPRISE = 8072;

export type EngineIdFormat =
  { kind: 'octets'; octets?: Buffer } | { kind: 'text'; text: string } | { kind: 'mac'; mac: Buffer };

export interface EngineIdInit {
  /** IANA private enterprise number (0 .. 2^31-1). Default 8072. */
  enterprise?: number;
  /** Default: 8 random octets, format 5. */
  format?: EngineIdFormat;
}

export type EngineIdResult = { ok: true; engineId: Buffer } | { ok: false; error: string };

/** Builds an RFC 3411 engine ID; invalid input is returned as an error value. */
export function makeEngineId(init: EngineIdInit = {}): EngineIdResult {
  const enterprise = init.enterprise ?? DEFAULT_ENGINE_ENTERPRISE;
  if (!Number.isInteger(enterprise) || enterprise < 0 || enterprise > 0x7fff_ffff) {
    return { ok: false, error: 'enterprise must be an integer in 0..2^31-1' };
  }
  const format = init.format ?? { kind: 'octets' };
  let kind: number;
  let rest: Buffer;
  switch (format.kind) {
    case 'octets':
      kind = 5;
      rest = format.octets ?? randomBytes(8);
      if (rest.length < 1 || rest.length > 27) return { ok: false, error: 'octets must be 1..27 long' };
      break;
    case 'text':
      kind = 4;
      rest = Buffer.from(format.text, 'utf8');
      if (rest.length < 1 || rest.length > 27) return { ok: false, error: 'text must be 1..27 octets' };
      break;
    case 'mac':
      kind = 3;
      rest = format.mac;
      if (rest.length !== 6) return { ok: false, error: 'mac must be 6 octets' };
      break;
  }
  const head = Buffer.allocUnsafe(5);
  head.writeUInt32BE((enterprise | 0x8000_0000) >>> 0, 0);
  head[4] = kind;
  return { ok: true, engineId: Buffer.concat([head, rest]) };
}

/** A fresh random default engine ID (enterprise 8072, format 5, 8 random octets): 13 octets. */
export function makeDefaultEngineId(): Buffer {
  const r = makeEngineId();
  // Default arguments are always valid.
  if (!r.ok) throw new Error(r.error);
  return r.engineId;
}

/**
 * RFC 3411 §5: "SIZE(5..32)". Also refuses the all-zero / all-0xff forms the TC marks as invalid
 * ("'0000000000'H and 'FFFFFFFFFF'H" for a 5-octet value are not legal); other checks are left to the
 * administrator.
 */
export function isValidEngineId(id: Buffer): boolean {
  if (id.length < 5 || id.length > 32) return false;
  if (id.length === 5 && (id.every((b) => b === 0) || id.every((b) => b === 0xff))) return false;
  return true;
}

/** Parses hex ('80001f8805...', optional '0x' and ':' separators). */
export function parseEngineIdHex(text: string): Buffer | undefined {
  let s = text.trim().toLowerCase();
  if (s.startsWith('0x')) s = s.slice(2);
  s = s.replace(/:/g, '');
  if (s.length % 2 !== 0 || !/^[0-9a-f]+$/.test(s)) return undefined;
  const b = Buffer.from(s, 'hex');
  return isValidEngineId(b) ? b : undefined;
}
