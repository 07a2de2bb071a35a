import type { Logger } from '@beckon/ops';
import {
  formatOid,
  MibRegistry,
  type MibHandler,
  type Oid,
  type RegisterResult,
  type SetTestResult,
  type SetTransaction,
  type SnmpValue,
} from '@beckon/snmp';

/** One committed SNMP SET of one variable. */
export interface SnmpSetRecord {
  readonly oid: Oid;
  readonly value: SnmpValue;
  /** Who set it (securityName: community or USM user). */
  readonly securityName: string;
}

/**
 * A MibRegistry that logs every committed SET of a writable object (RFC 3416 §4.2.5 phase 2) and tells
 * the station, whatever module registered the handler: writable objects change the running
 * configuration, and the change is logged with who made it.
 */
export class AuditedMibRegistry extends MibRegistry {
  constructor(
    private readonly log: Logger,
    private readonly onCommit?: (record: SnmpSetRecord) => void,
  ) {
    super();
  }

  override register(root: Oid, handler: MibHandler): RegisterResult {
    return super.register(root, handler.testSet ? this.audit(handler) : handler);
  }

  private audit(h: MibHandler): MibHandler {
    const testSet = h.testSet!.bind(h);
    return {
      get: (oid, ctx) => h.get(oid, ctx),
      isObject: (oid) => h.isObject(oid),
      next: (oid, ctx) => h.next(oid, ctx),
      testSet: (oid: Oid, value: SnmpValue, tx: SetTransaction): SetTestResult => {
        const r = testSet(oid, value, tx);
        if (!r.ok) return r;
        const action = r.action;
        return {
          ok: true,
          action: {
            commit: () => {
              const ok = action.commit();
              if (ok) {
                this.log.info(
                  { oid: formatOid(oid), value: describe(value), by: tx.ctx.securityName },
                  'snmp set: running configuration changed',
                );
                try {
                  this.onCommit?.({ oid, value, securityName: tx.ctx.securityName });
                } catch (err) {
                  this.log.warn({ err }, 'snmp set listener failed');
                }
              }
              return ok;
            },
            undo: () => {
              const ok = action.undo();
              this.log.info({ oid: formatOid(oid), ok }, 'snmp set undone');
              return ok;
            },
            ...(action.cleanup ? { cleanup: () => action.cleanup!() } : {}),
          },
        };
      },
    };
  }
}

/** A loggable rendering of a value (printable text as text, other octets as hex). */
export function describe(v: SnmpValue): string | number {
  switch (v.type) {
    case 'OctetString':
      return /^[\x20-\x7e]*$/.test(v.value.toString('latin1'))
        ? v.value.toString('latin1')
        : `0x${v.value.toString('hex')}`;
    case 'ObjectIdentifier':
      return formatOid(v.value);
    case 'Integer':
    case 'Counter32':
    case 'Gauge32':
    case 'TimeTicks':
      return v.value;
    default:
      return v.type;
  }
}
