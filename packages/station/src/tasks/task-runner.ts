import { ErrorStatus, type ManagerError, type Oid } from '@beckon/snmp';
import type { SnmpSessionClient } from '../callhome/snmp-session-client.js';
import type { OidNameTable } from './oid-name-table.js';
import { describeOp, type OpResult, type TaskOp } from './task-op.js';
import type { TaskRecipe } from './task-recipes.js';
import { resultVarbind, setVarbinds } from './task-values.js';

const STATUS_NAMES: readonly string[] = Object.keys(ErrorStatus);

function errorText(e: ManagerError): { error: string; errorIndex?: number } {
  if (e.kind === 'errorStatus')
    return {
      error: STATUS_NAMES[e.errorStatus] ?? `error-status ${e.errorStatus}`,
      errorIndex: e.errorIndex,
    };
  if (e.kind === 'report') return { error: `report ${e.oid.join('.')}` };
  if (e.kind === 'nonIncreasing') return { error: `non-increasing OID ${e.oid.join('.')}` };
  if (e.kind === 'encode') return { error: `encode: ${e.detail}` };
  return { error: e.kind };
}

/** Outcome of running a task's operations on one session. */
export interface RunOutcome {
  readonly ok: boolean;
  readonly results: OpResult[];
  /** First failure, as text. */
  readonly fault?: string;
}

/**
 * Runs operations on an open session, in order, naming and typing every varbind. A transport failure
 * (timeout, closed) stops the run; an SNMP error-status fails that operation and the run goes on.
 */
export async function runTaskOps(
  client: SnmpSessionClient,
  ops: readonly TaskOp[],
  names: OidNameTable,
  recipes: ReadonlyMap<string, TaskRecipe>,
  maxWalkVarbinds = 10_000,
): Promise<RunOutcome> {
  const results: OpResult[] = [];
  let fault: string | undefined;
  const fail = (op: string, error: string, errorIndex?: number): OpResult => {
    const r: OpResult = {
      op,
      ok: false,
      varbinds: [],
      error,
      ...(errorIndex !== undefined ? { errorIndex } : {}),
    };
    fault ??= `${op}: ${error}`;
    return r;
  };
  const resolveAll = (texts: readonly string[]): { ok: true; oids: Oid[] } | { ok: false; error: string } => {
    const oids: Oid[] = [];
    for (const t of texts) {
      const r = names.resolve(t);
      if (!r.ok) return r;
      oids.push(r.oid);
    }
    return { ok: true, oids };
  };

  const runOne = async (op: TaskOp, label: string): Promise<'stop' | 'go'> => {
    switch (op.op) {
      case 'get':
      case 'getnext': {
        const o = resolveAll(op.oids);
        if (!o.ok) return (results.push(fail(label, o.error)), 'go');
        const r = op.op === 'get' ? await client.get(o.oids) : await client.getNext(o.oids);
        if (!r.ok) {
          const e = errorText(r.error);
          results.push(fail(label, e.error, e.errorIndex));
          return r.error.kind === 'timeout' || r.error.kind === 'closed' ? 'stop' : 'go';
        }
        const pdu = r.value;
        const vbs = pdu.varbinds.map((vb) => resultVarbind(names, vb));
        if (pdu.errorStatus !== 0) {
          const e = errorText({
            kind: 'errorStatus',
            errorStatus: pdu.errorStatus,
            errorIndex: pdu.errorIndex,
          });
          results.push({ ...fail(label, e.error, e.errorIndex), varbinds: vbs });
        } else results.push({ op: label, ok: true, varbinds: vbs });
        return 'go';
      }
      case 'walk': {
        const root = names.resolve(op.root);
        if (!root.ok) return (results.push(fail(label, root.error)), 'go');
        const r = await client.walk(root.oid, { maxVarbinds: op.maxVarbinds ?? maxWalkVarbinds });
        if (!r.ok) {
          const e = errorText(r.error);
          results.push(fail(label, e.error, e.errorIndex));
          return r.error.kind === 'timeout' || r.error.kind === 'closed' ? 'stop' : 'go';
        }
        results.push({ op: label, ok: true, varbinds: r.value.map((vb) => resultVarbind(names, vb)) });
        return 'go';
      }
      case 'set': {
        const vbs = setVarbinds(names, op.varbinds);
        if (!vbs.ok) return (results.push(fail(label, vbs.error)), 'go');
        const r = await client.set(vbs.value);
        if (!r.ok) {
          const e = errorText(r.error);
          results.push(fail(label, e.error, e.errorIndex));
          return r.error.kind === 'timeout' || r.error.kind === 'closed' ? 'stop' : 'go';
        }
        const pdu = r.value;
        const out = pdu.varbinds.map((vb) => resultVarbind(names, vb));
        if (pdu.errorStatus !== 0) {
          const e = errorText({
            kind: 'errorStatus',
            errorStatus: pdu.errorStatus,
            errorIndex: pdu.errorIndex,
          });
          results.push({ ...fail(label, e.error, e.errorIndex), varbinds: out });
        } else results.push({ op: label, ok: true, varbinds: out });
        return 'go';
      }
      case 'recipe': {
        const recipe = recipes.get(op.name);
        if (!recipe) return (results.push(fail(label, `unknown recipe ${op.name}`)), 'go');
        for (const sub of recipe.ops) {
          if (sub.op === 'recipe') continue;
          if ((await runOne(sub, `${label}: ${describeOp(sub)}`)) === 'stop') return 'stop';
        }
        return 'go';
      }
    }
  };

  for (const op of ops) if ((await runOne(op, describeOp(op))) === 'stop') break;
  return { ok: fault === undefined, results, ...(fault !== undefined ? { fault } : {}) };
}
