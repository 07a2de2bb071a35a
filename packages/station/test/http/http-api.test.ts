import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { HttpApi } from '../../src/http/index.js';
import { LocationService } from '../../src/location/index.js';
import { MemoryLocationStore } from '../snmp/helpers/memory-location-store.js';

void describe('HttpApi', () => {
  let location: LocationService;
  let api: HttpApi;
  let base: string;

  before(async () => {
    const metrics = new MetricsRegistry();
    metrics.counter('sip_requests_in', 'SIP requests received', ['method']).inc(['OPTIONS'], 3);
    location = new LocationService({ store: new MemoryLocationStore(), metrics });
    await location.start();
    const now = Date.now();
    for (const [user, mac] of [
      ['1000', '00112233aabb'],
      ['1001', '00112233aabb'],
      ['2000', '0011223344cc'],
    ] as const) {
      const aor = `sip:${user}@example.net`;
      const r = await location.applyRegister(aor, {
        callId: `c${user}`,
        cseq: 1,
        add: [
          {
            aor,
            contact: `sip:${user}@127.0.0.1:5070`,
            contactParams: { q: '0.8' },
            instrument: mac,
            callId: `c${user}`,
            cseq: 1,
            expiresAt: now + 3_600_000,
            receivedAt: now,
            flow: {
              transport: 'udp',
              localAddress: '127.0.0.1',
              localPort: 5060,
              remoteAddress: '127.0.0.1',
              remotePort: 5070,
            },
          },
        ],
      });
      assert.ok(r.ok);
    }
    api = new HttpApi(
      { log: silentLogger(), metrics, location, health: () => ({ snmp: 'running' }) },
      { listen: { host: '127.0.0.1', port: 0 } },
    );
    api.registerRoutes((app, ctx) => {
      app.get('/api/v1/echo-extension', async (_req, reply) =>
        ctx.fail(reply, 409, 'extension says no', 'x'),
      );
    });
    const s = await api.start();
    assert.ok(s.ok, JSON.stringify(s));
    base = `http://127.0.0.1:${s.address.port}`;
  });

  after(async () => {
    await api?.stop();
    await location?.stop();
  });

  const get = async (path: string): Promise<{ status: number; type: string; body: string }> => {
    const r = await fetch(base + path);
    return { status: r.status, type: r.headers.get('content-type') ?? '', body: await r.text() };
  };

  void test('GET /metrics is Prometheus text from the MetricsRegistry', async () => {
    const r = await get('/metrics');
    assert.equal(r.status, 200);
    assert.match(r.type, /^text\/plain; version=0\.0\.4/);
    assert.match(r.body, /^beckon_sip_requests_in\{method="OPTIONS"\} 3$/m);
    assert.match(r.body, /^beckon_registrar_bindings 3$/m);
  });

  void test('GET /api/v1/health and /api/v1/counters', async () => {
    const h = JSON.parse((await get('/api/v1/health')).body) as Record<string, unknown>;
    assert.equal(h['status'], 'ok');
    assert.equal(h['snmp'], 'running');
    assert.deepEqual(h['location'], { state: 'running', bindings: 3, aors: 3, instruments: 2 });
    const c = JSON.parse((await get('/api/v1/counters')).body) as Record<string, { samples: unknown[] }>;
    assert.deepEqual(c['sip_requests_in']?.samples, [{ labels: { method: 'OPTIONS' }, value: 3 }]);
  });

  void test('GET /api/v1/instruments lists instrument -> lines; /:id shows contacts', async () => {
    const r = JSON.parse((await get('/api/v1/instruments')).body) as {
      count: number;
      instruments: { instrument: string; lines: string[] }[];
    };
    assert.equal(r.count, 2);
    assert.deepEqual(r.instruments[0], {
      instrument: '0011223344cc',
      lines: ['sip:2000@example.net'],
    });
    assert.deepEqual(r.instruments[1]?.lines, ['sip:1000@example.net', 'sip:1001@example.net']);
    // any MAC spelling finds the instrument
    const one = await get('/api/v1/instruments/00:11:22:33:AA:BB');
    assert.equal(one.status, 200);
    const v = JSON.parse(one.body) as {
      instrument: string;
      lines: { aor: string; contacts: { q: string; source: string }[] }[];
    };
    assert.equal(v.instrument, '00112233aabb');
    assert.equal(v.lines.length, 2);
    assert.equal(v.lines[0]?.contacts[0]?.q, '0.8');
    assert.equal(v.lines[0]?.contacts[0]?.source, '127.0.0.1:5070');
    const missing = await get('/api/v1/instruments/ffffffffffff');
    assert.equal(missing.status, 404);
    assert.deepEqual(JSON.parse(missing.body), {
      error: 'instrument ffffffffffff has no binding',
      field: 'id',
    });
  });

  void test('GET /api/v1/bindings by aor, by instrument, both, and all (paged)', async () => {
    type B = { count: number; bindings: { aor: string; contact: string }[]; nextAfterUserIndex?: number };
    const byAor = JSON.parse((await get('/api/v1/bindings?aor=sip:1001@example.net')).body) as B;
    assert.deepEqual(
      byAor.bindings.map((b) => b.contact),
      ['sip:1001@127.0.0.1:5070'],
    );
    const byInstr = JSON.parse((await get('/api/v1/bindings?instrument=00112233AABB')).body) as B;
    assert.equal(byInstr.count, 2);
    const both = JSON.parse(
      (await get('/api/v1/bindings?instrument=00112233aabb&aor=sip:2000@example.net')).body,
    ) as B;
    assert.equal(both.count, 0);
    const page1 = JSON.parse((await get('/api/v1/bindings?limit=2')).body) as B;
    assert.equal(page1.count, 2);
    assert.equal(page1.nextAfterUserIndex, 2);
    const page2 = JSON.parse(
      (await get(`/api/v1/bindings?limit=2&afterUserIndex=${page1.nextAfterUserIndex}`)).body,
    ) as B;
    assert.deepEqual(
      page2.bindings.map((b) => b.aor),
      ['sip:2000@example.net'],
    );
    assert.equal(page2.nextAfterUserIndex, undefined);
  });

  void test('bad query parameters: 400 with { error, field }', async () => {
    for (const [path, field] of [
      ['/api/v1/bindings?aor=not-an-aor', 'aor'],
      ['/api/v1/bindings?limit=0', 'limit'],
      ['/api/v1/bindings?limit=abc', 'limit'],
      ['/api/v1/bindings?colour=red', 'colour'],
      ['/api/v1/instruments?limit=-1', 'limit'],
      ['/metrics?x=1', 'x'],
    ] as const) {
      const r = await get(path);
      assert.equal(r.status, 400, path);
      assert.match(r.type, /^application\/json/);
      const body = JSON.parse(r.body) as { error: string; field: string };
      assert.equal(body.field, field, `${path}: ${r.body}`);
      assert.equal(typeof body.error, 'string');
    }
    const nf = await get('/api/v1/nothing');
    assert.equal(nf.status, 404);
    assert.equal((JSON.parse(nf.body) as { error: string }).error, 'no route GET /api/v1/nothing');
  });

  void test('route plug-ins are served and use the same error shape', async () => {
    const r = await get('/api/v1/echo-extension');
    assert.equal(r.status, 409);
    assert.deepEqual(JSON.parse(r.body), { error: 'extension says no', field: 'x' });
    assert.throws(() => api.registerRoutes(() => undefined), /after start/);
  });

  void test('the web UI is served at / with its ES module', async () => {
    const html = await get('/');
    assert.equal(html.status, 200);
    assert.match(html.type, /^text\/html/);
    assert.match(html.body, /<script type="module" src="\/app\.js">/);
    const js = await get('/app.js');
    assert.equal(js.status, 200);
    assert.match(js.type, /^text\/javascript/);
    assert.match(js.body, /\/api\/v1\/instruments/);
  });
});
