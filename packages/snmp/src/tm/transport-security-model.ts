import type { Logger, MetricsRegistry } from '@beckon/ops';
import { BerWriter } from '../ber/ber-writer.js';
import {
  SecurityModelId,
  securityLevelRank,
  type IncomingSecurityOutput,
  type IncomingSecurityParams,
  type OutgoingRequestParams,
  type OutgoingResponseParams,
  type SecurityModel,
  type SecurityResult,
} from '../proto/security-model.js';
import { encodeV3Message } from '../proto/v3-message.js';
import { LOCAL_ENGINE_ID, replaceContextEngineId, substituteLocalEngineId } from './local-engine-id.js';
import type { SecureTransportDomain, TmStateReference } from './tm-state-reference.js';
import { TsmStats } from './tsm-stats.js';

export interface TransportSecurityModelInit {
  /** The local snmpEngineID (securityEngineID of incoming messages, RFC 5591 §5.2). */
  engineId: Buffer;
  metrics: MetricsRegistry;
  /** Label of this instance in `snmp_tsm_stats_total` (default 'tsm'). */
  instance?: string;
  /** Shared counters; created on `metrics` when absent. */
  stats?: TsmStats;
  /** snmpTsmConfigurationUsePrefix (default false). Mutable at run time through `prefixConfig`. */
  usePrefix?: boolean;
  /**
   * RFC 5343 context engine ID discovery on the command responder side: an incoming ScopedPDU whose
   * contextEngineID is localEngineID ('8000000006'H) is handed on with `engineId` in its place
   * (default true). See the report: this belongs to the dispatcher; it is done here because the
   * TSM is the one point where the plaintext ScopedPDU passes before the agent's contextEngineID check.
   */
  resolveLocalEngineId?: boolean;
  log?: Logger;
}

/** Cached per message: the tmStateReference it arrived with (RFC 5591 §5.2 step 5, tmSameSecurity). */
export interface TsmStateReference {
  tmStateReference: TmStateReference;
  /** RFC 5343: the request named localEngineID; the response must carry it back. */
  localEngineId?: boolean;
}

const KNOWN_PREFIXES: ReadonlySet<string> = new Set<SecureTransportDomain>(['tls', 'dtls', 'ssh']);
const EMPTY = Buffer.alloc(0);

/**
 * The Transport Security Model (RFC 5591, snmpSecurityModel 4). The security name and the level come
 * from the secure transport (tmStateReference), never from the message; msgSecurityParameters is a
 * zero-length OCTET STRING and msgData is always a plaintext ScopedPDU (the TSM does no cryptography
 * of its own: protection is the transport's).
 *
 * The SecurityModel seam passes no tmStateReference, so the transport side binds it for the
 * duration of one synchronous message-processing call with `withTransportState` (done by
 * SecureSessionTransport for every message it delivers). Outside such a call an incoming message
 * has no transport state and is refused as an invalid cache.
 */
export class TransportSecurityModel implements SecurityModel {
  readonly id = SecurityModelId.tsm;
  readonly stats: TsmStats;
  /** snmpTsmConfigurationUsePrefix (pass to registerTsmStatsMib to expose it). */
  readonly prefixConfig: { usePrefix: boolean };
  private current: TmStateReference | undefined;
  private readonly writer = new BerWriter(1024);
  private readonly resolveLocal: boolean;

  constructor(private readonly init: TransportSecurityModelInit) {
    this.stats = init.stats ?? new TsmStats(init.metrics, init.instance ?? 'tsm');
    this.prefixConfig = { usePrefix: init.usePrefix ?? false };
    this.resolveLocal = init.resolveLocalEngineId ?? true;
  }

  /** Runs `fn` (synchronous message processing) with `tm` as the tmStateReference of the message. */
  withTransportState<T>(tm: TmStateReference, fn: () => T): T {
    const saved = this.current;
    this.current = tm;
    try {
      return fn();
    } finally {
      this.current = saved;
    }
  }

  /** RFC 5591 §5.2 (Processing an Incoming Message). */
  processIncomingMsg(p: IncomingSecurityParams): SecurityResult<IncomingSecurityOutput> {
    const tm = this.current;
    // RFC 5591 §5.2 (paraphrased): without a tmStateReference cache holding the transport domain,
    //   address, tmSecurityName and transport security level, snmpTsmInvalidCaches is incremented and
    //   an error indication is returned (no Report: there is no session to send it on).
    if (!tm || tm.tmSecurityName.length === 0) {
      this.stats.inc('snmpTsmInvalidCaches');
      return { ok: false, error: { status: 'parseError' } };
    }
    // RFC 5591 §5.2 (paraphrased): when the message's securityLevel asks for more than the transport
    //   provides (tmTransportSecurityLevel), snmpTsmInadequateSecurityLevels is incremented and an
    //   unsupportedSecurityLevel error is returned with the counter's OID and value (a Report).
    if (securityLevelRank(p.securityLevel) > securityLevelRank(tm.tmTransportSecurityLevel)) {
      const report = this.stats.inc('snmpTsmInadequateSecurityLevels');
      this.init.log?.debug({ session: tm.tmSessionId, level: p.securityLevel }, 'tsm: inadequate level');
      return {
        ok: false,
        error: {
          status: 'unsupportedSecLevel',
          report,
          securityName: tm.tmSecurityName,
          securityLevel: 'noAuthNoPriv',
          securityStateReference: { tmStateReference: tm } satisfies TsmStateReference,
        },
      };
    }
    // RFC 5591 §5.2 (paraphrased): with snmpTsmConfigurationUsePrefix true, securityName is the
    //   transport domain's prefix, ':' and tmSecurityName; an unknown prefix counts
    //   snmpTsmUnknownPrefixes and fails. Otherwise securityName = tmSecurityName.
    let securityName = tm.tmSecurityName;
    if (this.prefixConfig.usePrefix) {
      if (!KNOWN_PREFIXES.has(tm.tmTransportDomain)) {
        this.stats.inc('snmpTsmUnknownPrefixes');
        return { ok: false, error: { status: 'unknownUserName' } };
      }
      securityName = `${tm.tmTransportDomain}:${tm.tmSecurityName}`;
    }
    if (p.msgData.kind !== 'plaintext') return { ok: false, error: { status: 'parseError' } };
    let scopedPdu = p.msgData.scopedPdu;
    const local = this.resolveLocal ? substituteLocalEngineId(scopedPdu, this.init.engineId) : undefined;
    if (local) scopedPdu = local;
    // RFC 5591 §5.2 (paraphrased): securityEngineID is the local snmpEngineID.
    return {
      ok: true,
      value: {
        securityEngineId: this.init.engineId,
        securityName,
        scopedPdu,
        maxSizeResponseScopedPdu: Math.max(
          0,
          p.globalData.msgMaxSize - (p.wholeMsg.length - p.msgData.scopedPdu.length),
        ),
        securityStateReference: {
          tmStateReference: tm,
          localEngineId: local !== undefined,
        } satisfies TsmStateReference,
      },
    };
  }

  /** RFC 5591 §4.2 (Processing an Outgoing Message), request side. */
  generateRequestMsg(p: OutgoingRequestParams): SecurityResult<Buffer> {
    const name = this.checkPrefix(p.securityName);
    if (!name.ok) return name;
    return this.encode(p);
  }

  /** RFC 5591 §4.2, response side: the cached tmStateReference goes back with tmSameSecurity. */
  generateResponseMsg(p: OutgoingResponseParams): SecurityResult<Buffer> {
    const ref = p.securityStateReference as TsmStateReference | undefined;
    if (ref?.localEngineId) {
      // RFC 3413 §3.2 / RFC 5343: the response echoes the request's contextEngineID (localEngineID);
      // Net-SNMP drops responses whose contextEngineID differs from its request's.
      const back = replaceContextEngineId(p.scopedPdu, this.init.engineId, LOCAL_ENGINE_ID);
      if (back) return this.encode({ ...p, scopedPdu: back });
    }
    return this.encode(p);
  }

  /**
   * RFC 5591 §4.2 (paraphrased): with snmpTsmConfigurationUsePrefix true, a securityName without a
   * known prefix counts snmpTsmUnknownPrefixes, one whose prefix does not match the session's
   * transport domain counts snmpTsmInvalidPrefixes; both fail. Returns the tmSecurityName (prefix
   * stripped).
   */
  private checkPrefix(securityName: string): SecurityResult<string> {
    if (!this.prefixConfig.usePrefix) return { ok: true, value: securityName };
    const colon = securityName.indexOf(':');
    const prefix = colon > 0 ? securityName.slice(0, colon) : '';
    if (!KNOWN_PREFIXES.has(prefix)) {
      this.stats.inc('snmpTsmUnknownPrefixes');
      return { ok: false, error: { status: 'unknownUserName' } };
    }
    const tm = this.current;
    if (tm && tm.tmTransportDomain !== prefix) {
      this.stats.inc('snmpTsmInvalidPrefixes');
      return { ok: false, error: { status: 'unknownUserName' } };
    }
    return { ok: true, value: securityName.slice(colon + 1) };
  }

  /** RFC 5591 §4.2 (paraphrased): msgSecurityParameters is a zero-length OCTET STRING. */
  private encode(p: OutgoingRequestParams): SecurityResult<Buffer> {
    const r = encodeV3Message(
      {
        globalData: p.globalData,
        securityParameters: EMPTY,
        msgData: { kind: 'plaintext', scopedPdu: p.scopedPdu },
      },
      this.writer,
    );
    if (!r.ok) return { ok: false, error: { status: 'parseError' } };
    return { ok: true, value: r.value.bytes };
  }
}
