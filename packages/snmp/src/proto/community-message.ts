import { BerReader } from '../ber/ber-reader.js';
import type { BerResult } from '../ber/ber-error.js';
import { BerWriter } from '../ber/ber-writer.js';
import { Tag } from '../ber/tags.js';
import { readPdu, writePdu, type Pdu } from './pdu.js';

/** RFC 3412/3584 msgVersion values. */
export const SnmpVersion = { v1: 0, v2c: 1, v3: 3 } as const;
export type SnmpVersionNumber = 0 | 1 | 3;

/**
 * RFC 1157 §4 / RFC 1901 §3 community-based message:
 *   Message ::= SEQUENCE { version INTEGER, community OCTET STRING, data ANY }
 */
export interface CommunityMessage {
  version: 0 | 1;
  community: Buffer;
  pdu: Pdu;
}

export function encodeCommunityMessage(
  m: CommunityMessage,
  w: BerWriter = new BerWriter(),
): BerResult<Buffer> {
  w.reset();
  w.startSequence();
  w.writeInteger(m.version);
  w.writeOctetString(m.community);
  writePdu(w, m.pdu);
  w.endSequence();
  if (w.error) return { ok: false, error: w.error };
  return { ok: true, value: w.toBuffer() };
}

/** Reads msgVersion without decoding the rest (dispatch step, RFC 3412 §4.2.1). */
export function peekVersion(buf: Buffer): BerResult<number> {
  const r = new BerReader(buf);
  r.enter(Tag.Sequence);
  const v = r.readInteger();
  if (r.error) return { ok: false, error: r.error };
  return { ok: true, value: v };
}

export function decodeCommunityMessage(buf: Buffer): BerResult<CommunityMessage> {
  const r = new BerReader(buf);
  const saved = r.enter(Tag.Sequence);
  const version = r.readInteger32();
  if (r.ok && version !== 0 && version !== 1) r.fail('badValue', `version ${version}`);
  const community = r.readOctetString();
  const pdu = readPdu(r);
  r.leave(saved);
  if (r.ok && r.pos !== buf.length) r.fail('trailingBytes', `${buf.length - r.pos} bytes after message`);
  if (r.error || !pdu) return { ok: false, error: r.error ?? { code: 'badValue', offset: 0 } };
  // RFC 1157 defines only Get/GetNext/GetResponse/Set/Trap for SNMPv1; RFC 3416 PDUs (no Trap-v1)
  // for SNMPv2c (RFC 1901).
  if (
    version === 0 &&
    (pdu.type === 'GetBulkRequest' ||
      pdu.type === 'InformRequest' ||
      pdu.type === 'SNMPv2Trap' ||
      pdu.type === 'Report')
  )
    return { ok: false, error: { code: 'unexpectedTag', offset: 0, detail: `${pdu.type} in SNMPv1` } };
  if (version === 1 && pdu.type === 'TrapV1')
    return { ok: false, error: { code: 'unexpectedTag', offset: 0, detail: 'Trap-v1 in SNMPv2c' } };
  return { ok: true, value: { version: version as 0 | 1, community, pdu } };
}
