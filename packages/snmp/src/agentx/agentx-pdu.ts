import type { Oid } from '../ber/oid.js';
import type { VarBind } from '../ber/snmp-value.js';

/**
 * AgentX PDU model (RFC 2741 §6). Every PDU travels behind the 20-octet header of §6.1:
 *   h.version (1) | h.type (1) | h.flags (1) | <reserved> (1) |
 *   h.sessionID (4) | h.transactionID (4) | h.packetID (4) | h.payload_length (4)
 */
export const AGENTX_VERSION = 1;
export const AGENTX_HEADER_LENGTH = 20;

/** RFC 2741 §6.1 h.type values. */
export enum AgentxPduType {
  Open = 1,
  Close = 2,
  Register = 3,
  Unregister = 4,
  Get = 5,
  GetNext = 6,
  GetBulk = 7,
  TestSet = 8,
  CommitSet = 9,
  UndoSet = 10,
  CleanupSet = 11,
  Notify = 12,
  Ping = 13,
  IndexAllocate = 14,
  IndexDeallocate = 15,
  AddAgentCaps = 16,
  RemoveAgentCaps = 17,
  Response = 18,
}

/** RFC 2741 §6.1 h.flags bits. */
export const AgentxFlags = {
  InstanceRegistration: 0x01,
  NewIndex: 0x02,
  AnyIndex: 0x04,
  NonDefaultContext: 0x08,
  NetworkByteOrder: 0x10,
} as const;

/** RFC 2741 §6.2.2 c.reason values. */
export const AgentxCloseReason = {
  other: 1,
  parseError: 2,
  protocolError: 3,
  timeouts: 4,
  shutdown: 5,
  byManager: 6,
} as const;

/**
 * RFC 2741 §6.2.16 res.error values beyond the SNMP error-status values 0..18 (which are used as
 * they are for Get/Set processing).
 */
export const AgentxError = {
  noAgentXError: 0,
  openFailed: 256,
  notOpen: 257,
  indexWrongType: 258,
  indexAlreadyAllocated: 259,
  indexNoneAvailable: 260,
  indexNotAllocated: 261,
  unsupportedContext: 262,
  duplicateRegistration: 263,
  unknownRegistration: 264,
  unknownAgentCaps: 265,
  parseError: 266,
  requestDenied: 267,
  processingError: 268,
} as const;

/** RFC 2741 §5.2 SearchRange: start (with its include flag) and an exclusive end (null OID = none). */
export interface AgentxSearchRange {
  start: Oid;
  include: boolean;
  end: Oid;
}

/** Header fields other than version, type and payload length. */
export interface AgentxHeader {
  /** Raw h.flags; NON_DEFAULT_CONTEXT is recomputed from `context` on encoding. */
  flags: number;
  sessionId: number;
  transactionId: number;
  packetId: number;
}

interface WithContext {
  /** Present when h.flags has NON_DEFAULT_CONTEXT (§6.1). */
  context?: Buffer;
}

export type AgentxPduBody =
  | { type: AgentxPduType.Open; timeout: number; id: Oid; descr: Buffer }
  | { type: AgentxPduType.Close; reason: number }
  | (WithContext & {
      type: AgentxPduType.Register;
      timeout: number;
      priority: number;
      rangeSubid: number;
      subtree: Oid;
      /** Present iff rangeSubid is non-zero. */
      upperBound?: number;
    })
  | (WithContext & {
      type: AgentxPduType.Unregister;
      priority: number;
      rangeSubid: number;
      subtree: Oid;
      upperBound?: number;
    })
  | (WithContext & { type: AgentxPduType.Get | AgentxPduType.GetNext; ranges: AgentxSearchRange[] })
  | (WithContext & {
      type: AgentxPduType.GetBulk;
      nonRepeaters: number;
      maxRepetitions: number;
      ranges: AgentxSearchRange[];
    })
  | (WithContext & {
      type:
        | AgentxPduType.TestSet
        | AgentxPduType.Notify
        | AgentxPduType.IndexAllocate
        | AgentxPduType.IndexDeallocate;
      varbinds: VarBind[];
    })
  | { type: AgentxPduType.CommitSet | AgentxPduType.UndoSet | AgentxPduType.CleanupSet }
  | (WithContext & { type: AgentxPduType.Ping })
  | (WithContext & { type: AgentxPduType.AddAgentCaps; id: Oid; descr: Buffer })
  | (WithContext & { type: AgentxPduType.RemoveAgentCaps; id: Oid })
  | { type: AgentxPduType.Response; sysUpTime: number; error: number; index: number; varbinds: VarBind[] };

export interface AgentxMessage {
  header: AgentxHeader;
  pdu: AgentxPduBody;
}
