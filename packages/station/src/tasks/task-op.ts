import type { SnmpValueType } from '@beckon/snmp';

/** Explicit value types of a SET (Net-SNMP letters) or the MIB's SYNTAX when absent. */
export type SetValueType = 'i' | 'u' | 'c' | 't' | 's' | 'x' | 'o' | 'a';

export interface SetVarbindInput {
  /** Name (`sipUACfgServerAddress.2.1`) or numeric OID. */
  readonly oid: string;
  /** Text form of the value (`127.0.0.2`, `ops@example.com`, `16`, `0a0b`). */
  readonly value: string;
  /** Absent: typed from the MIB (the name table's SYNTAX). */
  readonly type?: SetValueType;
}

/** One operation of a task, as the operator gave it (stored as JSON; OIDs by name or number). */
export type TaskOp =
  | { readonly op: 'get'; readonly oids: readonly string[] }
  | { readonly op: 'getnext'; readonly oids: readonly string[] }
  /** Bulk walk of a subtree (GetBulk; GetNext for v1 only). */
  | { readonly op: 'walk'; readonly root: string; readonly maxVarbinds?: number }
  | { readonly op: 'set'; readonly varbinds: readonly SetVarbindInput[] }
  /** A named recipe (task-recipes.ts), expanded when the task runs. */
  | { readonly op: 'recipe'; readonly name: string };

/** One varbind of a result, named and typed. */
export interface ResultVarbind {
  readonly oid: string;
  readonly name: string;
  readonly type: SnmpValueType;
  /** Text for strings/addresses/OIDs, number for integers, decimal text for Counter64, null for exceptions. */
  readonly value: string | number | null;
  /** Hex of an OCTET STRING that is not printable text. */
  readonly hex?: string;
}

export interface OpResult {
  /** `get sysDescr.0`, `walk sipUACfgServerTable`, `recipe sip-ua-config: walk ...`. */
  readonly op: string;
  readonly ok: boolean;
  readonly varbinds: readonly ResultVarbind[];
  /** SNMP error-status name (`notWritable`) or transport error (`timeout`). */
  readonly error?: string;
  readonly errorIndex?: number;
}

/** Short text of an op (logs, CLI). */
export function describeOp(op: TaskOp): string {
  switch (op.op) {
    case 'get':
    case 'getnext':
      return `${op.op} ${op.oids.join(' ')}`;
    case 'walk':
      return `walk ${op.root}`;
    case 'set':
      return `set ${op.varbinds.map((v) => `${v.oid}${v.type ? ':' + v.type : ''}=${v.value}`).join(' ')}`;
    case 'recipe':
      return `recipe ${op.name}`;
  }
}

/** Checks a value that came from JSON (API, store); an error text when it is not a TaskOp. */
export function checkTaskOp(x: unknown): string | undefined {
  if (typeof x !== 'object' || x === null) return 'op must be an object';
  const o = x as Record<string, unknown>;
  const strings = (v: unknown): boolean =>
    Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s.length > 0);
  switch (o.op) {
    case 'get':
    case 'getnext':
      return strings(o.oids) ? undefined : `${o.op}: oids must be a non-empty list of names or OIDs`;
    case 'walk':
      return typeof o.root === 'string' && o.root.length > 0 ? undefined : 'walk: root missing';
    case 'set':
      return Array.isArray(o.varbinds) &&
        o.varbinds.length > 0 &&
        o.varbinds.every(
          (v: unknown) =>
            typeof v === 'object' &&
            v !== null &&
            typeof (v as SetVarbindInput).oid === 'string' &&
            typeof (v as SetVarbindInput).value === 'string',
        )
        ? undefined
        : 'set: varbinds must be a non-empty list of {oid, value, type?}';
    case 'recipe':
      return typeof o.name === 'string' ? undefined : 'recipe: name missing';
    default:
      return `unknown op ${String(o.op)}`;
  }
}
