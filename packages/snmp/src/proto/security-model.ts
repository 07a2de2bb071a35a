/**
 * The seam between message processing (RFC 3412) and a security model (RFC 3414 USM, RFC 3584 community).
 *
 * RFC 3412 §7 (Security Model primitives):
 *   statusInformation = generateRequestMsg(messageProcessingModel, globalData, maxMessageSize,
 *       securityModel, securityEngineID, securityName, securityLevel, scopedPDU -> securityParameters,
 *       wholeMsg, wholeMsgLength)
 *   statusInformation = processIncomingMsg(messageProcessingModel, maxMessageSize, securityParameters,
 *       securityModel, securityLevel, wholeMsg, wholeMsgLength -> securityEngineID, securityName, scopedPDU,
 *       maxSizeResponseScopedPDU, securityStateReference)
 *   statusInformation = generateResponseMsg(..., securityStateReference)
 *
 * Message processing here hands the security model the decoded v3 header, the raw
 * msgSecurityParameters octets (plus their offset in the whole message, for HMAC over the whole message
 * with zeroed authentication parameters) and msgData (plaintext scopedPDU bytes or encrypted octets).
 * The security model returns the plaintext scopedPDU bytes. For outgoing messages message processing
 * hands over the encoded plaintext scopedPDU and the security model builds the whole message (it may use
 * `encodeV3Message` from ./v3-message.js).
 */
import type { Oid } from '../ber/oid.js';

/** RFC 3411 §5 SnmpSecurityModel values. */
export const SecurityModelId = { any: 0, v1: 1, v2c: 2, usm: 3, tsm: 4 } as const;

/** RFC 3411 §5 SnmpSecurityLevel, ordered noAuthNoPriv < authNoPriv < authPriv. */
export type SecurityLevel = 'noAuthNoPriv' | 'authNoPriv' | 'authPriv';

export function securityLevelRank(l: SecurityLevel): number {
  return l === 'noAuthNoPriv' ? 1 : l === 'authNoPriv' ? 2 : 3;
}

/** msgFlags bits, RFC 3412 §6.4. */
export const MsgFlags = { auth: 0x01, priv: 0x02, reportable: 0x04 } as const;

export function securityLevelFromFlags(flags: number): SecurityLevel | undefined {
  const auth = (flags & MsgFlags.auth) !== 0;
  const priv = (flags & MsgFlags.priv) !== 0;
  if (priv && !auth) return undefined; // RFC 3412 §7.2 (5): invalid combination
  return priv ? 'authPriv' : auth ? 'authNoPriv' : 'noAuthNoPriv';
}

export function flagsFromSecurityLevel(l: SecurityLevel, reportable: boolean): number {
  const f = l === 'authPriv' ? 3 : l === 'authNoPriv' ? 1 : 0;
  return reportable ? f | MsgFlags.reportable : f;
}

/** msgGlobalData of RFC 3412 §6. */
export interface V3GlobalData {
  msgId: number;
  msgMaxSize: number;
  msgFlags: number;
  msgSecurityModel: number;
}

/** msgData: plaintext ScopedPDU bytes (a full SEQUENCE TLV) or the encryptedPDU octets. */
export type V3MsgData =
  { kind: 'plaintext'; scopedPdu: Buffer } | { kind: 'encrypted'; encryptedPdu: Buffer };

export interface IncomingSecurityParams {
  globalData: V3GlobalData;
  securityLevel: SecurityLevel;
  /** Content octets of msgSecurityParameters (without the OCTET STRING tag and length). */
  securityParameters: Buffer;
  /** Offset of `securityParameters` content inside `wholeMsg`. */
  securityParametersOffset: number;
  msgData: V3MsgData;
  wholeMsg: Buffer;
}

export interface IncomingSecurityOutput {
  securityEngineId: Buffer;
  securityName: string;
  /** Plaintext ScopedPDU bytes (full SEQUENCE TLV). */
  scopedPdu: Buffer;
  maxSizeResponseScopedPdu: number;
  /** Opaque cache handed back to generateResponseMsg (keys, engine boots/time used, ...). */
  securityStateReference: unknown;
}

/** RFC 3414 §3.2 error indications (statusInformation) plus a generic parse failure. */
export type SecurityErrorStatus =
  | 'unsupportedSecLevel'
  | 'notInTimeWindow'
  | 'unknownUserName'
  | 'unknownEngineID'
  | 'wrongDigest'
  | 'decryptionError'
  | 'parseError'
  | 'unsupportedSecurityModel';

export interface SecurityError {
  status: SecurityErrorStatus;
  /**
   * When set, message processing sends a Report PDU (if the reportable flag was set) carrying this
   * counter varbind (for example usmStatsUnknownEngineIDs.0 and its current value).
   */
  report?: { oid: Oid; value: number };
  /** Parameters to build the Report with generateResponseMsg (RFC 3414 §3.2 step 3/4/...). */
  securityStateReference?: unknown;
  securityEngineId?: Buffer;
  securityName?: string;
  securityLevel?: SecurityLevel;
}

export type SecurityResult<T> = { ok: true; value: T } | { ok: false; error: SecurityError };

export interface OutgoingRequestParams {
  globalData: V3GlobalData;
  securityEngineId: Buffer;
  securityName: string;
  securityLevel: SecurityLevel;
  /** Encoded plaintext ScopedPDU (full SEQUENCE TLV). */
  scopedPdu: Buffer;
}

export interface OutgoingResponseParams extends OutgoingRequestParams {
  securityStateReference: unknown;
}

export interface SecurityModel {
  /** RFC 3411 SnmpSecurityModel value (3 for USM). */
  readonly id: number;
  processIncomingMsg(p: IncomingSecurityParams): SecurityResult<IncomingSecurityOutput>;
  /** Returns the whole encoded message. */
  generateRequestMsg(p: OutgoingRequestParams): SecurityResult<Buffer>;
  /** Returns the whole encoded message (responses and reports). */
  generateResponseMsg(p: OutgoingResponseParams): SecurityResult<Buffer>;
}
