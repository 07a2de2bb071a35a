import { V } from '../ber/snmp-value.js';
import type { Oid } from '../ber/oid.js';
import type { MibRegistry, RegisterResult } from '../mib/mib-registry.js';
import { ScalarHandler } from '../mib/scalar-handler.js';
import type { EngineClock } from './engine-clock.js';

/** snmpEngine (SNMP-FRAMEWORK-MIB, RFC 3411): 1.3.6.1.6.3.10.2.1. */
export const SNMP_ENGINE_OID: Oid = [1, 3, 6, 1, 6, 3, 10, 2, 1];

export interface SnmpEngineMibSource {
  engineId: Buffer;
  clock: EngineClock;
  /** snmpEngineMaxMessageSize: "the maximum length in octets of an SNMP message which this SNMP engine
   *  can send or receive" (484..2147483647). */
  maxMessageSize: number;
}

/**
 * Registers the snmpEngine scalars (snmpEngineID .1, snmpEngineBoots .2, snmpEngineTime .3,
 * snmpEngineMaxMessageSize .4), read live. Returns an unregister function or the first error.
 */
export function registerSnmpEngineMib(registry: MibRegistry, src: SnmpEngineMibSource): RegisterResult {
  const scalars: [number, () => ReturnType<typeof V.int>][] = [
    [1, () => V.str(src.engineId)],
    [2, () => V.int(src.clock.engineBoots)],
    [3, () => V.int(src.clock.engineTime)],
    [4, () => V.int(src.maxMessageSize)],
  ];
  const undo: (() => void)[] = [];
  for (const [arc, get] of scalars) {
    const h = new ScalarHandler([...SNMP_ENGINE_OID, arc], { get });
    const r = registry.register(h.root, h);
    if (!r.ok) {
      for (const u of undo) u();
      return r;
    }
    undo.push(r.unregister);
  }
  return { ok: true, unregister: () => undo.forEach((u) => u()) };
}
