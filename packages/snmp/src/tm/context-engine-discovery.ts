import type { CommandGenerator, ManagerResult, V3Target } from '../manager/command-generator.js';
import { LOCAL_ENGINE_ID, SNMP_ENGINE_ID_INSTANCE } from './local-engine-id.js';

/**
 * RFC 5343 §3.2 (EngineID Discovery), command generator side: a GetRequest for snmpEngineID.0 with
 * contextEngineID = localEngineID; the value returned is the remote snmpEngineID, used as
 * contextEngineID afterwards. Returns the target ready for further requests (securityEngineId and
 * contextEngineId set, so the generator does no USM-style discovery of its own).
 */
export async function discoverContextEngineId(
  gen: CommandGenerator,
  target: V3Target,
): Promise<ManagerResult<{ engineId: Buffer; target: V3Target }>> {
  const probe: V3Target = { ...target, securityEngineId: LOCAL_ENGINE_ID, contextEngineId: LOCAL_ENGINE_ID };
  const r = await gen.get(probe, [SNMP_ENGINE_ID_INSTANCE]);
  if (!r.ok) return r;
  const v = r.value.varbinds[0]?.value;
  if (
    r.value.errorStatus !== 0 ||
    !v ||
    v.type !== 'OctetString' ||
    v.value.length < 5 ||
    v.value.length > 32
  )
    return {
      ok: false,
      error: { kind: 'errorStatus', errorStatus: r.value.errorStatus || 5, errorIndex: r.value.errorIndex },
    };
  return {
    ok: true,
    value: { engineId: v.value, target: { ...target, securityEngineId: v.value, contextEngineId: v.value } },
  };
}
