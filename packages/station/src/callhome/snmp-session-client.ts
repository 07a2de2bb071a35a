import type {
  BasicPdu,
  CommandGenerator,
  ManagerResult,
  Oid,
  SnmpTarget,
  VarBind,
  WalkOptions,
} from '@beckon/snmp';

/**
 * The command generator side of one open call-home session, ready for requests: the target already
 * carries the security parameters of the session (TSM: tmSecurityName, authPriv, the device's
 * contextEngineID found by RFC 5343 discovery; or community / USM for snmp-tcp labs).
 */
export class SnmpSessionClient {
  constructor(
    private readonly gen: CommandGenerator,
    readonly target: SnmpTarget,
    /** Protocol token of the session (`snmp-tls`, `snmp-ssh`, `snmp-tcp`). */
    readonly protocol: string,
    /** Device's snmpEngineID (v3), when known. */
    readonly engineId?: Buffer,
  ) {}

  get(oids: readonly Oid[]): Promise<ManagerResult<BasicPdu>> {
    return this.gen.get(this.target, oids);
  }

  getNext(oids: readonly Oid[]): Promise<ManagerResult<BasicPdu>> {
    return this.gen.getNext(this.target, oids);
  }

  getBulk(
    nonRepeaters: number,
    maxRepetitions: number,
    oids: readonly Oid[],
  ): Promise<ManagerResult<BasicPdu>> {
    return this.gen.getBulk(this.target, nonRepeaters, maxRepetitions, oids);
  }

  set(varbinds: VarBind[]): Promise<ManagerResult<BasicPdu>> {
    return this.gen.set(this.target, varbinds);
  }

  walk(root: Oid, opts?: WalkOptions): Promise<ManagerResult<VarBind[]>> {
    return this.gen.walk(this.target, root, undefined, opts);
  }
}
