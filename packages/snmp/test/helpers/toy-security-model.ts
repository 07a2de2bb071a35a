import {
  encodeV3Message,
  oid,
  type SecurityModel,
  type SecurityResult,
  type IncomingSecurityOutput,
} from '../../src/index.js';

/**
 * A toy security model with USM-like discovery semantics (no cryptography) to exercise the
 * SecurityModel seam end to end: msgSecurityParameters is JSON {engine, user, time}.
 * The authoritative side reports unknownEngineID for a wrong engine and notInTimeWindow when an
 * authenticated message carries no time; the non-authoritative side learns both from Reports.
 */
export function toySecurityModel(role: {
  engineId?: Buffer;
  users?: string[];
}): SecurityModel & { times: Map<string, number> } {
  const times = new Map<string, number>();
  const encode = (
    p: { globalData: Parameters<SecurityModel['generateRequestMsg']>[0]['globalData']; scopedPdu: Buffer },
    params: object,
  ): SecurityResult<Buffer> => {
    const e = encodeV3Message({
      globalData: p.globalData,
      securityParameters: Buffer.from(JSON.stringify(params)),
      msgData: { kind: 'plaintext', scopedPdu: p.scopedPdu },
    });
    return e.ok ? { ok: true, value: e.value.bytes } : { ok: false, error: { status: 'parseError' } };
  };
  return {
    id: 3,
    times,
    processIncomingMsg(p): SecurityResult<IncomingSecurityOutput> {
      let params: { engine: string; user: string; time?: number };
      try {
        params = JSON.parse(p.securityParameters.toString()) as typeof params;
      } catch {
        return { ok: false, error: { status: 'parseError' } };
      }
      if (p.msgData.kind !== 'plaintext') return { ok: false, error: { status: 'decryptionError' } };
      if (role.engineId) {
        const ours = role.engineId.toString('hex');
        const ref = { user: '' };
        if (params.engine !== ours)
          return {
            ok: false,
            error: {
              status: 'unknownEngineID',
              report: { oid: oid('1.3.6.1.6.3.15.1.1.4.0'), value: 1 },
              securityEngineId: role.engineId,
              securityLevel: 'noAuthNoPriv',
              securityStateReference: ref,
            },
          };
        if (!role.users?.includes(params.user))
          return {
            ok: false,
            error: {
              status: 'unknownUserName',
              report: { oid: oid('1.3.6.1.6.3.15.1.1.3.0'), value: 1 },
              securityStateReference: ref,
            },
          };
        if (p.securityLevel !== 'noAuthNoPriv' && params.time === undefined)
          return {
            ok: false,
            error: {
              status: 'notInTimeWindow',
              report: { oid: oid('1.3.6.1.6.3.15.1.1.2.0'), value: 1 },
              securityLevel: 'authNoPriv',
              securityName: params.user,
              securityStateReference: { user: params.user },
            },
          };
      } else if (params.time !== undefined) times.set(params.engine, params.time);
      return {
        ok: true,
        value: {
          securityEngineId: Buffer.from(params.engine, 'hex'),
          securityName: params.user,
          scopedPdu: p.msgData.scopedPdu,
          maxSizeResponseScopedPdu: 65000,
          securityStateReference: { user: params.user },
        },
      };
    },
    generateRequestMsg(p) {
      const engine = p.securityEngineId.toString('hex');
      return encode(p, { engine, user: p.securityName, time: times.get(engine) });
    },
    generateResponseMsg(p) {
      const ref = p.securityStateReference as { user: string } | undefined;
      return encode(p, { engine: role.engineId?.toString('hex') ?? '', user: ref?.user ?? '', time: 42 });
    },
  };
}
