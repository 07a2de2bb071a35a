import { compareOid, isOidPrefix, oidEquals, type Oid } from '../ber/oid.js';
import type { SnmpValue, SnmpValueType, VarBind } from '../ber/snmp-value.js';
import type { ErrorStatusName } from '../proto/pdu.js';
import type { MibHandler, RequestContext, SetTestResult, SetTransaction } from './mib-handler.js';

export interface ScalarInit {
  /** Reads the live value. */
  get(ctx: RequestContext): SnmpValue;
  /** Present for read-write scalars. */
  set?: {
    type: SnmpValueType;
    /** RFC 3416 §4.2.5 phase-1 checks beyond the type (wrongLength, wrongValue, inconsistentValue...). */
    validate?(value: SnmpValue, tx: SetTransaction): ErrorStatusName | undefined;
    /** Applies a value; returns false when it could not be applied. */
    apply(value: SnmpValue): boolean;
  };
}

/** A scalar object `root` whose only instance is `root.0`. */
export class ScalarHandler implements MibHandler {
  private readonly instance: Oid;

  constructor(
    readonly root: Oid,
    private readonly init: ScalarInit,
  ) {
    this.instance = [...root, 0];
  }

  get(oid: Oid, ctx: RequestContext): SnmpValue | undefined {
    return oidEquals(oid, this.instance) ? this.init.get(ctx) : undefined;
  }

  isObject(oid: Oid): boolean {
    return isOidPrefix(this.root, oid);
  }

  next(oid: Oid, ctx: RequestContext): VarBind | undefined {
    return compareOid(oid, this.instance) < 0 ? { oid: this.instance, value: this.init.get(ctx) } : undefined;
  }

  testSet(oid: Oid, value: SnmpValue, tx: SetTransaction): SetTestResult {
    const s = this.init.set;
    if (!s) return { ok: false, status: 'notWritable' };
    // RFC 3416 §4.2.5 (4): "if the variable binding's name specifies a variable which does not exist
    // and could not ever be created ... noCreation"
    if (!oidEquals(oid, this.instance)) return { ok: false, status: 'noCreation' };
    if (value.type !== s.type) return { ok: false, status: 'wrongType' };
    const bad = s.validate?.(value, tx);
    if (bad) return { ok: false, status: bad };
    const old = this.init.get(tx.ctx);
    return { ok: true, action: { commit: () => s.apply(value), undo: () => s.apply(old) } };
  }
}
