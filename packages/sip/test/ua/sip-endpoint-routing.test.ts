import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { SipEndpoint } from '../../src/ua/sip-endpoint.js';
import { FakeTransport, requestText } from './fake-transport.js';

void describe('SipEndpoint routing: stateless methods, request filters, dialog routes, local responses', () => {
  let net: FakeTransport;
  let metrics: MetricsRegistry;
  let ep: SipEndpoint;

  beforeEach(() => {
    net = new FakeTransport();
    metrics = new MetricsRegistry();
    ep = new SipEndpoint({ log: silentLogger(), metrics, transport: net }, { statelessMethods: ['OPTIONS'] });
  });
  afterEach(async () => {
    await ep.stop();
  });

  void test('stateless OPTIONS: answered 200 without a server transaction; a retransmission is answered again', () => {
    const flow = net.flow('udp', 40001);
    const text = requestText('OPTIONS');
    net.inject(text, flow);
    net.inject(text, flow);
    const responses = net.responses();
    assert.deepEqual(
      responses.map((r) => r.status),
      [200, 200],
    );
    assert.equal(ep.transactions.size, 0);
    const via = responses[0]?.topVia();
    assert.equal(via?.params.get('rport'), '40001');
    assert.ok(responses[0]?.toTag);
    assert.match(responses[0]?.get('allow') ?? '', /OPTIONS/);
  });

  void test('stateless methods still get the RFC 3261 §8.2 checks (420 for an unknown Require)', () => {
    net.inject(requestText('OPTIONS', { extra: ['Require: foo'] }), net.flow());
    const [res] = net.responses();
    assert.equal(res?.status, 420);
    assert.equal(res?.get('unsupported'), 'foo');
  });

  void test('stateless INVITE is ignored: INVITE keeps its transaction', () => {
    const other = new FakeTransport();
    const ep2 = new SipEndpoint(
      { log: silentLogger(), metrics: new MetricsRegistry(), transport: other },
      { statelessMethods: ['INVITE'] },
    );
    ep2.onRequest('INVITE', () => undefined);
    other.inject(requestText('INVITE'), other.flow());
    assert.equal(ep2.transactions.size, 1);
    void ep2.stop();
  });

  void test('a request filter takes matching requests before the method handler; removal restores it', () => {
    const seen: string[] = [];
    ep.onRequest('NOTIFY', (ctx) => {
      seen.push('method');
      ctx.respond(200);
    });
    const remove = ep.addRequestFilter((req) =>
      req.get('event') === 'mine'
        ? (ctx) => {
            seen.push('filter');
            ctx.respond(202);
          }
        : undefined,
    );
    net.inject(requestText('NOTIFY', { branch: 'z9hG4bK-n1', extra: ['Event: mine'] }), net.flow());
    net.inject(requestText('NOTIFY', { branch: 'z9hG4bK-n2', cseq: 2, extra: ['Event: other'] }), net.flow());
    remove();
    net.inject(requestText('NOTIFY', { branch: 'z9hG4bK-n3', cseq: 3, extra: ['Event: mine'] }), net.flow());
    assert.deepEqual(seen, ['filter', 'method', 'method']);
    assert.deepEqual(
      net.responses().map((r) => r.status),
      [202, 200, 200],
    );
  });

  void test('a filter may take a method that has no handler (no 405)', () => {
    ep.addRequestFilter((req) => (req.method === 'MESSAGE' ? (ctx) => void ctx.respond(200) : undefined));
    net.inject(requestText('MESSAGE'), net.flow());
    assert.equal(net.responses()[0]?.status, 200);
  });

  void test('a dialog route gets in-dialog requests of any method by Call-ID and tags', () => {
    const got: string[] = [];
    ep.onRequest('SUBSCRIBE', (ctx) => void ctx.respond(489));
    const remove = ep.routeDialog({ callId: 'dlg-1', localTag: 'ours', remoteTag: 'theirs' }, (ctx) => {
      got.push(ctx.method);
      ctx.respond(200);
    });
    const inDialog = { callId: 'dlg-1', toTag: 'ours', fromTag: 'theirs' };
    net.inject(requestText('SUBSCRIBE', { ...inDialog, branch: 'z9hG4bK-d1' }), net.flow());
    net.inject(requestText('NOTIFY', { ...inDialog, branch: 'z9hG4bK-d2', cseq: 2 }), net.flow());
    // Other tags: not this dialog, so the method handler answers.
    net.inject(
      requestText('SUBSCRIBE', { ...inDialog, toTag: 'x', branch: 'z9hG4bK-d3', cseq: 3 }),
      net.flow(),
    );
    remove();
    net.inject(requestText('SUBSCRIBE', { ...inDialog, branch: 'z9hG4bK-d4', cseq: 4 }), net.flow());
    assert.deepEqual(got, ['SUBSCRIBE', 'NOTIFY']);
    assert.deepEqual(
      net.responses().map((r) => r.status),
      [200, 200, 489, 489],
    );
  });

  void test('request(): a local 503 says so (res.local, res.localReason); a received response does not', async () => {
    const other = new FakeTransport();
    const stopped = new SipEndpoint({
      log: silentLogger(),
      metrics: new MetricsRegistry(),
      transport: other,
    });
    await stopped.stop();
    const req = stopped.createRequest('OPTIONS', 'sip:x@127.0.0.1:5070', { from: '<sip:b@127.0.0.1>' });
    const res = await stopped.request(req, { transport: 'udp', address: '127.0.0.1', port: 5070 });
    assert.equal(res.status, 503);
    assert.equal(res.local, true);
    assert.equal(res.localReason, 'stopped');
    assert.equal(res.clone().local, true);
    const noRoute = await ep.request(ep.createRequest('OPTIONS', 'tel:+1555', { from: '<sip:b@127.0.0.1>' }));
    assert.equal(noRoute.status, 503);
    assert.equal(noRoute.localReason, 'no-route');
    net.inject(requestText('OPTIONS'), net.flow());
    assert.equal(net.responses()[0]?.local, false);
  });
});
