import type { Oid } from '../ber/oid.js';
import type { SnmpValue, VarBind } from '../ber/snmp-value.js';
import type { ErrorStatusName } from '../proto/pdu.js';
import type { SecurityLevel } from '../proto/security-model.js';

/** Who is asking: handed to handlers (for per-context data or auditing). */
export interface RequestContext {
  securityModel: number;
  securityName: string;
  securityLevel: SecurityLevel;
  contextName: string;
}

/**
 * One prepared SET of one varbind: RFC 3416 §4.2.5 phase 1 (test) has succeeded; the registry's SET
 * transaction then calls commit, and undo on a later failure, and finally cleanup.
 */
export interface SetAction {
  /** Phase 2: apply the change. Returns true on success. */
  commit(): boolean;
  /** Reverts a successful commit. Returns true on success. */
  undo(): boolean;
  /** Releases resources whatever the outcome. */
  cleanup?(): void;
}

export type SetTestResult = { ok: true; action: SetAction } | { ok: false; status: ErrorStatusName };

/** Per-PDU scratch shared by the handlers of one SET (for rows created over several varbinds). */
export interface SetTransaction {
  readonly ctx: RequestContext;
  readonly scratch: Map<unknown, unknown>;
  /** Every varbind of the PDU (handlers may look at siblings, e.g. RowStatus). */
  readonly varbinds: readonly VarBind[];
}

/**
 * A subtree handler: owns every OID under `root`. Values are read from live data; handlers never
 * copy their data per request.
 */
export interface MibHandler {
  /** Exact instance; `undefined` means noSuchInstance (or noSuchObject when `isObject` is false). */
  get(oid: Oid, ctx: RequestContext): SnmpValue | undefined;
  /** True when `oid` names an object type (a registered column or scalar) under this subtree. */
  isObject(oid: Oid): boolean;
  /** The first instance strictly after `oid` within this subtree (oid may precede the subtree). */
  next(oid: Oid, ctx: RequestContext): VarBind | undefined;
  /** Phase 1 of a SET; absent means the whole subtree is read-only (notWritable). */
  testSet?(oid: Oid, value: SnmpValue, tx: SetTransaction): SetTestResult;
}
