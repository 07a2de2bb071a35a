import { Type, type Static } from '@sinclair/typebox';
import type { SqliteDatabase } from '@beckon/store';
import type { HttpRoutes } from './http/index.js';
import type { ManagementRequest, ManagementService } from './management/index.js';

const CreateBody = Type.Object(
  {
    target: Type.String({ minLength: 1, maxLength: 512 }),
    protocol: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    strict: Type.Optional(Type.Boolean()),
    timeoutSec: Type.Optional(Type.Integer({ minimum: 1, maximum: 604800 })),
    requestedBy: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  },
  { additionalProperties: false },
);
type CreateBody = Static<typeof CreateBody>;

const IdParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) },
  { additionalProperties: false },
);
type IdParams = Static<typeof IdParams>;

const ListQuery = Type.Object(
  {
    state: Type.Optional(
      Type.Union([
        Type.Literal('open'),
        Type.Literal('queued'),
        Type.Literal('notified'),
        Type.Literal('session-open'),
        Type.Literal('done'),
        Type.Literal('failed'),
        Type.Literal('expired'),
      ]),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 100 })),
  },
  { additionalProperties: false },
);
type ListQuery = Static<typeof ListQuery>;

const NoQuery = Type.Object({}, { additionalProperties: false });

export interface ManagementRoutesInit {
  service: ManagementService;
  /** The management database (listing finished requests). */
  db: SqliteDatabase;
}

/**
 * REST routes of management requests (what `beckon mgmt` calls):
 * - `POST /api/v1/management-requests` {target, protocol?, strict?, timeoutSec?} -> 201 {request}
 * - `GET /api/v1/management-requests/:id` -> {request}
 * - `GET /api/v1/management-requests?state=&limit=` -> {count, requests} (newest first)
 */
export function managementRoutes(init: ManagementRoutesInit): HttpRoutes {
  const { service, db } = init;
  return (app, ctx) => {
    app.post<{ Body: CreateBody }>(
      '/api/v1/management-requests',
      { schema: { body: CreateBody, querystring: NoQuery } },
      async (req, reply) => {
        const b = req.body;
        const r = await service.request({
          target: b.target,
          ...(b.protocol !== undefined ? { protocol: b.protocol } : {}),
          ...(b.strict !== undefined ? { strict: b.strict } : {}),
          ...(b.timeoutSec !== undefined ? { timeoutSec: b.timeoutSec } : {}),
          requestedBy: b.requestedBy ?? `api:${req.ip}`,
        });
        if (!r.ok) {
          const field = r.error.code === 'unknown-protocol' ? 'protocol' : 'target';
          return ctx.fail(reply, r.error.code === 'stopped' ? 503 : 400, r.error.message, field);
        }
        return reply.code(201).send({ request: r.request });
      },
    );

    app.get<{ Params: IdParams }>(
      '/api/v1/management-requests/:id',
      { schema: { params: IdParams, querystring: NoQuery } },
      async (req, reply) => {
        const r = await service.get(req.params.id);
        if (!r) return ctx.fail(reply, 404, `no management request ${req.params.id}`, 'id');
        return { request: r };
      },
    );

    app.get<{ Querystring: ListQuery }>(
      '/api/v1/management-requests',
      { schema: { querystring: ListQuery } },
      async (req) => {
        const limit = req.query.limit ?? 100;
        const state = req.query.state;
        let list: ManagementRequest[];
        if (state === 'open') list = service.openRequests().sort((a, b) => b.createdAt - a.createdAt);
        else {
          await service.flush();
          const rows =
            state === undefined
              ? db.all<{ id: string }>('SELECT id FROM mgmt_requests ORDER BY created_at DESC LIMIT ?', [
                  limit,
                ])
              : db.all<{ id: string }>(
                  'SELECT id FROM mgmt_requests WHERE state = ? ORDER BY created_at DESC LIMIT ?',
                  [state, limit],
                );
          list = [];
          for (const row of rows) {
            const r = await service.get(row.id);
            if (r) list.push(r);
          }
        }
        list = list.slice(0, limit);
        return { count: list.length, requests: list };
      },
    );
  };
}
