import type { OpResult, TaskOp } from './task-op.js';

/**
 * Lifecycle of a task:
 *
 *   queued ──► running ──► done
 *     │           └──────► failed ──► queued (retry: a new attempt, a new management request)
 *     └──────────────────► failed (no call-home before the deadline, device refused, NOTIFY impossible)
 */
export enum TaskState {
  /** Waiting for the device's call-home (management request queued or notified). */
  Queued = 'queued',
  /** The session is open and the operations run. */
  Running = 'running',
  Done = 'done',
  Failed = 'failed',
}

const NEXT: Record<TaskState, readonly TaskState[]> = {
  [TaskState.Queued]: [TaskState.Running, TaskState.Failed],
  [TaskState.Running]: [TaskState.Done, TaskState.Failed],
  [TaskState.Done]: [],
  [TaskState.Failed]: [TaskState.Queued],
};

export function canTaskTransition(from: TaskState, to: TaskState): boolean {
  return NEXT[from].includes(to);
}

/** One task as stored. */
export interface TaskRecord {
  readonly id: string;
  /** The device as the operator named it (MAC, instrument id, device URI or AOR). */
  readonly device: string;
  readonly ops: readonly TaskOp[];
  state: TaskState;
  /** Attempts started (1 after create, +1 per retry). */
  attempts: number;
  /** Management request of the current attempt. */
  requestId: string | null;
  /** Preferred protocol (`snmp-tls`, `snmp-ssh`); the session's protocol once it ran. */
  protocol: string | null;
  readonly requestedBy: string | null;
  /** Tasks created together (bulk form) share it. */
  readonly bulkId: string | null;
  /** Epoch ms. */
  readonly createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** Results of the last attempt that ran (also kept when it failed part way). */
  results: OpResult[] | null;
  /** Why the last attempt failed. */
  fault: string | null;
  /** How the device authenticated in the last session (`tls:04:…`, `ssh:SHA256:…`). */
  authenticatedAs: string | null;
}

export function isFinalTaskState(s: TaskState): boolean {
  return s === TaskState.Done || s === TaskState.Failed;
}
