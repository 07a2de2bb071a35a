import { Type, type Static } from '@sinclair/typebox';
import type { HttpRoutes } from '../http/http-api.js';
import type { TaskOp } from './task-op.js';
import { TaskState } from './task-record.js';
import type { TaskService } from './task-service.js';

const MAX_WAIT_MS = 600_000;

const SetVarbind = Type.Object(
  {
    oid: Type.String({ minLength: 1, maxLength: 512 }),
    value: Type.String({ maxLength: 65535 }),
    type: Type.Optional(Type.Union(['i', 'u', 'c', 't', 's', 'x', 'o', 'a'].map((l) => Type.Literal(l)))),
  },
  { additionalProperties: false },
);
const Names = Type.Array(Type.String({ minLength: 1, maxLength: 512 }), { minItems: 1, maxItems: 1000 });
const Op = Type.Union([
  Type.Object({ op: Type.Literal('get'), oids: Names }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('getnext'), oids: Names }, { additionalProperties: false }),
  Type.Object(
    {
      op: Type.Literal('walk'),
      root: Type.String({ minLength: 1, maxLength: 512 }),
      maxVarbinds: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { op: Type.Literal('set'), varbinds: Type.Array(SetVarbind, { minItems: 1, maxItems: 1000 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    { op: Type.Literal('recipe'), name: Type.String({ minLength: 1, maxLength: 64 }) },
    { additionalProperties: false },
  ),
]);

export const TaskCreateBody = Type.Object(
  {
    /** One device, or `devices` for the bulk form. */
    device: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    devices: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 512 }), { minItems: 1, maxItems: 100_000 }),
    ),
    ops: Type.Array(Op, { minItems: 1, maxItems: 100 }),
    protocol: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    /** How long the call waits for the result (ms); 0: answer at once with the queued task. */
    timeoutMs: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_WAIT_MS })),
    requestedBy: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
);
export type TaskCreateBody = Static<typeof TaskCreateBody>;

export const TaskListQuery = Type.Object(
  {
    device: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    state: Type.Optional(Type.Union(Object.values(TaskState).map((s) => Type.Literal(s)))),
    bulkId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 100 })),
  },
  { additionalProperties: false },
);
export type TaskListQuery = Static<typeof TaskListQuery>;

const TaskParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);
const RetryBody = Type.Object(
  {
    timeoutMs: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_WAIT_MS })),
    requestedBy: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
);

/**
 * REST routes of the task service, an HttpApi plug-in (`httpApi.registerRoutes(taskHttpRoutes(tasks))`):
 *
 *   POST /api/v1/tasks              create (one device or `devices`); waits up to `timeoutMs` for the
 *                                   result: 200 with the finished task, 202 with the queued one
 *   GET  /api/v1/tasks              list (device, state, bulkId, limit), newest first
 *   GET  /api/v1/tasks/:id          one task with its results or fault
 *   POST /api/v1/tasks/:id/retry    new attempt of a failed task (same waiting rule)
 *   GET  /api/v1/task-recipes       the named recipes
 */
export function taskHttpRoutes(tasks: TaskService): HttpRoutes {
  return (app, ctx) => {
    app.post<{ Body: TaskCreateBody }>(
      '/api/v1/tasks',
      { schema: { body: TaskCreateBody } },
      async (req, reply) => {
        const b = req.body;
        const base = {
          // the schema checked the shape; names and values are checked by the task service
          ops: b.ops as TaskOp[],
          timeoutMs: b.timeoutMs ?? 0,
          requestedBy: b.requestedBy ?? 'api',
          ...(b.protocol !== undefined ? { protocol: b.protocol } : {}),
        };
        if (b.devices !== undefined) {
          if (b.device !== undefined)
            return ctx.fail(reply, 400, 'give device or devices, not both', 'device');
          const m = await tasks.createMany({ ...base, devices: b.devices });
          const finished = m.results.every((x) => x.result.ok && x.result.finished);
          return reply.code(finished ? 200 : 202).send(m);
        }
        if (b.device === undefined) return ctx.fail(reply, 400, 'device missing', 'device');
        const r = await tasks.create({ ...base, device: b.device });
        if (!r.ok) return ctx.fail(reply, 400, r.error, 'ops');
        return reply.code(r.finished ? 200 : 202).send(r);
      },
    );
    app.get<{ Querystring: TaskListQuery }>(
      '/api/v1/tasks',
      { schema: { querystring: TaskListQuery } },
      async (req) => ({ tasks: tasks.list(req.query) }),
    );
    app.get<{ Params: Static<typeof TaskParams> }>(
      '/api/v1/tasks/:id',
      { schema: { params: TaskParams } },
      async (req, reply) => {
        const t = tasks.get(req.params.id);
        if (!t) return ctx.fail(reply, 404, `no task ${req.params.id}`, 'id');
        return t;
      },
    );
    app.post<{ Params: Static<typeof TaskParams>; Body: Static<typeof RetryBody> }>(
      '/api/v1/tasks/:id/retry',
      { schema: { params: TaskParams, body: RetryBody } },
      async (req, reply) => {
        const r = await tasks.retry(req.params.id, {
          timeoutMs: req.body?.timeoutMs ?? 0,
          requestedBy: req.body?.requestedBy ?? 'api',
        });
        if (!r.ok) return ctx.fail(reply, r.error.startsWith('no task') ? 404 : 409, r.error, 'id');
        return reply.code(r.finished ? 200 : 202).send(r);
      },
    );
    app.get('/api/v1/task-recipes', async () => ({ recipes: tasks.recipeList() }));
  };
}
