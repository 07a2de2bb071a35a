import { BerReader } from '../ber/ber-reader.js';
import type { BerResult } from '../ber/ber-error.js';
import { BerWriter } from '../ber/ber-writer.js';
import { Tag } from '../ber/tags.js';
import { readPdu, writePdu, type Pdu } from './pdu.js';
import type { V3GlobalData, V3MsgData } from './security-model.js';

/**
 * RFC 3412 §6:
 *   SNMPv3Message ::= SEQUENCE { msgVersion INTEGER, msgGlobalData HeaderData,
 *       msgSecurityParameters OCTET STRING, msgData ScopedPduData }
 *   HeaderData ::= SEQUENCE { msgID, msgMaxSize (484..2147483647), msgFlags OCTET STRING (SIZE(1)),
 *       msgSecurityModel (1..2147483647) }
 *   ScopedPduData ::= CHOICE { plaintext ScopedPDU, encryptedPDU OCTET STRING }
 */
export interface V3Message {
  globalData: V3GlobalData;
  securityParameters: Buffer;
  /** Offset of the msgSecurityParameters content octets in the whole message. */
  securityParametersOffset: number;
  msgData: V3MsgData;
}

/** RFC 3412 §6: ScopedPDU ::= SEQUENCE { contextEngineID OCTET STRING, contextName OCTET STRING, data ANY } */
export interface ScopedPdu {
  contextEngineId: Buffer;
  contextName: Buffer;
  pdu: Pdu;
}

export function encodeV3Message(
  m: { globalData: V3GlobalData; securityParameters: Buffer; msgData: V3MsgData },
  w: BerWriter = new BerWriter(),
): BerResult<{ bytes: Buffer; securityParametersOffset: number }> {
  w.reset();
  w.startSequence();
  w.writeInteger(3);
  w.startSequence();
  w.writeInteger(m.globalData.msgId);
  w.writeInteger(m.globalData.msgMaxSize);
  w.writeOctetString(Buffer.from([m.globalData.msgFlags & 0xff]));
  w.writeInteger(m.globalData.msgSecurityModel);
  w.endSequence();
  w.writeOctetString(m.securityParameters);
  const spEnd = w.length;
  if (m.msgData.kind === 'plaintext') w.writeRaw(m.msgData.scopedPdu);
  else w.writeOctetString(m.msgData.encryptedPdu);
  const tail = w.length - spEnd;
  w.endSequence();
  if (w.error) return { ok: false, error: w.error };
  const bytes = w.toBuffer();
  // the outer sequence header may have grown; locate from the end, which does not move
  const securityParametersOffset = bytes.length - tail - m.securityParameters.length;
  return { ok: true, value: { bytes, securityParametersOffset } };
}

export function decodeV3Message(buf: Buffer): BerResult<V3Message> {
  const r = new BerReader(buf);
  const saved = r.enter(Tag.Sequence);
  const version = r.readInteger32();
  if (r.ok && version !== 3) r.fail('badValue', `version ${version}`);
  const hd = r.enter(Tag.Sequence);
  const msgId = r.readInteger32();
  const msgMaxSize = r.readInteger32();
  const flags = r.readOctetString();
  const msgSecurityModel = r.readInteger32();
  r.leave(hd);
  if (r.ok && flags.length !== 1) r.fail('badValue', 'msgFlags must be one octet');
  if (r.ok && (msgId < 0 || msgMaxSize < 484 || msgSecurityModel < 1))
    r.fail('integerRange', 'header field range');
  const spLen = r.readHeader(Tag.OctetString);
  const securityParametersOffset = r.pos;
  const securityParameters = spLen >= 0 ? buf.subarray(r.pos, r.pos + spLen) : Buffer.alloc(0);
  if (spLen > 0) r.pos += spLen;
  let msgData: V3MsgData | undefined;
  const t = r.peekTag();
  if (t === Tag.Sequence) {
    const el = r.skip();
    if (el) msgData = { kind: 'plaintext', scopedPdu: buf.subarray(el.start, el.end) };
  } else if (t === Tag.OctetString) {
    msgData = { kind: 'encrypted', encryptedPdu: r.readOctetString() };
  } else r.fail('unexpectedTag', 'msgData');
  r.leave(saved);
  if (r.ok && r.pos !== buf.length) r.fail('trailingBytes', `${buf.length - r.pos} bytes after message`);
  if (r.error || !msgData) return { ok: false, error: r.error ?? { code: 'badValue', offset: 0 } };
  return {
    ok: true,
    value: {
      globalData: { msgId, msgMaxSize, msgFlags: flags[0]!, msgSecurityModel },
      securityParameters,
      securityParametersOffset,
      msgData,
    },
  };
}

export function encodeScopedPdu(s: ScopedPdu, w: BerWriter = new BerWriter()): BerResult<Buffer> {
  w.reset();
  w.startSequence();
  w.writeOctetString(s.contextEngineId);
  w.writeOctetString(s.contextName);
  writePdu(w, s.pdu);
  w.endSequence();
  if (w.error) return { ok: false, error: w.error };
  return { ok: true, value: w.toBuffer() };
}

/** Decodes plaintext ScopedPDU bytes; decrypted data may carry padding after the SEQUENCE (allowed). */
export function decodeScopedPdu(buf: Buffer, allowTrailing = false): BerResult<ScopedPdu> {
  const r = new BerReader(buf);
  const saved = r.enter(Tag.Sequence);
  const contextEngineId = r.readOctetString();
  const contextName = r.readOctetString();
  const pdu = readPdu(r);
  r.leave(saved);
  if (r.ok && !allowTrailing && r.pos !== buf.length) r.fail('trailingBytes', 'after ScopedPDU');
  if (r.error || !pdu) return { ok: false, error: r.error ?? { code: 'badValue', offset: 0 } };
  if (pdu.type === 'TrapV1')
    return { ok: false, error: { code: 'unexpectedTag', offset: 0, detail: 'Trap-v1 in v3' } };
  return { ok: true, value: { contextEngineId, contextName, pdu } };
}
