import type { BerError, BerResult } from '../ber/ber-error.js';
import { BerReader } from '../ber/ber-reader.js';
import { BerWriter } from '../ber/ber-writer.js';

/**
 * RFC 3414 §2.4:
 *   UsmSecurityParameters ::= SEQUENCE {
 *       msgAuthoritativeEngineID     OCTET STRING,
 *       msgAuthoritativeEngineBoots  INTEGER (0..2147483647),
 *       msgAuthoritativeEngineTime   INTEGER (0..2147483647),
 *       msgUserName                  OCTET STRING (SIZE(0..32)),
 *       msgAuthenticationParameters  OCTET STRING,
 *       msgPrivacyParameters         OCTET STRING }
 */
export interface UsmSecurityParameters {
  /** Views into the decoded buffer: copy before keeping them beyond the message. */
  authoritativeEngineId: Buffer;
  authoritativeEngineBoots: number;
  authoritativeEngineTime: number;
  userName: Buffer;
  authenticationParameters: Buffer;
  privacyParameters: Buffer;
  /** Absolute offset of the msgAuthenticationParameters content in the buffer that was decoded. */
  authenticationParametersOffset: number;
}

/** RFC 3411 SnmpEngineID is 5..32 octets; msgAuthoritativeEngineID may also be empty (discovery). */
export const MAX_ENGINE_ID_LENGTH = 32;
/** RFC 3414 §2.4 msgUserName SIZE(0..32). */
export const MAX_USER_NAME_LENGTH = 32;
/** Larger than any MAC (48, HMAC-SHA-512) or salt (8) in use; anything longer is malformed. */
export const MAX_AUTH_PARAMS_LENGTH = 64;
export const MAX_PRIV_PARAMS_LENGTH = 32;
const MAX_INT = 0x7fff_ffff;

function err(code: BerError['code'], offset: number, detail: string): { ok: false; error: BerError } {
  return { ok: false, error: { code, offset, detail } };
}

/**
 * Decodes the UsmSecurityParameters SEQUENCE found in `buf[start, end)` (the content octets of
 * msgSecurityParameters). Never throws; the whole range must be exactly one SEQUENCE.
 */
export function decodeUsmSecurityParameters(
  buf: Buffer,
  start = 0,
  end = buf.length,
): BerResult<UsmSecurityParameters> {
  if (start < 0 || end > buf.length || start > end) return err('truncated', start, 'bad range');
  const r = new BerReader(buf, start, end);
  const outer = r.enter(0x30);
  const authoritativeEngineId = r.readOctetString();
  const boots = r.readInteger();
  const timeAt = r.pos;
  const time = r.readInteger();
  const userName = r.readOctetString();
  // Locate the authentication parameters content: header length varies.
  const authAt = r.pos;
  const authenticationParameters = r.readOctetString();
  const authenticationParametersOffset = r.pos - authenticationParameters.length;
  const privacyParameters = r.readOctetString();
  r.leave(outer);
  if (r.error) return { ok: false, error: r.error };
  if (!r.atEnd()) return err('trailingBytes', r.pos, 'bytes after UsmSecurityParameters');
  if (authoritativeEngineId.length > MAX_ENGINE_ID_LENGTH) {
    return err('badValue', start, 'msgAuthoritativeEngineID longer than 32 octets');
  }
  if (boots < 0 || boots > MAX_INT) return err('integerRange', start, 'msgAuthoritativeEngineBoots');
  if (time < 0 || time > MAX_INT) return err('integerRange', timeAt, 'msgAuthoritativeEngineTime');
  if (userName.length > MAX_USER_NAME_LENGTH) return err('badValue', start, 'msgUserName longer than 32');
  if (authenticationParameters.length > MAX_AUTH_PARAMS_LENGTH) {
    return err('badValue', authAt, 'msgAuthenticationParameters too long');
  }
  if (privacyParameters.length > MAX_PRIV_PARAMS_LENGTH) {
    return err('badValue', authAt, 'msgPrivacyParameters too long');
  }
  return {
    ok: true,
    value: {
      authoritativeEngineId,
      authoritativeEngineBoots: boots,
      authoritativeEngineTime: time,
      userName,
      authenticationParameters,
      privacyParameters,
      authenticationParametersOffset,
    },
  };
}

export interface UsmSecurityParametersInit {
  authoritativeEngineId: Buffer;
  authoritativeEngineBoots: number;
  authoritativeEngineTime: number;
  userName: Buffer;
  /** Written as this many zero octets (the MAC is filled in after the whole message is built). */
  authenticationParametersLength: number;
  privacyParameters: Buffer;
}

export interface EncodedUsmSecurityParameters {
  /** The full UsmSecurityParameters SEQUENCE TLV. */
  bytes: Buffer;
  /** Offset of the msgAuthenticationParameters content within `bytes`. */
  authenticationParametersOffset: number;
}

/** Encodes UsmSecurityParameters with zeroed authentication parameters. */
export function encodeUsmSecurityParameters(
  p: UsmSecurityParametersInit,
  w: BerWriter = new BerWriter(160),
): BerResult<EncodedUsmSecurityParameters> {
  w.reset();
  w.startSequence(0x30);
  w.writeOctetString(p.authoritativeEngineId);
  w.writeInteger(p.authoritativeEngineBoots);
  w.writeInteger(p.authoritativeEngineTime);
  w.writeOctetString(p.userName);
  const zeros = Buffer.alloc(p.authenticationParametersLength);
  // authentication params are short (< 128): tag + 1 length byte precede the content. The SEQUENCE
  // header itself is 2 bytes while content < 128 and 3 bytes otherwise; computed after endSequence.
  const authRel = w.length + 2;
  w.writeOctetString(zeros);
  w.writeOctetString(p.privacyParameters);
  const contentLen = w.length - 2;
  w.endSequence();
  if (w.error) return { ok: false, error: w.error };
  const shift = contentLen < 0x80 ? 0 : contentLen < 0x100 ? 1 : 2;
  return { ok: true, value: { bytes: w.toBuffer(), authenticationParametersOffset: authRel + shift } };
}
