import type { SetValueType, SetVarbindInput, TaskOp } from './task-op.js';
import { describeOp } from './task-op.js';
import type { TaskRecipe } from './task-recipes.js';
import type { TaskRecord } from './task-record.js';
import { TaskState } from './task-record.js';
import type { TaskCreateInput, TaskCreateResult } from './task-service.js';
import type { TaskQuery } from './task-store.js';
import { TaskHttpClient } from './task-http-client.js';

/**
 * What the CLI commands need: TaskService in the station process, or TaskHttpClient from another
 * process (the `beckon` command talking to a running station).
 */
export interface TaskCommandApi {
  create(input: TaskCreateInput): Promise<TaskCreateResult>;
  createMany(
    input: Omit<TaskCreateInput, 'device'> & { devices: readonly string[] },
  ): Promise<{ bulkId: string; results: { device: string; result: TaskCreateResult }[] }>;
  retry(id: string, opts?: { timeoutMs?: number; requestedBy?: string }): Promise<TaskCreateResult>;
  get(id: string): TaskRecord | undefined | Promise<TaskRecord | undefined>;
  list(q?: TaskQuery): TaskRecord[] | Promise<TaskRecord[]>;
  recipeList(): TaskRecipe[] | Promise<TaskRecipe[]>;
}

export interface TaskCommandOutput {
  /** 0 done/ok, 1 failed, 2 usage error, 3 still queued or running when the wait ended. */
  code: number;
  out: string;
}

export const TASK_USAGE = `usage:
  beckon task create --device X [--device Y ...] [--get NAME...] [--getnext NAME...] [--walk ROOT]
                     [--set NAME[:TYPE]=VALUE ...] [--recipe NAME] [--protocol snmp-tls|snmp-ssh]
                     [--timeout SECONDS] [--json]
  beckon task list [--device X] [--state queued|running|done|failed] [--limit N] [--json]
  beckon task show ID [--json]
  beckon task retry ID [--timeout SECONDS] [--json]
  beckon task recipes
Every command takes --station URL (default $BECKON_STATION_URL or http://127.0.0.1:8080).
NAME: an object name (sysDescr.0, sipUACfgServerAddress.1.1) or a numeric OID.
TYPE (optional, else from the MIB): i u c t s x o a (Net-SNMP letters).
Exit codes: 0 done, 1 failed, 2 usage, 3 queued (no result within --timeout).`;

const SET_TYPES: ReadonlySet<string> = new Set(['i', 'u', 'c', 't', 's', 'x', 'o', 'a']);

interface CreateArgs {
  devices: string[];
  ops: TaskOp[];
  protocol?: string;
  timeoutMs: number;
  json: boolean;
}

function parseSet(text: string): SetVarbindInput | string {
  const eq = text.indexOf('=');
  if (eq <= 0) return `--set wants NAME=VALUE, got ${text}`;
  let oid = text.slice(0, eq);
  const value = text.slice(eq + 1);
  const colon = oid.lastIndexOf(':');
  if (colon > 0) {
    const type = oid.slice(colon + 1);
    if (!SET_TYPES.has(type)) return `unknown value type ${type} in ${text}`;
    oid = oid.slice(0, colon);
    return { oid, value, type: type as SetValueType };
  }
  return { oid, value };
}

function parseSeconds(v: string | undefined): number | undefined {
  if (v === undefined || !/^[0-9]+(\.[0-9]+)?$/.test(v)) return undefined;
  return Math.round(Number(v) * 1000);
}

/** Parses `task create` arguments; an error text on bad input. */
export function parseTaskCreate(argv: readonly string[]): CreateArgs | string {
  const a: CreateArgs = { devices: [], ops: [], timeoutMs: 0, json: false };
  const get: string[] = [];
  const getnext: string[] = [];
  const sets: SetVarbindInput[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const values = (): string[] => {
      const out: string[] = [];
      while (i + 1 < argv.length && !(argv[i + 1] as string).startsWith('--')) out.push(argv[++i] as string);
      return out;
    };
    switch (flag) {
      case '--device': {
        const v = values();
        if (v.length === 0) return '--device wants a value';
        a.devices.push(...v.flatMap((d) => d.split(',')).filter((d) => d.length > 0));
        break;
      }
      case '--get':
      case '--getnext': {
        const v = values();
        if (v.length === 0) return `${flag} wants at least one name`;
        (flag === '--get' ? get : getnext).push(...v);
        break;
      }
      case '--walk': {
        const v = values();
        if (v.length === 0) return '--walk wants a subtree';
        for (const root of v) a.ops.push({ op: 'walk', root });
        break;
      }
      case '--set': {
        const v = values();
        if (v.length === 0) return '--set wants NAME=VALUE';
        for (const s of v) {
          const p = parseSet(s);
          if (typeof p === 'string') return p;
          sets.push(p);
        }
        break;
      }
      case '--recipe': {
        const v = values();
        if (v.length === 0) return '--recipe wants a name';
        for (const name of v) a.ops.push({ op: 'recipe', name });
        break;
      }
      case '--protocol': {
        const v = argv[++i];
        if (v === undefined) return '--protocol wants a value';
        a.protocol = v;
        break;
      }
      case '--timeout': {
        const ms = parseSeconds(argv[++i]);
        if (ms === undefined) return '--timeout wants seconds';
        a.timeoutMs = ms;
        break;
      }
      case '--json':
        a.json = true;
        break;
      default:
        return `unknown argument ${flag}`;
    }
  }
  if (get.length > 0) a.ops.unshift({ op: 'get', oids: get });
  if (getnext.length > 0) a.ops.push({ op: 'getnext', oids: getnext });
  if (sets.length > 0) a.ops.push({ op: 'set', varbinds: sets });
  if (a.devices.length === 0) return 'no --device';
  if (a.ops.length === 0) return 'nothing to do: give --get, --getnext, --walk, --set or --recipe';
  return a;
}

function when(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString();
}

/** Human-readable text of one task with its results. */
export function formatTask(t: TaskRecord): string {
  const lines = [
    `task ${t.id}  device ${t.device}  ${t.state}  attempts ${t.attempts}  protocol ${t.protocol ?? '-'}`,
    `  created ${when(t.createdAt)}  started ${when(t.startedAt)}  finished ${when(t.finishedAt)}`,
    `  ops: ${t.ops.map(describeOp).join('; ')}`,
  ];
  if (t.authenticatedAs !== null) lines.push(`  device authenticated as ${t.authenticatedAs}`);
  if (t.fault !== null) lines.push(`  fault: ${t.fault}`);
  for (const r of t.results ?? []) {
    lines.push(
      `  ${r.ok ? 'ok' : 'FAILED'}  ${r.op}${r.error ? `  (${r.error}${r.errorIndex ? ` at ${r.errorIndex}` : ''})` : ''}`,
    );
    for (const vb of r.varbinds)
      lines.push(`    ${vb.name} = ${vb.type}: ${vb.value === null ? '' : String(vb.value)}`);
  }
  return lines.join('\n');
}

function codeOf(t: TaskRecord, finished: boolean): number {
  if (!finished) return 3;
  return t.state === TaskState.Done ? 0 : 1;
}

/**
 * `beckon task ...` (argv after `task`): returns the text to print and the exit code. The station's
 * TaskService (or anything with its API) does the work.
 */
export async function runTaskCommand(
  argv: readonly string[],
  api: TaskCommandApi,
): Promise<TaskCommandOutput> {
  const [sub, ...rest] = argv;
  const json = rest.includes('--json');
  switch (sub) {
    case 'create': {
      const a = parseTaskCreate(rest);
      if (typeof a === 'string') return { code: 2, out: `${a}\n${TASK_USAGE}` };
      const base = {
        ops: a.ops,
        timeoutMs: a.timeoutMs,
        requestedBy: 'cli',
        ...(a.protocol !== undefined ? { protocol: a.protocol } : {}),
      };
      if (a.devices.length === 1) {
        const r = await api.create({ ...base, device: a.devices[0] as string });
        if (!r.ok) return { code: 2, out: r.error };
        if (a.json) return { code: codeOf(r.task, r.finished), out: JSON.stringify(r.task, null, 2) };
        const head = r.finished
          ? formatTask(r.task)
          : `task ${r.task.id} ${r.task.state}: the device did not finish within ${a.timeoutMs / 1000} s; ` +
            `see 'beckon task show ${r.task.id}'`;
        return { code: codeOf(r.task, r.finished), out: head };
      }
      const m = await api.createMany({ ...base, devices: a.devices });
      const codes = m.results.map((x) => (x.result.ok ? codeOf(x.result.task, x.result.finished) : 2));
      const code = codes.every((c) => c === 0) ? 0 : codes.includes(1) || codes.includes(2) ? 1 : 3;
      if (a.json) return { code, out: JSON.stringify(m, null, 2) };
      const lines = [`bulk ${m.bulkId}: ${m.results.length} device(s)`];
      for (const x of m.results)
        lines.push(
          x.result.ok
            ? `  ${x.device}  task ${x.result.task.id}  ${x.result.task.state}${x.result.task.fault ? `  ${x.result.task.fault}` : ''}`
            : `  ${x.device}  refused: ${x.result.error}`,
        );
      return { code, out: lines.join('\n') };
    }
    case 'list': {
      let device: string | undefined;
      let state: TaskState | undefined;
      let limit = 50;
      for (let i = 0; i < rest.length; i++) {
        const f = rest[i];
        if (f === '--device') device = rest[++i];
        else if (f === '--state') {
          const s = rest[++i];
          if (!Object.values(TaskState).includes(s as TaskState)) return { code: 2, out: `bad --state ${s}` };
          state = s as TaskState;
        } else if (f === '--limit') limit = Number(rest[++i]) || 50;
        else if (f !== '--json') return { code: 2, out: `unknown argument ${f}\n${TASK_USAGE}` };
      }
      const list = await api.list({
        ...(device !== undefined ? { device } : {}),
        ...(state !== undefined ? { state } : {}),
        limit,
      });
      if (json) return { code: 0, out: JSON.stringify(list, null, 2) };
      if (list.length === 0) return { code: 0, out: 'no tasks' };
      return {
        code: 0,
        out: list
          .map(
            (t) =>
              `${t.id}  ${when(t.createdAt)}  ${t.device}  ${t.state}  attempts ${t.attempts}  ${t.ops.map(describeOp).join('; ')}${t.fault ? `  fault: ${t.fault}` : ''}`,
          )
          .join('\n'),
      };
    }
    case 'show': {
      const id = rest.find((x) => !x.startsWith('--'));
      if (id === undefined) return { code: 2, out: TASK_USAGE };
      const t = await api.get(id);
      if (!t) return { code: 1, out: `no task ${id}` };
      return { code: 0, out: json ? JSON.stringify(t, null, 2) : formatTask(t) };
    }
    case 'retry': {
      const id = rest.find((x) => !x.startsWith('--'));
      if (id === undefined) return { code: 2, out: TASK_USAGE };
      const ti = rest.indexOf('--timeout');
      const timeoutMs = ti >= 0 ? parseSeconds(rest[ti + 1]) : 0;
      if (timeoutMs === undefined) return { code: 2, out: '--timeout wants seconds' };
      const r = await api.retry(id, { timeoutMs, requestedBy: 'cli' });
      if (!r.ok) return { code: 1, out: r.error };
      if (json) return { code: codeOf(r.task, r.finished), out: JSON.stringify(r.task, null, 2) };
      return {
        code: codeOf(r.task, r.finished),
        out: r.finished
          ? formatTask(r.task)
          : `task ${r.task.id} ${r.task.state} (attempt ${r.task.attempts})`,
      };
    }
    case 'recipes':
      return {
        code: 0,
        out: (await api.recipeList()).map((r) => `${r.name}  ${r.description}`).join('\n'),
      };
    default:
      return { code: 2, out: TASK_USAGE };
  }
}

/**
 * `beckon task ...` from another process: talks to the running station's REST API at `--station URL`
 * (else BECKON_STATION_URL, else http://127.0.0.1:8080, the default `http.listen`).
 */
export async function runTaskCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<TaskCommandOutput> {
  let base = env.BECKON_STATION_URL ?? 'http://127.0.0.1:8080';
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--station') {
      const v = argv[++i];
      if (v === undefined) return { code: 2, out: '--station wants a URL' };
      base = v;
    } else rest.push(argv[i] as string);
  }
  return runTaskCommand(rest, new TaskHttpClient(base));
}
