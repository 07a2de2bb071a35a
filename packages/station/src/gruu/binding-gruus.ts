import type { BindingRecord } from '../location/index.js';
import { instanceIdOf, publicGruu } from './public-gruu.js';
import type { TempGruuCodec } from './temp-gruu-codec.js';

/** The GRUUs of a binding that has an instance (RFC 5627 §3): public, and a new temporary one. */
export interface BindingGruus {
  readonly pub: string;
  readonly temp: string;
}

/**
 * The public GRUU and a new temporary GRUU of `b` (undefined without +sip.instance). The temporary one is
 * `sip:tgruu.<sealed>@<AOR host>;gr`, sealed for the binding's AOR, instance and Call-ID.
 */
export function bindingGruus(codec: TempGruuCodec, b: BindingRecord): BindingGruus | undefined {
  if (b.instance === undefined) return undefined;
  const at = b.aor.lastIndexOf('@');
  const host = at >= 0 ? b.aor.slice(at + 1) : b.aor;
  const sealed = codec.seal({ aor: b.aor, instance: instanceIdOf(b.instance), callId: b.callId });
  return { pub: publicGruu(b.aor, b.instance), temp: 'sip:' + sealed + '@' + host + ';gr' };
}
