import type { TaskCommandApi } from './cli-task-commands.js';
import type { TaskRecipe } from './task-recipes.js';
import type { TaskRecord } from './task-record.js';
import type { TaskCreateInput, TaskCreateResult } from './task-service.js';
import type { TaskQuery } from './task-store.js';

type BulkResult = { bulkId: string; results: { device: string; result: TaskCreateResult }[] };

/**
 * The task API of a running station over its REST API (task-http-routes.ts), for the `beckon task`
 * commands run in another process. `base` is the station's HTTP address (`http://127.0.0.1:8080`).
 * Transport failures come back as `{ ok: false, error }` results (or undefined / empty lists).
 */
export class TaskHttpClient implements TaskCommandApi {
  constructor(private readonly base: string) {}

  private async call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> {
    try {
      const res = await fetch(new URL(path, this.base), {
        method,
        ...(body !== undefined
          ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
          : {}),
      });
      return { status: res.status, json: await res.json() };
    } catch (err) {
      return { status: 0, json: { error: `station not reachable at ${this.base}: ${String(err)}` } };
    }
  }

  private static error(json: unknown): string {
    return (json as { error?: string }).error ?? 'request failed';
  }

  async create(input: TaskCreateInput): Promise<TaskCreateResult> {
    const r = await this.call('POST', '/api/v1/tasks', input);
    return r.status === 200 || r.status === 202
      ? (r.json as TaskCreateResult)
      : { ok: false, error: TaskHttpClient.error(r.json) };
  }

  async createMany(
    input: Omit<TaskCreateInput, 'device'> & { devices: readonly string[] },
  ): Promise<BulkResult> {
    const r = await this.call('POST', '/api/v1/tasks', input);
    if (r.status === 200 || r.status === 202) return r.json as BulkResult;
    const error = TaskHttpClient.error(r.json);
    return {
      bulkId: '',
      results: input.devices.map((device) => ({ device, result: { ok: false, error } })),
    };
  }

  async retry(
    id: string,
    opts: { timeoutMs?: number; requestedBy?: string } = {},
  ): Promise<TaskCreateResult> {
    const r = await this.call('POST', `/api/v1/tasks/${encodeURIComponent(id)}/retry`, opts);
    return r.status === 200 || r.status === 202
      ? (r.json as TaskCreateResult)
      : { ok: false, error: TaskHttpClient.error(r.json) };
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    const r = await this.call('GET', `/api/v1/tasks/${encodeURIComponent(id)}`);
    return r.status === 200 ? (r.json as TaskRecord) : undefined;
  }

  async list(q: TaskQuery = {}): Promise<TaskRecord[]> {
    const p = new URLSearchParams();
    if (q.device !== undefined) p.set('device', q.device);
    if (q.state !== undefined) p.set('state', q.state);
    if (q.bulkId !== undefined) p.set('bulkId', q.bulkId);
    if (q.limit !== undefined) p.set('limit', String(q.limit));
    const qs = p.toString();
    const r = await this.call('GET', `/api/v1/tasks${qs ? `?${qs}` : ''}`);
    return r.status === 200 ? (r.json as { tasks: TaskRecord[] }).tasks : [];
  }

  async recipeList(): Promise<TaskRecipe[]> {
    const r = await this.call('GET', '/api/v1/task-recipes');
    return r.status === 200 ? (r.json as { recipes: TaskRecipe[] }).recipes : [];
  }
}
