import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { HttpConfig } from '@beckon/config';
import type { Logger, MetricsRegistry } from '@beckon/ops';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { normalizeInstrumentId } from '../instrument/index.js';
import type { BindingRecord, LocationService } from '../location/index.js';
import { bindingView, type BindingView } from './binding-view.js';
import {
  BindingsQuery,
  InstrumentParams,
  InstrumentsQuery,
  NoQuery,
  type ApiError,
} from './http-api-schemas.js';

export interface HttpApiComponents {
  readonly log: Logger;
  /** The one MetricsRegistry (Prometheus /metrics and /api/v1/counters read it). */
  readonly metrics: MetricsRegistry;
  readonly location: LocationService;
  /** Extra health facts (subsystem states); merged into GET /api/v1/health. */
  readonly health?: () => Record<string, unknown>;
}

/** What route plug-ins get besides the fastify instance. */
export interface HttpApiContext {
  readonly log: Logger;
  readonly metrics: MetricsRegistry;
  readonly location: LocationService;
  /** Sends the API's error shape: `{ error, field }` with `status`. */
  readonly fail: (reply: FastifyReply, status: number, error: string, field?: string) => void;
}

/**
 * An extension of the HTTP API (management requests, tasks...): adds routes to `app`, normally under
 * `/api/v1/`. Route schemas are validated like the built-in ones and errors keep the `{ error, field }`
 * shape.
 */
export type HttpRoutes = (app: FastifyInstance, ctx: HttpApiContext) => void | Promise<void>;

export interface HttpApiOptions {
  /** Folder with index.html and app.js of the web UI (default: ../web next to this module). */
  readonly webRoot?: URL | string;
}

export enum HttpApiState {
  Idle = 'idle',
  Running = 'running',
  Stopped = 'stopped',
}

export type HttpApiStartResult =
  { ok: true; address: { host: string; port: number } } | { ok: false; error: string };

const PROMETHEUS_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * The station's HTTP server (fastify): Prometheus `/metrics`, the read-only REST API over the live
 * location service and counters, the web UI at `/`, and route plug-ins added with `registerRoutes`.
 */
export class HttpApi {
  private readonly log: Logger;
  private readonly plugins: HttpRoutes[] = [];
  private app: FastifyInstance | undefined;
  private stateValue = HttpApiState.Idle;
  private addressValue: { host: string; port: number } | undefined;
  private readonly started = Date.now();

  constructor(
    private readonly components: HttpApiComponents,
    private readonly config: HttpConfig,
    private readonly options: HttpApiOptions = {},
  ) {
    this.log = components.log.child({ component: 'station.http' });
  }

  get state(): HttpApiState {
    return this.stateValue;
  }

  /** The bound address (port resolved when 0 was configured). */
  get address(): { host: string; port: number } | undefined {
    return this.addressValue;
  }

  /** Adds routes (before `start`). Registering after start is a programming error. */
  registerRoutes(plugin: HttpRoutes): void {
    if (this.stateValue !== HttpApiState.Idle) throw new Error('HttpApi.registerRoutes called after start');
    this.plugins.push(plugin);
  }

  async start(): Promise<HttpApiStartResult> {
    if (this.stateValue !== HttpApiState.Idle) return { ok: false, error: `already ${this.stateValue}` };
    const app = Fastify({
      logger: false,
      // Unknown query parameters are errors (400), not silently dropped; numbers are coerced from text.
      ajv: {
        customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true, allErrors: false },
      },
    });
    this.app = app;
    app.setErrorHandler((err: FastifyError, _req, reply) => {
      if (err.validation) {
        const v = err.validation[0];
        const params = (v?.params ?? {}) as Record<string, unknown>;
        const field =
          (params['additionalProperty'] as string | undefined) ??
          (params['missingProperty'] as string | undefined) ??
          (v?.instancePath ? v.instancePath.replace(/^\//, '') : undefined);
        return this.fail(
          reply,
          400,
          `${err.validationContext ?? 'request'} ${v?.message ?? 'is invalid'}`,
          field,
        );
      }
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      if (status === 500) this.log.error({ err }, 'http handler failed');
      return this.fail(reply, status, status === 500 ? 'internal error' : err.message);
    });
    app.setNotFoundHandler((req, reply) =>
      this.fail(reply, 404, `no route ${req.method} ${req.url.split('?')[0]}`),
    );

    this.builtInRoutes(app);
    await this.webRoutes(app);
    const ctx: HttpApiContext = {
      log: this.log,
      metrics: this.components.metrics,
      location: this.components.location,
      fail: (reply, status, error, field) => this.fail(reply, status, error, field),
    };
    try {
      for (const p of this.plugins) await p(app, ctx);
      await app.listen({ host: this.config.listen.host, port: this.config.listen.port });
    } catch (err) {
      await app.close();
      this.stateValue = HttpApiState.Stopped;
      return { ok: false, error: `http server not started: ${String(err)}` };
    }
    const a = app.server.address() as AddressInfo;
    this.addressValue = { host: a.address, port: a.port };
    this.stateValue = HttpApiState.Running;
    this.log.info({ listen: `http://${a.address}:${a.port}/` }, 'http api listening');
    return { ok: true, address: this.addressValue };
  }

  async stop(): Promise<void> {
    if (this.stateValue !== HttpApiState.Running) return;
    this.stateValue = HttpApiState.Stopped;
    await this.app?.close();
    this.log.info('http api stopped');
  }

  private fail(reply: FastifyReply, status: number, error: string, field?: string): void {
    const body: ApiError = field ? { error, field } : { error };
    void reply.code(status).type('application/json; charset=utf-8').send(body);
  }

  private builtInRoutes(app: FastifyInstance): void {
    const { metrics, location } = this.components;

    app.get('/metrics', { schema: { querystring: NoQuery } }, async (_req, reply) => {
      return reply.type(PROMETHEUS_TYPE).send(metrics.toPrometheus());
    });

    app.get('/api/v1/health', { schema: { querystring: NoQuery } }, async () => ({
      status: 'ok',
      time: new Date().toISOString(),
      uptimeSec: Math.round((Date.now() - this.started) / 1000),
      location: { state: location.state, ...location.size },
      ...(this.components.health?.() ?? {}),
    }));

    app.get('/api/v1/counters', { schema: { querystring: NoQuery } }, async () => metrics.toJSON());

    app.get<{ Querystring: BindingsQuery }>(
      '/api/v1/bindings',
      { schema: { querystring: BindingsQuery } },
      async (req) => {
        const q = req.query;
        const now = Date.now();
        const limit = q.limit ?? 500;
        const instrument =
          q.instrument === undefined ? undefined : (normalizeInstrumentId(q.instrument) ?? q.instrument);
        let list: readonly BindingRecord[];
        let next: number | undefined;
        if (q.aor !== undefined && instrument !== undefined)
          list = location.byAorAndInstrument(q.aor, instrument);
        else if (q.aor !== undefined) list = location.lookup(q.aor);
        else if (instrument !== undefined) list = location.byInstrument(instrument);
        else {
          // every binding, in sipServerRegUserIndex order, paged by whole users (a page may pass `limit` by
          // the bindings of its last user, so that none is skipped by the next page)
          const out: BindingRecord[] = [];
          let after = q.afterUserIndex ?? 0;
          for (;;) {
            const u = location.nextUser(after);
            if (!u) break;
            if (out.length >= limit) {
              next = after;
              break;
            }
            out.push(...location.lookup(u.aor));
            after = u.userIndex;
          }
          list = out;
        }
        const filtered = q.aor !== undefined || instrument !== undefined;
        const page = filtered ? list.slice(0, limit) : list;
        const bindings: BindingView[] = page.map((b) => bindingView(b, now));
        return {
          count: bindings.length,
          bindings,
          ...(next !== undefined ? { nextAfterUserIndex: next } : {}),
        };
      },
    );

    app.get<{ Querystring: InstrumentsQuery }>(
      '/api/v1/instruments',
      { schema: { querystring: InstrumentsQuery } },
      async (req) => {
        const all = location
          .listInstruments()
          .map((i) => ({ instrument: i.instrument, lines: [...i.aors].sort() }))
          .sort((a, b) => (a.instrument < b.instrument ? -1 : a.instrument > b.instrument ? 1 : 0));
        const limit = req.query.limit ?? 1000;
        return { count: all.length, instruments: all.slice(0, limit) };
      },
    );

    app.get<{ Params: InstrumentParams }>(
      '/api/v1/instruments/:id',
      { schema: { params: InstrumentParams, querystring: NoQuery } },
      async (req, reply) => {
        const id = normalizeInstrumentId(req.params.id) ?? req.params.id;
        const bindings = location.byInstrument(id);
        if (bindings.length === 0) return this.fail(reply, 404, `instrument ${id} has no binding`, 'id');
        const now = Date.now();
        const lines = new Map<string, BindingView[]>();
        for (const b of bindings) {
          const l = lines.get(b.aor) ?? [];
          l.push(bindingView(b, now));
          lines.set(b.aor, l);
        }
        return {
          instrument: id,
          lines: [...lines]
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([aor, contacts]) => ({ aor, contacts })),
        };
      },
    );
  }

  /** The web UI: two static files read once at start (no build step). */
  private async webRoutes(app: FastifyInstance): Promise<void> {
    const root = this.options.webRoot ?? new URL('../web/', import.meta.url);
    const file = (name: string): URL | string =>
      typeof root === 'string' ? `${root.replace(/\/$/, '')}/${name}` : new URL(name, root);
    let html: Buffer;
    let js: Buffer;
    try {
      [html, js] = await Promise.all([readFile(file('index.html')), readFile(file('app.js'))]);
    } catch (err) {
      this.log.warn({ err }, 'web UI files not found; / is not served');
      return;
    }
    const send = (type: string, body: Buffer) => async (_req: unknown, reply: FastifyReply) =>
      reply.type(type).header('cache-control', 'no-cache').send(body);
    app.get('/', send('text/html; charset=utf-8', html));
    app.get('/app.js', send('text/javascript; charset=utf-8', js));
  }
}
