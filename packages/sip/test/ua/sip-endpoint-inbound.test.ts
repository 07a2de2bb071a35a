import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { SipEndpoint } from '../../src/ua/sip-endpoint.js';
import { TransactionState } from '../../src/transaction/transaction-state.js';
import { FakeTransport, requestText } from './fake-transport.js';

function counter(reg: MetricsRegistry, name: string, ...labels: string[]): number {
  const m = reg.get(name);
  assert.ok(m && m.kind === 'counter', `${name} registered`);
  return m.get(...labels);
}

void describe('SipEndpoint inbound', () => {
  let net: FakeTransport;
  let metrics: MetricsRegistry;
  let ep: SipEndpoint;

  beforeEach(() => {
    net = new FakeTransport();
    metrics = new MetricsRegistry();
    ep = new SipEndpoint({ log: silentLogger(), metrics, transport: net }, { supported: ['path'] });
  });
  afterEach(async () => {
    await ep.stop();
  });

  void test('OPTIONS is answered 200 with Allow, Accept, Supported; Via gets received and rport; To gets a tag', () => {
    const flow = net.flow('udp', 40001);
    net.inject(requestText('OPTIONS'), flow);
    const [res] = net.responses();
    assert.ok(res);
    assert.equal(res.status, 200);
    assert.match(res.get('allow') ?? '', /OPTIONS/);
    assert.equal(res.get('accept'), 'application/sdp');
    assert.equal(res.get('supported'), 'path');
    assert.equal(res.get('server'), 'Beckon');
    const via = res.topVia();
    assert.equal(via?.params.get('rport'), '40001');
    assert.equal(via?.params.get('received'), '127.0.0.1');
    assert.ok(res.toTag);
    assert.equal(net.sent[0]?.to, flow.id, 'rport: back over the same flow');
    assert.equal(counter(metrics, 'sip_requests_in', 'OPTIONS'), 1);
    assert.equal(counter(metrics, 'sip_responses_out', 'OPTIONS', '200'), 1);
  });

  void test('a retransmitted request gets the same response again without reaching the handler twice', () => {
    let calls = 0;
    ep.onRequest('REGISTER', (ctx) => {
      calls++;
      ctx.respond(200, undefined, { Contact: ctx.request.get('contact') ?? '', Expires: '300' });
    });
    const flow = net.flow();
    const text = requestText('REGISTER', {
      uri: 'sip:127.0.0.1',
      extra: ['Contact: <sip:dev@127.0.0.1:40000>'],
    });
    net.inject(text, flow);
    net.inject(text, flow);
    assert.equal(calls, 1);
    assert.equal(net.sent.length, 2);
    assert.equal(net.sent[0]?.text, net.sent[1]?.text);
    assert.equal(net.responses()[0]?.get('contact'), '<sip:dev@127.0.0.1:40000>');
    const rtx = metrics.get('sip_retransmissions');
    assert.ok(rtx?.kind === 'counter');
    assert.equal(rtx.get('in'), 1);
    assert.equal(rtx.get('out'), 1);
    assert.equal(counter(metrics, 'sip_requests_in', 'REGISTER'), 1, 'retransmissions are not requests_in');
    assert.equal(counter(metrics, 'sip_retransmissions_received', 'request'), 1);
    assert.equal(counter(metrics, 'sip_retransmissions_sent', 'REGISTER', 'final'), 1);
    assert.equal(counter(metrics, 'sip_responses_out', 'REGISTER', '200'), 1);
  });

  void test('unknown method: 501; known but unhandled: 405 with Allow', () => {
    const flow = net.flow();
    net.inject(requestText('FOO', { branch: 'z9hG4bK-a' }), flow);
    net.inject(requestText('SUBSCRIBE', { branch: 'z9hG4bK-b', callId: 'c2' }), flow);
    const [r1, r2] = net.responses();
    assert.equal(r1?.status, 501);
    assert.equal(r2?.status, 405);
    assert.equal(r2?.get('allow'), 'OPTIONS');
  });

  void test('Require with an unknown option-tag: 420 with Unsupported', () => {
    ep.onRequest('MESSAGE', (ctx) => void ctx.respond(200));
    net.inject(requestText('MESSAGE', { extra: ['Require: path, 100rel'] }), net.flow());
    const [res] = net.responses();
    assert.equal(res?.status, 420);
    assert.equal(res?.get('unsupported'), '100rel');
  });

  void test('unsupported URI scheme: 416', () => {
    ep.onRequest('MESSAGE', (ctx) => void ctx.respond(200));
    net.inject(requestText('MESSAGE', { uri: 'tel:+15551234' }), net.flow());
    assert.equal(net.responses()[0]?.status, 416);
  });

  void test('Max-Forwards 0: 483 except for OPTIONS', () => {
    ep.onRequest('REGISTER', (ctx) => void ctx.respond(200));
    const flow = net.flow();
    net.inject(
      requestText('REGISTER', { branch: 'z9hG4bK-r' }).replace('Max-Forwards: 70', 'Max-Forwards: 0'),
      flow,
    );
    net.inject(
      requestText('OPTIONS', { branch: 'z9hG4bK-o' }).replace('Max-Forwards: 70', 'Max-Forwards: 0'),
      flow,
    );
    assert.deepEqual(
      net.responses().map((r) => r.status),
      [483, 200],
    );
  });

  void test('malformed request with a readable Via: stateless 400 with Warning; counted and reported', () => {
    const flow = net.flow();
    const bad = requestText('OPTIONS').replace('Content-Length: 0', 'Content-Length: 0\r\nBad Header Line');
    net.inject(bad, flow);
    const [res] = net.responses();
    assert.equal(res?.status, 400);
    assert.match(res?.reason ?? '', /^Bad Request/);
    assert.match(res?.get('warning') ?? '', /^399 127\.0\.0\.1:5060 "/);
    const errors = metrics.get('sip_parse_errors');
    assert.ok(errors?.kind === 'counter');
    assert.equal(errors.total(), 1);
  });

  void test('garbage without a Via is dropped (counted, nothing sent)', () => {
    net.inject('hello world\r\n\r\n', net.flow());
    assert.equal(net.sent.length, 0);
    const errors = metrics.get('sip_parse_errors');
    assert.ok(errors?.kind === 'counter');
    assert.equal(errors.total(), 1);
  });

  void test('a handler that throws or rejects answers 500', async () => {
    ep.onRequest('MESSAGE', () => {
      throw new Error('boom');
    });
    ep.onRequest('INFO', async () => {
      await Promise.resolve();
      throw new Error('later');
    });
    const flow = net.flow();
    net.inject(requestText('MESSAGE', { branch: 'z9hG4bK-m' }), flow);
    net.inject(requestText('INFO', { branch: 'z9hG4bK-i', callId: 'c-info' }), flow);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      net.responses().map((r) => r.status),
      [500, 500],
    );
  });

  void test('merged request (same From tag, Call-ID, CSeq, other branch): 482', () => {
    ep.onRequest('MESSAGE', () => {
      /* answers later */
    });
    const flow = net.flow();
    net.inject(requestText('MESSAGE', { branch: 'z9hG4bK-p1' }), flow);
    net.inject(requestText('MESSAGE', { branch: 'z9hG4bK-p2' }), flow);
    assert.deepEqual(
      net.responses().map((r) => r.status),
      [482],
    );
  });

  void test('INVITE: 100 Trying; CANCEL: 200 and 487 to the INVITE; ACK of the 487 confirms the transaction', () => {
    let cancelled = false;
    ep.onRequest('INVITE', (ctx) => ctx.onCancel(() => (cancelled = true)));
    const flow = net.flow();
    net.inject(requestText('INVITE', { branch: 'z9hG4bK-inv' }), flow);
    assert.deepEqual(
      net.responses().map((r) => r.status),
      [100],
    );
    net.inject(requestText('CANCEL', { branch: 'z9hG4bK-inv' }), flow);
    const statuses = net.responses().map((r) => `${r.status} ${r.cseq().method}`);
    assert.deepEqual(statuses, ['100 INVITE', '200 CANCEL', '487 INVITE']);
    assert.equal(cancelled, true);
    const r487 = net.responses()[2];
    assert.ok(r487?.toTag);
    net.inject(requestText('ACK', { branch: 'z9hG4bK-inv', toTag: r487.toTag }), flow);
    assert.equal(net.sent.length, 3, 'ACK gets no response');
  });

  void test('CANCEL matching nothing: 481', () => {
    net.inject(requestText('CANCEL', { branch: 'z9hG4bK-none' }), net.flow());
    assert.equal(net.responses()[0]?.status, 481);
  });

  void test('stray ACK is absorbed', () => {
    net.inject(requestText('ACK', { branch: 'z9hG4bK-stray', toTag: 'x' }), net.flow());
    assert.equal(net.sent.length, 0);
    assert.equal(counter(metrics, 'sip_requests_in', 'ACK'), 1);
  });

  void test('UDP without rport: the response goes to received + sent-by port', () => {
    const flow = net.flow('udp', 40002, '127.0.0.2');
    net.inject(requestText('OPTIONS', { via: 'SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK-nr' }), flow);
    assert.equal(net.sent[0]?.to, 'udp>127.0.0.2:5070');
    assert.equal(net.responses()[0]?.topVia()?.params.get('received'), '127.0.0.2');
  });

  void test('TCP: the response goes back over the connection', () => {
    const flow = net.flow('tcp', 40003);
    net.inject(requestText('OPTIONS', { via: 'SIP/2.0/TCP 127.0.0.1:5090;branch=z9hG4bK-t' }), flow);
    assert.equal(net.sent[0]?.to, flow.id);
  });
});

void describe('SipEndpoint inbound with fake timers', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'] }));
  afterEach(() => mock.timers.reset());

  void test('2xx to INVITE is retransmitted (T1 doubling to T2) until the ACK arrives', async () => {
    const net = new FakeTransport();
    const ep = new SipEndpoint({ log: silentLogger(), metrics: new MetricsRegistry(), transport: net });
    let acked = 0;
    ep.onRequest('INVITE', (ctx) => {
      ctx.onAck(() => acked++);
      ctx.respond(200, undefined, { Contact: '<sip:beckon@127.0.0.1:5060>' });
    });
    const flow = net.flow();
    net.inject(requestText('INVITE', { branch: 'z9hG4bK-i2' }), flow);
    assert.deepEqual(
      net.responses().map((r) => r.status),
      [100, 200],
    );
    mock.timers.tick(500);
    mock.timers.tick(1000);
    mock.timers.tick(2000);
    assert.equal(net.responses().filter((r) => r.status === 200).length, 4);
    const toTag = net.responses()[1]?.toTag;
    net.inject(requestText('ACK', { branch: 'z9hG4bK-ack2', toTag }), flow);
    assert.equal(acked, 1);
    mock.timers.tick(4000);
    assert.equal(net.responses().filter((r) => r.status === 200).length, 4, 'no more after the ACK');
    await ep.stop();
  });

  void test('handlers that never answer: non-INVITE dropped after 64*T1, INVITE answered 408', async () => {
    const net = new FakeTransport();
    const ep = new SipEndpoint(
      { log: silentLogger(), metrics: new MetricsRegistry(), transport: net },
      { inviteTimeoutMs: 60_000 },
    );
    ep.onRequest('MESSAGE', () => {});
    ep.onRequest('INVITE', () => {});
    const flow = net.flow();
    net.inject(requestText('MESSAGE', { branch: 'z9hG4bK-m1', callId: 'm1' }), flow);
    net.inject(requestText('INVITE', { branch: 'z9hG4bK-i1', callId: 'i1' }), flow);
    assert.equal(ep.transactions.size, 2);
    mock.timers.tick(32_000);
    assert.equal(ep.transactions.size, 1, 'the MESSAGE transaction is gone');
    mock.timers.tick(28_000);
    assert.deepEqual(
      net.responses().map((r) => r.status),
      [100, 408],
    );
    await ep.stop();
  });

  void test('non-INVITE server transaction over UDP lives for Timer J then is gone', async () => {
    const net = new FakeTransport();
    const ep = new SipEndpoint({ log: silentLogger(), metrics: new MetricsRegistry(), transport: net });
    const flow = net.flow();
    net.inject(requestText('OPTIONS'), flow);
    const req = (await import('../../src/message/parse-message.js')).parseMessage(
      Buffer.from(requestText('OPTIONS').replace('rport', 'rport=40000;received=127.0.0.1')),
    );
    assert.ok(req.ok && req.message.kind === 'request');
    const tx = ep.transactions.findServer(req.message);
    assert.equal(tx?.state, TransactionState.Completed);
    mock.timers.tick(32_000);
    assert.equal(ep.transactions.size, 0);
    await ep.stop();
  });
});
