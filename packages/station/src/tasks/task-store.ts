import { SqliteDatabase, type SqliteMigration, type SqliteSynchronous } from '@beckon/store';
import type { Logger } from '@beckon/ops';
import type { OpResult, TaskOp } from './task-op.js';
import { TaskState, type TaskRecord } from './task-record.js';

/**
 * Schema of the task database (its own file: `schema_migrations` holds one migration list per file).
 * Results and faults are kept per task with timestamps; the device column indexes "per device" views.
 */
export const TASK_SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'mgmt_tasks',
    up: `
      CREATE TABLE mgmt_tasks (
        id TEXT PRIMARY KEY,
        device TEXT NOT NULL,
        ops TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        request_id TEXT,
        protocol TEXT,
        requested_by TEXT,
        bulk_id TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER,
        results TEXT,
        fault TEXT,
        authenticated_as TEXT
      ) WITHOUT ROWID;
      CREATE INDEX mgmt_tasks_device ON mgmt_tasks (device, created_at);
      CREATE INDEX mgmt_tasks_created ON mgmt_tasks (created_at);
      CREATE INDEX mgmt_tasks_open ON mgmt_tasks (state) WHERE state IN ('queued', 'running');
      CREATE INDEX mgmt_tasks_request ON mgmt_tasks (request_id);
    `,
  },
];

export interface TaskQuery {
  device?: string;
  state?: TaskState;
  bulkId?: string;
  /** Newest first; default 100. */
  limit?: number;
}

/** Durable tasks. Writes are synchronous (better-sqlite3) and small. */
export interface TaskStore {
  save(t: TaskRecord): void;
  get(id: string): TaskRecord | undefined;
  list(q?: TaskQuery): TaskRecord[];
  /** Tasks queued or running (restart). */
  open(): TaskRecord[];
}

interface Row {
  id: string;
  device: string;
  ops: string;
  state: string;
  attempts: number;
  request_id: string | null;
  protocol: string | null;
  requested_by: string | null;
  bulk_id: string | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
  results: string | null;
  fault: string | null;
  authenticated_as: string | null;
}

const UPSERT =
  'INSERT OR REPLACE INTO mgmt_tasks (id, device, ops, state, attempts, request_id, protocol, requested_by, ' +
  'bulk_id, created_at, updated_at, started_at, finished_at, results, fault, authenticated_as) ' +
  'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

/** Tasks in SQLite (a database migrated with TASK_SQLITE_MIGRATIONS). */
export class SqliteTaskStore implements TaskStore {
  constructor(private readonly db: SqliteDatabase) {}

  save(t: TaskRecord): void {
    this.db.run(UPSERT, [
      t.id,
      t.device,
      JSON.stringify(t.ops),
      t.state,
      t.attempts,
      t.requestId,
      t.protocol,
      t.requestedBy,
      t.bulkId,
      t.createdAt,
      t.updatedAt,
      t.startedAt,
      t.finishedAt,
      t.results === null ? null : JSON.stringify(t.results),
      t.fault,
      t.authenticatedAs,
    ]);
  }

  get(id: string): TaskRecord | undefined {
    const r = this.db.get<Row>('SELECT * FROM mgmt_tasks WHERE id = ?', [id]);
    return r ? fromRow(r) : undefined;
  }

  list(q: TaskQuery = {}): TaskRecord[] {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown): void => {
      where.push(clause);
      params.push(value);
    };
    if (q.device !== undefined) add('device = ?', q.device);
    if (q.state !== undefined) add('state = ?', q.state);
    if (q.bulkId !== undefined) add('bulk_id = ?', q.bulkId);
    const limit = Math.max(1, Math.min(q.limit ?? 100, 100_000));
    const sql =
      'SELECT * FROM mgmt_tasks' +
      (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
      ` ORDER BY created_at DESC, id LIMIT ${limit}`;
    return this.db.all<Row>(sql, params).map(fromRow);
  }

  open(): TaskRecord[] {
    return this.db.all<Row>("SELECT * FROM mgmt_tasks WHERE state IN ('queued', 'running')").map(fromRow);
  }
}

/** In-memory tasks (tests, stations without a database). */
export class MemoryTaskStore implements TaskStore {
  private readonly tasks = new Map<string, TaskRecord>();

  save(t: TaskRecord): void {
    this.tasks.set(t.id, structuredClone(t));
  }

  get(id: string): TaskRecord | undefined {
    const t = this.tasks.get(id);
    return t ? structuredClone(t) : undefined;
  }

  list(q: TaskQuery = {}): TaskRecord[] {
    return [...this.tasks.values()]
      .filter(
        (t) =>
          (q.device === undefined || t.device === q.device) &&
          (q.state === undefined || t.state === q.state) &&
          (q.bulkId === undefined || t.bulkId === q.bulkId),
      )
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, q.limit ?? 100)
      .map((t) => structuredClone(t));
  }

  open(): TaskRecord[] {
    return [...this.tasks.values()]
      .filter((t) => t.state === TaskState.Queued || t.state === TaskState.Running)
      .map((t) => structuredClone(t));
  }
}

function fromRow(r: Row): TaskRecord {
  return {
    id: r.id,
    device: r.device,
    ops: JSON.parse(r.ops) as TaskOp[],
    state: r.state as TaskState,
    attempts: Number(r.attempts),
    requestId: r.request_id,
    protocol: r.protocol,
    requestedBy: r.requested_by,
    bulkId: r.bulk_id,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    startedAt: r.started_at === null ? null : Number(r.started_at),
    finishedAt: r.finished_at === null ? null : Number(r.finished_at),
    results: r.results === null ? null : (JSON.parse(r.results) as OpResult[]),
    fault: r.fault,
    authenticatedAs: r.authenticated_as,
  };
}

export type OpenTaskDatabase = { ok: true; db: SqliteDatabase } | { ok: false; error: string };

/** Opens (creating when needed) and migrates the task database. */
export function openTaskDatabase(
  path: string,
  opts: { log?: Logger; synchronous?: SqliteSynchronous } = {},
): OpenTaskDatabase {
  const db = new SqliteDatabase(opts.log ? { log: opts.log } : {}, {
    path,
    ...(opts.synchronous ? { synchronous: opts.synchronous } : {}),
  });
  const m = db.migrate(TASK_SQLITE_MIGRATIONS);
  if (!m.ok) {
    db.close();
    return { ok: false, error: m.error.message };
  }
  return { ok: true, db };
}
