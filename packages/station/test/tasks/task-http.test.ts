/**
 * Task service without SIP: a stand-in management service answers each request by opening a "session"
 * at once with a stand-in SNMP client; the REST routes, the HTTP client and the CLI commands over it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import type { BasicPdu, Oid } from '@beckon/snmp';
import type { SnmpSessionClient } from '../../src/callhome/index.js';
import type { CallHomeSession, ManagementRequest } from '../../src/management/index.js';
import {
  MemoryTaskStore,
  TaskHttpClient,
  TaskService,
  runTaskCli,
  runTaskCommand,
  taskHttpRoutes,
} from '../../src/tasks/index.js';

const pdu = (oids: readonly Oid[], text: string): { ok: true; value: BasicPdu } => ({
  ok: true,
  value: {
    type: 'Response',
    requestId: 1,
    errorStatus: 0,
    errorIndex: 0,
    varbinds: oids.map((oid) => ({ oid, value: { type: 'OctetString', value: Buffer.from(text) } })),
  },
});

/** Devices named `offline-*` never call home; `bad-*` call home and fail authentication. */
function fixture() {
  let seq = 0;
  const requests: ManagementRequest[] = [];
  const ref: { tasks?: TaskService } = {};
  const client = {
    protocol: 'snmp-tls',
    get: (oids: readonly Oid[]) => Promise.resolve(pdu(oids, 'fake device')),
    getNext: (oids: readonly Oid[]) => Promise.resolve(pdu(oids, 'next')),
    set: () => Promise.resolve({ ok: false, error: { kind: 'timeout' } }),
    walk: () => Promise.resolve({ ok: true, value: [] }),
  } as unknown as SnmpSessionClient;
  const tasks = new TaskService(
    {
      log: silentLogger(),
      metrics: new MetricsRegistry(),
      store: new MemoryTaskStore(),
      management: {
        request: (input) => {
          const now = Date.now();
          const r: ManagementRequest = {
            id: `req${++seq}`,
            target: input.target,
            preferred: input.protocol ?? null,
            strict: false,
            requestedBy: input.requestedBy ?? null,
            state: 'queued' as ManagementRequest['state'],
            device: null,
            protocol: null,
            groupId: null,
            subscriptionId: null,
            createdAt: now,
            updatedAt: now,
            deadlineAt: now + 60_000,
            notifiedAt: null,
            detail: null,
          };
          requests.push(r);
          if (!input.target.startsWith('offline'))
            setImmediate(() => {
              const session = {
                groupId: r.id,
                device: `inst:${input.target}`,
                protocol: 'snmp-tls',
                requestIds: [r.id],
                peer: '192.0.2.1:4000',
              } as unknown as CallHomeSession;
              const t = ref.tasks as TaskService;
              if (input.target.startsWith('bad')) t.failed(session, 'unauthenticated: test');
              else void t.run({ session, client, authenticatedAs: 'tls:test' });
            });
          return Promise.resolve({ ok: true, request: { ...r } });
        },
        get: (id) => Promise.resolve(requests.find((r) => r.id === id)),
      },
    },
    { maxInFlight: 2 },
  );
  ref.tasks = tasks;
  return { tasks, requests };
}

let app: FastifyInstance;
let base: string;
const f = fixture();

before(async () => {
  app = Fastify({ logger: false, ajv: { customOptions: { removeAdditional: false, coerceTypes: true } } });
  await taskHttpRoutes(f.tasks)(app, {
    log: silentLogger(),
    metrics: new MetricsRegistry(),
    location: undefined as never,
    fail: (reply, status, error, field) => void reply.code(status).send(field ? { error, field } : { error }),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});
after(async () => {
  f.tasks.stop();
  await app.close();
});

void test('REST: create waits for the result (200) or answers queued (202); list, show, retry, 404', async () => {
  const done = await fetch(`${base}/api/v1/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ device: 'dev1', ops: [{ op: 'get', oids: ['sysDescr.0'] }], timeoutMs: 5000 }),
  });
  assert.equal(done.status, 200);
  const d = (await done.json()) as { task: { state: string; results: { varbinds: { value: string }[] }[] } };
  assert.equal(d.task.state, 'done');
  assert.equal(d.task.results[0]?.varbinds[0]?.value, 'fake device');
  const q = await fetch(`${base}/api/v1/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ device: 'offline-1', ops: [{ op: 'get', oids: ['sysDescr.0'] }], timeoutMs: 50 }),
  });
  assert.equal(q.status, 202);
  const bad = await fetch(`${base}/api/v1/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ device: 'dev1', ops: [{ op: 'get', oids: ['nope.0'] }] }),
  });
  assert.equal(bad.status, 400);
  const shape = await fetch(`${base}/api/v1/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ device: 'dev1', ops: [{ op: 'delete' }] }),
  });
  assert.equal(shape.status, 400);
  const list = (await (await fetch(`${base}/api/v1/tasks?device=dev1`)).json()) as { tasks: unknown[] };
  assert.equal(list.tasks.length, 1);
  assert.equal((await fetch(`${base}/api/v1/tasks/zzz`)).status, 404);
  const rt = await fetch(`${base}/api/v1/tasks/zzz/retry`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(rt.status, 404);
});

void test('CLI over the HTTP client: create, failed device, retry, list, recipes; bulk with a backlog', async () => {
  const api = new TaskHttpClient(base);
  const c = await runTaskCommand(['create', '--device', 'dev2', '--get', 'sysName.0', '--timeout', '5'], api);
  assert.equal(c.code, 0, c.out);
  assert.match(c.out, /sysName\.0 = OctetString: fake device/);
  const b = await runTaskCommand(
    ['create', '--device', 'bad-1', '--get', 'sysName.0', '--timeout', '5'],
    api,
  );
  assert.equal(b.code, 1, b.out);
  assert.match(b.out, /fault: call-home session failed: unauthenticated: test/);
  const id = /^task (\S+)/.exec(b.out)?.[1] as string;
  const r = await runTaskCommand(['retry', id, '--timeout', '5'], api);
  assert.equal(r.code, 1, 'fails again: the device still fails authentication');
  assert.match(r.out, /attempts 2/);
  const l = await runTaskCommand(['list', '--state', 'failed'], api);
  assert.match(l.out, new RegExp(`^${id} `));
  const rec = await runTaskCommand(['recipes'], api);
  assert.match(rec.out, /^sip-ua-config /m);
  // maxInFlight 2: offline-1 holds a slot; five devices go through the remaining one in turn
  const bulk = await runTaskCommand(
    ['create', '--device', 'd1,d2,d3,d4,d5', '--get', 'sysDescr.0', '--timeout', '5', '--json'],
    api,
  );
  assert.equal(bulk.code, 0, bulk.out);
  const m = JSON.parse(bulk.out) as { results: { result: { task: { state: string } } }[] };
  assert.deepEqual(
    m.results.map((x) => x.result.task.state),
    ['done', 'done', 'done', 'done', 'done'],
  );
  const unreachable = await runTaskCommand(['show', 'x'], new TaskHttpClient('http://127.0.0.1:1'));
  assert.equal(unreachable.code, 1);
  const viaEnv = await runTaskCli(['list', '--device', 'dev2'], { BECKON_STATION_URL: base });
  assert.match(viaEnv.out, /dev2 {2}done/);
  const viaFlag = await runTaskCli(['--station', base, 'show', id]);
  assert.match(viaFlag.out, new RegExp(`^task ${id} {2}device bad-1 {2}failed`));
});
