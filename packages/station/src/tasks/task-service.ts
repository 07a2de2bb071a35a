import { randomBytes } from 'node:crypto';
import type { Counter, Logger, MetricsRegistry } from '@beckon/ops';
import type { CallHomeWork, CallHomeWorkContext } from '../callhome/snmp-call-home-handler.js';
import type { CallHomeSession, SessionOutcome } from '../management/call-home-session-handler.js';
import type { ManagementRequest } from '../management/management-request.js';
import type { ManagementRequestInput, ManagementRequestResult } from '../management/management-service.js';
import type { AuditEntry } from '../management/management-store.js';
import { OidNameTable } from './oid-name-table.js';
import { checkTaskOp, describeOp, type TaskOp } from './task-op.js';
import { BUILTIN_RECIPES, type TaskRecipe } from './task-recipes.js';
import { canTaskTransition, isFinalTaskState, TaskState, type TaskRecord } from './task-record.js';
import { runTaskOps } from './task-runner.js';
import type { TaskQuery, TaskStore } from './task-store.js';
import { setVarbinds } from './task-values.js';

/** The part of the management service tasks use (ManagementService fits). */
export interface TaskManagementApi {
  request(input: ManagementRequestInput): Promise<ManagementRequestResult>;
  get(id: string): Promise<ManagementRequest | undefined>;
}

/** Where audit rows go (the management store's audit_log: ManagementStore fits). */
export interface TaskAuditSink {
  appendAudit(entry: AuditEntry): Promise<void>;
}

export interface TaskServiceComponents {
  log: Logger;
  metrics: MetricsRegistry;
  store: TaskStore;
  management: TaskManagementApi;
  audit?: TaskAuditSink;
  names?: OidNameTable;
}

export interface TaskServiceInit {
  /** Protocol asked for when the task does not say (default `snmp-tls`; the device may offer others). */
  defaultProtocol?: string;
  /** How long a task waits for the device's call-home before it fails, s (default 300). */
  callHomeTimeoutSec?: number;
  /** Extra recipes (same name replaces a built-in). */
  recipes?: readonly TaskRecipe[];
  /** Walks stop after this many varbinds (default 10000). */
  maxWalkVarbinds?: number;
  /**
   * Most tasks with a management request out at once (default 64). More wait here, queued, and are
   * dispatched as others finish: a bulk task for 10,000 devices does not NOTIFY them all at once and
   * drown the call-home listener (devices give up on a hello reply that comes too late).
   */
  maxInFlight?: number;
  now?: () => number;
}

export interface TaskCreateInput {
  device: string;
  ops: readonly TaskOp[];
  /** Wait this long for the result (like GenieACS `connection_request` + timeout); 0/absent: return queued. */
  timeoutMs?: number;
  protocol?: string;
  requestedBy?: string;
  /** Seconds to wait for the call-home before the attempt fails (default from init). */
  callHomeTimeoutSec?: number;
}

export type TaskCreateResult =
  | {
      ok: true;
      task: TaskRecord;
      /** false: still queued or running when the wait ended. */ finished: boolean;
    }
  | { ok: false; error: string };

/**
 * Management tasks (issue 6): what an operator wants done in a call-home session. `create` stores the
 * task, asks the management service for a session with the device (its NOTIFY makes the device call
 * home), and — as the CallHomeWork of the SNMP session handler — runs the operations when the device's
 * session is up, storing named and typed results or the fault. A failed task can be retried (a new
 * attempt, a new management request). Every step goes to the audit log.
 */
export class TaskService implements CallHomeWork {
  readonly names: OidNameTable;
  private readonly log: Logger;
  private readonly c: TaskServiceComponents;
  private readonly init: TaskServiceInit;
  private readonly now: () => number;
  private readonly recipes = new Map<string, TaskRecipe>();
  /** Live tasks (queued or running) by id; by management request id. */
  private readonly live = new Map<string, TaskRecord>();
  private readonly byRequest = new Map<string, string>();
  private readonly waiters = new Map<string, ((t: TaskRecord) => void)[]>();
  private readonly deadlines = new Map<string, NodeJS.Timeout>();
  /** Tasks with a management request out (queued with requestId, or running). */
  private readonly dispatched = new Set<string>();
  /** Tasks waiting for a dispatch slot, oldest first. */
  private readonly backlog: { t: TaskRecord; callHomeTimeoutSec: number | undefined }[] = [];
  private readonly transitions: Counter;
  private stopped = false;

  constructor(components: TaskServiceComponents, init: TaskServiceInit = {}) {
    this.c = components;
    this.init = init;
    this.log = components.log.child({ component: 'station.tasks' });
    this.names = components.names ?? new OidNameTable();
    this.now = init.now ?? Date.now;
    for (const r of BUILTIN_RECIPES) this.recipes.set(r.name, r);
    for (const r of init.recipes ?? []) this.recipes.set(r.name, r);
    this.transitions = components.metrics.counter('mgmt_task_transitions', 'Management task state changes', [
      'to',
    ]);
    components.metrics.gauge('mgmt_tasks_open', 'Management tasks queued or running', () => this.live.size);
    components.metrics.gauge(
      'mgmt_tasks_backlog',
      'Management tasks waiting for a dispatch slot',
      () => this.backlog.length,
    );
  }

  recipeList(): TaskRecipe[] {
    return [...this.recipes.values()];
  }

  /**
   * Reloads open tasks after a restart: a queued task keeps waiting for its management request (which
   * the management service reloads too); a task that was running is failed (its session is gone).
   */
  start(): { queued: number; failed: number } {
    let queued = 0;
    let failed = 0;
    for (const t of this.c.store.open()) {
      this.live.set(t.id, t);
      if (t.state === TaskState.Running) {
        this.transition(t, TaskState.Failed, 'station restarted during the session');
        failed++;
      } else if (t.requestId !== null) {
        this.byRequest.set(t.requestId, t.id);
        this.dispatched.add(t.id);
        this.watch(t, this.init.callHomeTimeoutSec ?? 300);
        queued++;
      } else {
        // still waiting for a dispatch slot when the station stopped
        this.backlog.push({ t, callHomeTimeoutSec: undefined });
        queued++;
      }
    }
    this.pumpBacklog();
    return { queued, failed };
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.deadlines.values()) clearTimeout(t);
    this.deadlines.clear();
    for (const [id, ws] of this.waiters) {
      const t = this.live.get(id) ?? this.c.store.get(id);
      if (t) for (const w of ws) w(t);
    }
    this.waiters.clear();
  }

  /** Checks the operations (names resolve, values type, recipes exist); an error text when not. */
  validate(ops: readonly TaskOp[]): string | undefined {
    if (!Array.isArray(ops) || ops.length === 0) return 'no operations';
    for (const op of ops) {
      const e = checkTaskOp(op);
      if (e) return e;
      switch (op.op) {
        case 'get':
        case 'getnext':
          for (const o of op.oids) {
            const r = this.names.resolve(o);
            if (!r.ok) return r.error;
          }
          break;
        case 'walk': {
          const r = this.names.resolve(op.root);
          if (!r.ok) return r.error;
          break;
        }
        case 'set': {
          const r = setVarbinds(this.names, op.varbinds);
          if (!r.ok) return r.error;
          break;
        }
        case 'recipe':
          if (!this.recipes.has(op.name))
            return `unknown recipe ${op.name} (known: ${[...this.recipes.keys()].join(', ')})`;
      }
    }
    return undefined;
  }

  /** Queues a task, triggers the management request, and waits up to `timeoutMs` for its result. */
  async create(input: TaskCreateInput, bulkId: string | null = null): Promise<TaskCreateResult> {
    if (this.stopped) return { ok: false, error: 'task service stopped' };
    const bad = this.validate(input.ops);
    if (bad) return { ok: false, error: bad };
    const device = input.device.trim();
    if (device.length === 0) return { ok: false, error: 'no device' };
    const now = this.now();
    const t: TaskRecord = {
      id: randomBytes(5).toString('hex'),
      device,
      ops: input.ops,
      state: TaskState.Queued,
      attempts: 0,
      requestId: null,
      protocol: input.protocol ?? this.init.defaultProtocol ?? 'snmp-tls',
      requestedBy: input.requestedBy ?? null,
      bulkId,
      createdAt: now,
      updatedAt: now,
      startedAt: null,
      finishedAt: null,
      results: null,
      fault: null,
      authenticatedAs: null,
    };
    this.live.set(t.id, t);
    this.c.store.save(t);
    this.audit(t, 'created', { device, ops: t.ops.map(describeOp), protocol: t.protocol });
    await this.attempt(t, input.callHomeTimeoutSec);
    return this.wait(t.id, input.timeoutMs ?? 0);
  }

  /** The bulk form: one task per device, all with the same operations (one bulk id). */
  async createMany(
    input: Omit<TaskCreateInput, 'device'> & { devices: readonly string[] },
  ): Promise<{ bulkId: string; results: { device: string; result: TaskCreateResult }[] }> {
    const bulkId = randomBytes(5).toString('hex');
    const { devices, ...rest } = input;
    const results = await Promise.all(
      devices.map(async (device) => ({ device, result: await this.create({ ...rest, device }, bulkId) })),
    );
    return { bulkId, results };
  }

  /** Starts a new attempt of a failed task. */
  async retry(
    id: string,
    opts: { timeoutMs?: number; requestedBy?: string; callHomeTimeoutSec?: number } = {},
  ): Promise<TaskCreateResult> {
    const t = this.live.get(id) ?? this.c.store.get(id);
    if (!t) return { ok: false, error: `no task ${id}` };
    if (t.state !== TaskState.Failed) return { ok: false, error: `task ${id} is ${t.state}, not failed` };
    this.live.set(t.id, t);
    t.results = null;
    this.transition(t, TaskState.Queued, `retry by ${opts.requestedBy ?? 'operator'}`);
    await this.attempt(t, opts.callHomeTimeoutSec);
    return this.wait(t.id, opts.timeoutMs ?? 0);
  }

  get(id: string): TaskRecord | undefined {
    const t = this.live.get(id);
    return t ? structuredClone(t) : this.c.store.get(id);
  }

  list(q?: TaskQuery): TaskRecord[] {
    return this.c.store.list(q);
  }

  /** Resolves with the task once final, or after `timeoutMs` as it stands then. */
  wait(id: string, timeoutMs: number): Promise<TaskCreateResult> {
    const cur = this.get(id);
    if (!cur) return Promise.resolve({ ok: false, error: `no task ${id}` });
    if (isFinalTaskState(cur.state) || timeoutMs <= 0 || !this.live.has(id))
      return Promise.resolve({ ok: true, task: cur, finished: isFinalTaskState(cur.state) });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        remove();
        const t = this.get(id) ?? cur;
        resolve({ ok: true, task: t, finished: isFinalTaskState(t.state) });
      }, timeoutMs);
      const w = (t: TaskRecord): void => {
        clearTimeout(timer);
        resolve({ ok: true, task: structuredClone(t), finished: isFinalTaskState(t.state) });
      };
      const remove = (): void => {
        const list = this.waiters.get(id);
        if (!list) return;
        const i = list.indexOf(w);
        if (i >= 0) list.splice(i, 1);
        if (list.length === 0) this.waiters.delete(id);
      };
      let list = this.waiters.get(id);
      if (!list) this.waiters.set(id, (list = []));
      list.push(w);
    });
  }

  // ---- CallHomeWork ---------------------------------------------------------------------------

  async run(ctx: CallHomeWorkContext): Promise<SessionOutcome> {
    const tasks = this.tasksOf(ctx.session);
    if (tasks.length === 0) return { ok: true, detail: 'no tasks for this session' };
    let ok = true;
    let failures = 0;
    let lost: string | undefined;
    for (const t of tasks) {
      if (t.state !== TaskState.Queued) continue;
      if (lost !== undefined) {
        // the session died under an earlier task: do not wait for a timeout per task
        ok = false;
        failures++;
        t.fault = `session lost: ${lost}`;
        t.finishedAt = this.now();
        this.transition(t, TaskState.Failed, t.fault);
        continue;
      }
      t.startedAt = this.now();
      t.protocol = ctx.session.protocol;
      t.authenticatedAs = ctx.authenticatedAs;
      this.transition(t, TaskState.Running, `session ${ctx.session.protocol} from ${ctx.session.peer}`);
      const r = await runTaskOps(
        ctx.client,
        t.ops,
        this.names,
        this.recipes,
        this.init.maxWalkVarbinds ?? 10_000,
      );
      t.results = r.results;
      t.finishedAt = this.now();
      if (r.ok) this.transition(t, TaskState.Done, null);
      else {
        ok = false;
        failures++;
        t.fault = r.fault ?? 'failed';
        this.transition(t, TaskState.Failed, t.fault);
        if (/: (timeout|closed)$/.test(t.fault)) lost = t.fault;
      }
    }
    return ok
      ? { ok: true, detail: `${tasks.length} task(s) done` }
      : { ok: false, detail: `${failures} of ${tasks.length} task(s) failed` };
  }

  failed(session: CallHomeSession, fault: string): void {
    for (const t of this.tasksOf(session)) {
      if (t.state === TaskState.Done || t.state === TaskState.Failed) continue;
      t.fault = `call-home session failed: ${fault}`;
      t.finishedAt = this.now();
      this.transition(t, TaskState.Failed, t.fault);
    }
  }

  // ---- internals -------------------------------------------------------------------------------

  private tasksOf(session: CallHomeSession): TaskRecord[] {
    const out: TaskRecord[] = [];
    for (const rid of session.requestIds) {
      const id = this.byRequest.get(rid);
      const t = id !== undefined ? this.live.get(id) : undefined;
      if (t) out.push(t);
    }
    return out;
  }

  private async attempt(t: TaskRecord, callHomeTimeoutSec?: number): Promise<void> {
    t.attempts++;
    t.fault = null;
    t.startedAt = null;
    t.finishedAt = null;
    if (this.dispatched.size >= (this.init.maxInFlight ?? 64)) {
      if (t.requestId !== null) this.byRequest.delete(t.requestId);
      t.requestId = null;
      t.updatedAt = this.now();
      this.c.store.save(t);
      this.backlog.push({ t, callHomeTimeoutSec });
      return;
    }
    await this.dispatch(t, callHomeTimeoutSec);
  }

  /** Starts backlog tasks while slots are free. */
  private pumpBacklog(): void {
    const max = this.init.maxInFlight ?? 64;
    while (!this.stopped && this.backlog.length > 0 && this.dispatched.size < max) {
      const next = this.backlog.shift() as { t: TaskRecord; callHomeTimeoutSec: number | undefined };
      if (next.t.state !== TaskState.Queued) continue;
      void this.dispatch(next.t, next.callHomeTimeoutSec);
    }
  }

  /** Asks the management service for the device's session (the NOTIFY that makes it call home). */
  private async dispatch(t: TaskRecord, callHomeTimeoutSec?: number): Promise<void> {
    this.dispatched.add(t.id);
    const timeoutSec = callHomeTimeoutSec ?? this.init.callHomeTimeoutSec ?? 300;
    const r = await this.c.management.request({
      target: t.device,
      ...(t.protocol !== null ? { protocol: t.protocol } : {}),
      timeoutSec,
      requestedBy: t.requestedBy ?? `task:${t.id}`,
    });
    if (!r.ok) {
      t.fault = `management request refused: ${r.error.message}`;
      t.finishedAt = this.now();
      this.transition(t, TaskState.Failed, t.fault);
      return;
    }
    if (t.requestId !== null) this.byRequest.delete(t.requestId);
    t.requestId = r.request.id;
    this.byRequest.set(r.request.id, t.id);
    t.updatedAt = this.now();
    this.c.store.save(t);
    this.audit(t, 'attempt', { attempt: t.attempts, request: r.request.id });
    this.watch(t, timeoutSec);
  }

  /** Fails the task when its management request ends without a session (expired, failed). */
  private watch(t: TaskRecord, timeoutSec: number): void {
    const check = async (): Promise<void> => {
      this.deadlines.delete(t.id);
      if (this.stopped || t.state !== TaskState.Queued || t.requestId === null) return;
      const req = await this.c.management.get(t.requestId);
      if (t.state !== TaskState.Queued) return;
      const st = req?.state;
      if (st === undefined || st === 'expired' || st === 'failed' || st === 'done') {
        t.fault = `no call-home: management request ${st ?? 'unknown'}${req?.detail ? ` (${req.detail})` : ''}`;
        t.finishedAt = this.now();
        this.transition(t, TaskState.Failed, t.fault);
        return;
      }
      arm(1000);
    };
    const arm = (ms: number): void => {
      const prev = this.deadlines.get(t.id);
      if (prev) clearTimeout(prev);
      const timer = setTimeout(() => void check(), ms);
      timer.unref();
      this.deadlines.set(t.id, timer);
    };
    arm(timeoutSec * 1000 + 500);
  }

  private transition(t: TaskRecord, to: TaskState, detail: string | null): void {
    const from = t.state;
    if (!canTaskTransition(from, to)) {
      this.log.error({ id: t.id, from, to }, 'task: transition not allowed');
      return;
    }
    t.state = to;
    t.updatedAt = this.now();
    this.transitions.child(to).inc();
    this.log.info({ id: t.id, device: t.device, from, to, detail }, 'task state');
    this.c.store.save(t);
    this.audit(t, `${from}->${to}`, detail !== null ? { detail } : undefined);
    if (isFinalTaskState(to)) {
      this.live.delete(t.id);
      if (t.requestId !== null && this.byRequest.get(t.requestId) === t.id)
        this.byRequest.delete(t.requestId);
      const timer = this.deadlines.get(t.id);
      if (timer) clearTimeout(timer);
      this.deadlines.delete(t.id);
      const ws = this.waiters.get(t.id);
      this.waiters.delete(t.id);
      for (const w of ws ?? []) w(t);
      if (this.dispatched.delete(t.id)) this.pumpBacklog();
    }
  }

  private audit(t: TaskRecord, action: string, detail?: Record<string, unknown>): void {
    const sink = this.c.audit;
    if (!sink) return;
    sink
      .appendAudit({
        at: this.now(),
        actor: t.requestedBy ?? 'station',
        subject: `task:${t.id}`,
        action,
        ...(detail ? { detail } : {}),
      })
      .catch((err: unknown) => this.log.warn({ err, id: t.id }, 'task audit row not stored'));
  }
}
