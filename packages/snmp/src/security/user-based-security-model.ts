import type { Logger, MetricsRegistry } from '@beckon/ops';
import { BerWriter } from '../ber/ber-writer.js';
import { encodeV3Message } from '../proto/v3-message.js';
import {
  SecurityModelId,
  type IncomingSecurityOutput,
  type IncomingSecurityParams,
  type OutgoingRequestParams,
  type OutgoingResponseParams,
  type SecurityError,
  type SecurityErrorStatus,
  type SecurityLevel,
  type SecurityModel,
  type SecurityResult,
  type V3GlobalData,
} from '../proto/security-model.js';
import type { AuthProtocol } from './auth-protocol.js';
import { aesDecrypt, aesEncrypt, AesSalt, AES_SALT_LENGTH } from './aes-cfb-privacy.js';
import { EngineClock } from './engine-clock.js';
import { isValidEngineId } from './engine-id.js';
import { LocalizedKeyCache } from './localized-key-cache.js';
import { signMessage, verifyMessage } from './usm-authenticator.js';
import { UsmRemoteEngines } from './usm-remote-engines.js';
import { decodeUsmSecurityParameters, encodeUsmSecurityParameters } from './usm-security-parameters.js';
import { UsmStats, type UsmStatName } from './usm-stats.js';
import {
  UsmUserTable,
  validateUsmUsers,
  type LocalizedUserKeys,
  type UsmUser,
  type UsmUserConfig,
} from './usm-user-table.js';

export interface UsmComponents {
  log: Logger;
  metrics: MetricsRegistry;
}

export interface UsmInit {
  /** The local snmpEngineID (5..32 octets), persisted by the caller (see `makeDefaultEngineId`). */
  engineId: Buffer;
  /** snmpEngineBoots for this run (1 at the first start): the caller increments and persists it at every start. */
  engineBoots: number;
  users: readonly UsmUserConfig[];
  /** Label of this instance's usmStats in the MetricsRegistry. Default 'local'. */
  instance?: string;
  /** Monotonic clock in ms (tests). Default `performance.now()`. */
  nowMs?: () => number;
  /** Called when engineTime wraps and engineBoots grows (persist the new value). */
  onBootsChange?: (engineBoots: number) => void;
  /** Shared key cache (several engines in one process). */
  keyCache?: LocalizedKeyCache;
  /** Most remote authoritative engines remembered for the manager role. Default 10,000. */
  maxRemoteEngines?: number;
}

/**
 * The securityStateReference of RFC 3414 §3.2 step 10: what generateResponseMsg needs to answer
 * (or Report on) an incoming message. Opaque to message processing.
 */
export interface UsmStateReference {
  readonly kind: 'usm';
  readonly userName: Buffer;
  readonly user: UsmUser | undefined;
  /** Keys localized for the local engine when the user authenticates. */
  readonly keys: LocalizedUserKeys | undefined;
}

export type UsmCreateResult = { ok: true; usm: UserBasedSecurityModel } | { ok: false; errors: string[] };

/** RFC 3414 §3.2 step 7a: "more than 150 seconds". */
export const TIME_WINDOW_SECONDS = 150;

const EMPTY: Buffer = Buffer.alloc(0);

/**
 * The User-based Security Model (RFC 3414) as a `SecurityModel` for message processing, in both
 * roles: authoritative (agent receiving requests, sending responses, reports and traps) and
 * non-authoritative (manager sending requests to remote engines, with discovery and time sync).
 *
 * An engine ID other than the local one is accepted only when it is known: learnt from a Report
 * answering one of this instance's own discovery requests (matched on msgID), used by this instance in
 * an outgoing request, or named by a user row. An agent-only instance therefore refuses every foreign
 * engine ID (unknownEngineID Report). When one instance serves both roles, message processing should
 * also refuse Confirmed Class PDUs whose securityEngineID is not the local engine ID, so that a
 * request authenticated for a remote engine cannot be reflected at the local command responder.
 */
export class UserBasedSecurityModel implements SecurityModel {
  readonly id = SecurityModelId.usm;
  readonly engineId: Buffer;
  readonly clock: EngineClock;
  readonly stats: UsmStats;
  readonly users: UsmUserTable;
  readonly remoteEngines: UsmRemoteEngines;
  private readonly log: Logger;
  private readonly salt = new AesSalt();
  private readonly writer = new BerWriter(1024);
  private readonly paramsWriter = new BerWriter(160);
  /** Keys of each user for the local engine: localized once, found without hashing. */
  private readonly localKeys = new WeakMap<UsmUser, LocalizedUserKeys>();

  /** Throws on invalid init (validate with `UserBasedSecurityModel.create`). Runs the key expansions. */
  constructor(components: UsmComponents, init: UsmInit) {
    const errors = validateUsmInit(init);
    if (errors.length > 0) throw new Error(`invalid USM configuration: ${errors.join('; ')}`);
    this.log = components.log.child({ component: 'snmp.usm' });
    this.engineId = Buffer.from(init.engineId);
    const nowMs = init.nowMs ?? (() => performance.now());
    this.clock = new EngineClock({ engineBoots: init.engineBoots, nowMs, onBootsChange: init.onBootsChange });
    this.stats = new UsmStats(components.metrics, init.instance ?? 'local');
    this.users = new UsmUserTable(init.users, init.keyCache ?? new LocalizedKeyCache());
    this.remoteEngines = new UsmRemoteEngines({ nowMs, maxEngines: init.maxRemoteEngines });
  }

  static create(components: UsmComponents, init: UsmInit): UsmCreateResult {
    const errors = validateUsmInit(init);
    return errors.length > 0
      ? { ok: false, errors }
      : { ok: true, usm: new UserBasedSecurityModel(components, init) };
  }

  // ---------------------------------------------------------------- incoming (RFC 3414 §3.2)

  processIncomingMsg(p: IncomingSecurityParams): SecurityResult<IncomingSecurityOutput> {
    const whole = p.wholeMsg;
    const level = p.securityLevel;
    // §3.2 step 1: "If the securityParameters could not be parsed ... an error indication
    // (parseError) is returned." (snmpInASNParseErrs is counted by message processing.)
    const spStart = p.securityParametersOffset;
    const dec = decodeUsmSecurityParameters(whole, spStart, spStart + p.securityParameters.length);
    if (!dec.ok) return fail({ status: 'parseError' });
    const sp = dec.value;
    const engineId = sp.authoritativeEngineId;
    const authoritative = engineId.equals(this.engineId);

    // Step 3: "If the value of the msgAuthoritativeEngineID field in the securityParameters is unknown
    // then: a) a non-authoritative SNMP engine that performs discovery may optionally create a new entry
    // in its Local Configuration Datastore (LCD) and continue processing; or b) the
    // usmStatsUnknownEngineIDs counter is incremented, and an error indication (unknownEngineID) is
    // returned".
    if (!authoritative) {
      const answersDiscovery = engineId.length > 0 && this.remoteEngines.takeDiscovery(p.globalData.msgId);
      if (answersDiscovery && isValidEngineId(engineId)) {
        this.remoteEngines.hint(engineId, sp.authoritativeEngineBoots, sp.authoritativeEngineTime);
      } else if (!this.remoteEngines.has(engineId) && !this.users.configuredEngine(engineId)) {
        return this.report('usmStatsUnknownEngineIDs', 'unknownEngineID', sp.userName, undefined);
      }
    }

    // Step 4: "Information about the value of the msgUserName and msgAuthoritativeEngineID fields is
    // extracted from the LCD ... If no information is available for the user, then the
    // usmStatsUnknownUserNames counter is incremented and an error indication (unknownSecurityName)".
    // A zero-length msgUserName at noAuthNoPriv is the discovery pseudo-user (RFC 3414 §4).
    const user = this.users.find(sp.userName, engineId);
    if (!user && !(sp.userName.length === 0 && level === 'noAuthNoPriv')) {
      return this.report('usmStatsUnknownUserNames', 'unknownUserName', sp.userName, undefined);
    }

    // Step 5: "If the information about the user indicates that it does not support the securityLevel
    // requested by the caller, then the usmStatsUnsupportedSecLevels counter is incremented and an error
    // indication (unsupportedSecurityLevel) together with the OID and value of the incremented counter
    // is returned".
    if (user && !user.supports(level)) {
      return this.report('usmStatsUnsupportedSecLevels', 'unsupportedSecLevel', sp.userName, user);
    }

    let keys: LocalizedUserKeys | undefined;
    if (level !== 'noAuthNoPriv' && user) {
      keys = authoritative ? this.localKeysOf(user) : user.keysFor(engineId);
      // Step 6: "If the securityLevel indicates that the message was authenticated, then ... If the
      // authentication module returns failure, then the message cannot be trusted, so the
      // usmStatsWrongDigests counter is incremented and an error indication (authenticationFailure)".
      const ok = verifyMessage(
        user.auth,
        keys.authKey,
        whole,
        sp.authenticationParametersOffset,
        sp.authenticationParameters.length,
      );
      if (!ok) return this.report('usmStatsWrongDigests', 'wrongDigest', sp.userName, user);

      // Step 7: timeliness, only for authenticated messages.
      if (authoritative) {
        // 7a: "the message is considered to be outside of the Time Window if any of the following are
        // true: the local value of snmpEngineBoots is 2147483647; the value of the
        // msgAuthoritativeEngineBoots field differs from the local value of snmpEngineBoots; or, the
        // value of the msgAuthoritativeEngineTime field differs from the local notion of
        // snmpEngineTime by more than +/- 150 seconds." ... "the usmStatsNotInTimeWindows counter is
        // incremented, and an error indication (notInTimeWindow)" (reported authNoPriv, RFC 3414 §4).
        const now = this.clock.read();
        if (
          this.clock.latched ||
          sp.authoritativeEngineBoots !== now.engineBoots ||
          Math.abs(sp.authoritativeEngineTime - now.engineTime) > TIME_WINDOW_SECONDS
        ) {
          const e = this.report('usmStatsNotInTimeWindows', 'notInTimeWindow', sp.userName, user);
          e.error.securityLevel = 'authNoPriv';
          e.error.securityStateReference = state(sp.userName, user, keys);
          return e;
        }
      } else if (
        !this.remoteEngines.synchronise(engineId, sp.authoritativeEngineBoots, sp.authoritativeEngineTime)
      ) {
        // 7b: outside the window on the non-authoritative side: no counter, no Report.
        return fail({ status: 'notInTimeWindow', securityEngineId: Buffer.from(engineId) });
      }
    }

    // Step 8: "If the securityLevel indicates that the scopedPDU is protected from disclosure, then the
    // octet sequence representing the encryptedPDU is decrypted ... If the decryption module returns
    // failure, then the usmStatsDecryptionErrors counter is incremented, and an error indication
    // (decryptionError)".
    let scopedPdu: Buffer;
    if (level === 'authPriv') {
      const plain =
        p.msgData.kind === 'encrypted' && sp.privacyParameters.length === AES_SALT_LENGTH && keys
          ? aesDecrypt(
              keys.privKey,
              sp.authoritativeEngineBoots,
              sp.authoritativeEngineTime,
              sp.privacyParameters,
              p.msgData.encryptedPdu,
            )
          : undefined;
      const end = plain ? scopedPduEnd(plain) : -1;
      if (!plain || end < 0)
        return this.report('usmStatsDecryptionErrors', 'decryptionError', sp.userName, user);
      scopedPdu = plain.subarray(0, end);
    } else {
      if (p.msgData.kind !== 'plaintext') return fail({ status: 'parseError' });
      scopedPdu = p.msgData.scopedPdu;
    }

    // Step 9: "The maxSizeResponseScopedPDU is calculated ... Provision is made for a message header
    // that allows the same securityLevel as the received Request."
    const msgDataLen =
      p.msgData.kind === 'plaintext' ? p.msgData.scopedPdu.length : p.msgData.encryptedPdu.length;
    const overhead = whole.length - msgDataLen + 8;
    const maxSizeResponseScopedPdu = Math.max(0, p.globalData.msgMaxSize - overhead);

    // Step 10: "The securityName is set to the value of msgUserName" ... cached securityStateReference.
    return {
      ok: true,
      value: {
        securityEngineId: authoritative ? this.engineId : Buffer.from(engineId),
        securityName: user ? user.name : '',
        scopedPdu,
        maxSizeResponseScopedPdu,
        securityStateReference: state(sp.userName, user, authoritative ? keys : undefined),
      },
    };
  }

  // ---------------------------------------------------------------- outgoing (RFC 3414 §3.1)

  generateRequestMsg(p: OutgoingRequestParams): SecurityResult<Buffer> {
    const engineId = p.securityEngineId;
    const level = p.securityLevel;
    const userName = Buffer.from(p.securityName, 'utf8');
    if (engineId.length === 0) {
      // RFC 3414 §4 discovery: "a Request message ... with a securityLevel of noAuthNoPriv, a msgUserName
      // of zero-length, a msgAuthoritativeEngineID value of zero length".
      if (level !== 'noAuthNoPriv') return fail({ status: 'unknownEngineID' });
      this.remoteEngines.expectDiscovery(p.globalData.msgId);
      return this.build(p.globalData, EMPTY, 0, 0, userName, level, undefined, undefined, p.scopedPdu);
    }
    // §3.1 step 1b: "the user's information is extracted from the LCD ... If information about the user
    // is absent from the LCD, then an error indication (unknownSecurityName) is returned".
    const user = this.users.find(userName, engineId);
    if (!user && !(userName.length === 0 && level === 'noAuthNoPriv'))
      return fail({ status: 'unknownUserName' });
    // §3.1 step 3: "If the securityLevel specifies that the message is to be authenticated/encrypted,
    // but the user does not support [it] ... an error indication (unsupportedSecurityLevel)".
    if (user && !user.supports(level)) return fail({ status: 'unsupportedSecLevel' });
    const authoritative = engineId.equals(this.engineId);
    // §3.1 step 6: for the authoritative engine the local snmpEngineBoots/Time; otherwise "the values
    // of the msgAuthoritativeEngineBoots and msgAuthoritativeEngineTime fields are set to the current
    // values of snmpEngineBoots and snmpEngineTime ... in the LCD" for that engine.
    let boots: number;
    let time: number;
    if (authoritative) {
      const now = this.clock.read();
      boots = now.engineBoots;
      time = now.engineTime;
    } else {
      this.remoteEngines.ensure(engineId);
      const t = this.remoteEngines.current(engineId);
      boots = t.boots;
      time = t.time;
    }
    const keys =
      user && level !== 'noAuthNoPriv'
        ? authoritative
          ? this.localKeysOf(user)
          : user.keysFor(engineId)
        : undefined;
    return this.build(p.globalData, engineId, boots, time, userName, level, user?.auth, keys, p.scopedPdu);
  }

  generateResponseMsg(p: OutgoingResponseParams): SecurityResult<Buffer> {
    // §3.1 step 1a: "If the securityStateReference is present ... information about the user is
    // extracted from the cachedSecurityData ... the securityEngineID is set to the local snmpEngineID".
    const ref = asState(p.securityStateReference);
    const level = p.securityLevel;
    if (!ref) return this.generateRequestMsg(p);
    if (level !== 'noAuthNoPriv' && (!ref.user || !ref.keys || !ref.user.supports(level))) {
      return fail({ status: 'unsupportedSecLevel' });
    }
    const now = this.clock.read();
    return this.build(
      p.globalData,
      this.engineId,
      now.engineBoots,
      now.engineTime,
      ref.userName,
      level,
      ref.user?.auth,
      ref.keys,
      p.scopedPdu,
    );
  }

  // ---------------------------------------------------------------- helpers

  /** §3.1 steps 4-9: encrypt, serialize, authenticate. */
  private build(
    globalData: V3GlobalData,
    engineId: Buffer,
    boots: number,
    time: number,
    userName: Buffer,
    level: SecurityLevel,
    auth: AuthProtocol | undefined,
    keys: LocalizedUserKeys | undefined,
    scopedPdu: Buffer,
  ): SecurityResult<Buffer> {
    let privacyParameters = EMPTY;
    let msgData: { kind: 'plaintext'; scopedPdu: Buffer } | { kind: 'encrypted'; encryptedPdu: Buffer } = {
      kind: 'plaintext',
      scopedPdu,
    };
    if (level === 'authPriv') {
      if (!keys || keys.privKey.length === 0) return fail({ status: 'unsupportedSecLevel' });
      // RFC 3826 §3.1.3: "the msgPrivacyParameters field is set to the value of the salt".
      privacyParameters = this.salt.next();
      msgData = {
        kind: 'encrypted',
        encryptedPdu: aesEncrypt(keys.privKey, boots, time, privacyParameters, scopedPdu),
      };
    }
    const authenticate = level !== 'noAuthNoPriv';
    if (authenticate && (!auth || !keys)) return fail({ status: 'unsupportedSecLevel' });
    const params = encodeUsmSecurityParameters(
      {
        authoritativeEngineId: engineId,
        authoritativeEngineBoots: boots,
        authoritativeEngineTime: time,
        userName,
        authenticationParametersLength: authenticate && auth ? auth.macLength : 0,
        privacyParameters,
      },
      this.paramsWriter,
    );
    if (!params.ok) return fail({ status: 'parseError' });
    const msg = encodeV3Message({ globalData, securityParameters: params.value.bytes, msgData }, this.writer);
    if (!msg.ok) return fail({ status: 'parseError' });
    const whole = msg.value.bytes;
    if (authenticate && auth && keys) {
      signMessage(
        auth,
        keys.authKey,
        whole,
        msg.value.securityParametersOffset + params.value.authenticationParametersOffset,
      );
    }
    return { ok: true, value: whole };
  }

  private localKeysOf(user: UsmUser): LocalizedUserKeys {
    let k = this.localKeys.get(user);
    if (!k) {
      k = user.keysFor(this.engineId);
      this.localKeys.set(user, k);
    }
    return k;
  }

  /** Counts the statistic and returns the error with the Report varbind (sent noAuthNoPriv). */
  private report(
    stat: UsmStatName,
    status: SecurityErrorStatus,
    userName: Buffer,
    user: UsmUser | undefined,
  ): { ok: false; error: SecurityError } {
    const counter = this.stats.inc(stat);
    this.log.debug({ stat, user: userName.toString('utf8') }, 'usm rejected message');
    const name = Buffer.from(userName);
    return {
      ok: false,
      error: {
        status,
        report: counter,
        securityEngineId: this.engineId,
        securityName: name.toString('utf8'),
        securityLevel: 'noAuthNoPriv',
        securityStateReference: state(name, user, undefined),
      },
    };
  }
}

function fail(error: SecurityError): { ok: false; error: SecurityError } {
  return { ok: false, error };
}

function state(
  userName: Buffer,
  user: UsmUser | undefined,
  keys: LocalizedUserKeys | undefined,
): UsmStateReference {
  return { kind: 'usm', userName: Buffer.from(userName), user, keys };
}

function asState(x: unknown): UsmStateReference | undefined {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'usm'
    ? (x as UsmStateReference)
    : undefined;
}

/**
 * End of the ScopedPDU SEQUENCE at the start of decrypted data, or -1 when the data does not start
 * with a well-formed SEQUENCE header fitting in the buffer (wrong key or corrupted ciphertext).
 */
function scopedPduEnd(b: Buffer): number {
  if (b.length < 2 || b[0] !== 0x30) return -1;
  const l0 = b[1] as number;
  let len: number;
  let hdr: number;
  if (l0 < 0x80) {
    len = l0;
    hdr = 2;
  } else {
    const n = l0 & 0x7f;
    if (n === 0 || n > 4 || b.length < 2 + n) return -1;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (b[2 + i] as number);
    hdr = 2 + n;
  }
  return hdr + len <= b.length ? hdr + len : -1;
}

/** Problems with a USM init (empty when valid). */
export function validateUsmInit(init: UsmInit): string[] {
  const errors: string[] = [];
  if (!Buffer.isBuffer(init.engineId) || !isValidEngineId(init.engineId)) {
    errors.push('engineId must be 5..32 octets');
  }
  if (!Number.isInteger(init.engineBoots) || init.engineBoots < 0 || init.engineBoots > 2_147_483_647) {
    errors.push('engineBoots must be an integer in 0..2147483647');
  }
  errors.push(...validateUsmUsers(init.users));
  return errors;
}
