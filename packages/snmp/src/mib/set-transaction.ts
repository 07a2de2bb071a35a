import type { Oid } from '../ber/oid.js';
import type { VarBind } from '../ber/snmp-value.js';
import { ErrorStatus, type ErrorStatusName } from '../proto/pdu.js';
import type { RequestContext, SetAction, SetTransaction } from './mib-handler.js';
import type { MibRegistry } from './mib-registry.js';

/** States of one SET PDU (RFC 3416 §4.2.5). */
export enum SetState {
  Test = 'test',
  Commit = 'commit',
  Undo = 'undo',
  Done = 'done',
}

export interface SetOutcome {
  errorStatus: number;
  /** 1-based index of the failing varbind, 0 when noError. */
  errorIndex: number;
  /** States passed through, for tests and tracing. */
  trace: SetState[];
}

/**
 * RFC 3416 §4.2.5 SetRequest processing, all or none: every variable binding is validated first, the
 * assignments then happen "as if simultaneously"; an assignment failing after validation undoes the
 * others (commitFailed), and undoFailed is reported when that undo is not possible. Implemented as:
 *   phase 1 test every varbind (first failure: that error-status and error-index, nothing changed);
 *   phase 2 commit in order; on a failure undo the committed ones in reverse order.
 * `checkAccess` returns false when the varbind is outside the write view (noAccess).
 */
export function runSetTransaction(
  registry: MibRegistry,
  varbinds: readonly VarBind[],
  ctx: RequestContext,
  checkAccess: (oid: Oid) => boolean = () => true,
): SetOutcome {
  const trace: SetState[] = [SetState.Test];
  const tx: SetTransaction = { ctx, scratch: new Map(), varbinds };
  const actions: SetAction[] = [];
  const finish = (status: ErrorStatusName, index: number): SetOutcome => {
    for (const a of actions) a.cleanup?.();
    trace.push(SetState.Done);
    return { errorStatus: ErrorStatus[status], errorIndex: index, trace };
  };
  for (let i = 0; i < varbinds.length; i++) {
    const vb = varbinds[i]!;
    if (!checkAccess(vb.oid)) return finish('noAccess', i + 1);
    const h = registry.find(vb.oid);
    if (!h || !h.testSet) return finish('notWritable', i + 1);
    const r = h.testSet(vb.oid, vb.value, tx);
    if (!r.ok) return finish(r.status, i + 1);
    actions.push(r.action);
  }
  trace.push(SetState.Commit);
  for (let i = 0; i < actions.length; i++) {
    let ok: boolean;
    try {
      ok = actions[i]!.commit();
    } catch {
      ok = false;
    }
    if (ok) continue;
    trace.push(SetState.Undo);
    let undoOk = true;
    for (let j = i - 1; j >= 0; j--) {
      try {
        if (!actions[j]!.undo()) undoOk = false;
      } catch {
        undoOk = false;
      }
    }
    return finish(undoOk ? 'commitFailed' : 'undoFailed', i + 1);
  }
  return finish('noError', 0);
}
