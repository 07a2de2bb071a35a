import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { DigestServer } from '../../src/auth/digest-server.js';
import { InMemoryCredentialStore } from '../../src/auth/credential-store.js';
import { createResponse } from '../../src/message/create-response.js';
import type { SipResponse } from '../../src/message/sip-response.js';
import { SipEndpoint } from '../../src/ua/sip-endpoint.js';
import { FakeTransport } from './fake-transport.js';

const target = { transport: 'udp' as const, address: '127.0.0.1', port: 5070 };

function setup() {
  const net = new FakeTransport();
  const metrics = new MetricsRegistry();
  const ep = new SipEndpoint({ log: silentLogger(), metrics, transport: net });
  return { net, metrics, ep };
}

/** Answers the last request the endpoint sent with `status`, from the far end. */
function answer(net: FakeTransport, status: number, headers: [string, string][] = []): void {
  const req = net.requests().at(-1);
  assert.ok(req);
  const res = createResponse(req, status, undefined, { toTag: 'far', headers });
  net.user?.onMessage(res.serialize(), net.flow('udp', 5070));
}

void describe('SipEndpoint outbound', () => {
  let s: ReturnType<typeof setup>;
  beforeEach(() => (s = setup()));
  afterEach(async () => await s.ep.stop());

  void test('request(): Via with a fresh z9hG4bK branch and rport, Max-Forwards; resolves with the final response', async () => {
    const { net, ep, metrics } = s;
    const req = ep.createRequest('OPTIONS', 'sip:device@127.0.0.1:5070', { from: '<sip:beckon@127.0.0.1>' });
    const provisional: number[] = [];
    const p = ep.request(req, target, { onProvisional: (r) => provisional.push(r.status) });
    await Promise.resolve();
    const sent = net.requests()[0];
    assert.ok(sent);
    const via = sent.topVia();
    assert.equal(via?.transport, 'UDP');
    assert.equal(via?.host, '127.0.0.1');
    assert.equal(via?.port, 5060);
    assert.match(via?.branch ?? '', /^z9hG4bK.{8,}/);
    assert.equal(via?.params.get('rport'), null);
    assert.equal(sent.get('max-forwards'), '70');
    assert.equal(sent.get('user-agent'), 'Beckon');
    assert.ok(sent.fromTag);
    assert.equal(req.has('via'), false, "the caller's request is not modified");
    answer(net, 100);
    answer(net, 200);
    const res = await p;
    assert.equal(res.status, 200);
    assert.deepEqual(provisional, [100]);
    const out = metrics.get('sip_requests_out');
    const inn = metrics.get('sip_responses_in');
    assert.ok(out?.kind === 'counter' && inn?.kind === 'counter');
    assert.equal(out.get('OPTIONS'), 1);
    assert.equal(inn.get('OPTIONS', '200'), 1);
    assert.equal(inn.get('OPTIONS', '100'), 1);
  });

  void test('401: one automatic retry with digest credentials, CSeq+1, same Call-ID, new branch', async () => {
    const { net, ep } = s;
    const store = new InMemoryCredentialStore();
    store.set('beckon', 'dev1', { kind: 'password', password: 's3cret' });
    const server = new DigestServer(
      { log: silentLogger(), metrics: new MetricsRegistry(), credentials: store },
      { realm: 'beckon', algorithms: ['MD5'] },
    );
    const req = ep.createRequest('REGISTER', 'sip:127.0.0.1:5070', {
      from: '<sip:dev1@127.0.0.1>',
      to: '<sip:dev1@127.0.0.1>',
      cseq: 7,
    });
    const p = ep.request(req, target, { credentials: { username: 'dev1', password: 's3cret' } });
    await Promise.resolve();
    answer(
      net,
      401,
      server.challenge().map((c) => ['WWW-Authenticate', c] as [string, string]),
    );
    await Promise.resolve();
    const [first, second] = net.requests();
    assert.ok(first && second);
    assert.equal(second.cseq().seq, 8);
    assert.equal(second.callId, first.callId);
    assert.equal(second.fromTag, first.fromTag);
    assert.notEqual(second.topVia()?.branch, first.topVia()?.branch);
    assert.equal(second.getAll('via').length, 1);
    const v = await server.verify('REGISTER', second.get('authorization'));
    assert.equal(v.ok, true);
    answer(net, 200);
    assert.equal((await p).status, 200);
  });

  void test('owned request: the Via is added in place; a digest retry carries one fresh Via', async () => {
    const { net, ep } = s;
    const store = new InMemoryCredentialStore();
    store.set('beckon', 'dev1', { kind: 'password', password: 's3cret' });
    const server = new DigestServer(
      { log: silentLogger(), metrics: new MetricsRegistry(), credentials: store },
      { realm: 'beckon', algorithms: ['MD5'] },
    );
    const req = ep.createRequest('NOTIFY', 'sip:dev1@127.0.0.1:5070', {
      from: '<sip:beckon@127.0.0.1>',
      to: '<sip:dev1@127.0.0.1>;tag=abc',
      cseq: 3,
    });
    const p = ep.request(req, target, {
      credentials: { username: 'dev1', password: 's3cret' },
      owned: true,
    });
    await Promise.resolve();
    assert.equal(req.getAll('via').length, 1, 'the handed-over request carries the Via');
    answer(
      net,
      401,
      server.challenge().map((c) => ['WWW-Authenticate', c] as [string, string]),
    );
    await Promise.resolve();
    const [first, second] = net.requests();
    assert.ok(first && second);
    assert.equal(first.getAll('via').length, 1);
    assert.equal(second.getAll('via').length, 1);
    assert.notEqual(second.topVia()?.branch, first.topVia()?.branch);
    assert.equal(second.cseq().seq, 4);
    assert.equal(second.callId, first.callId);
    const v = await server.verify('NOTIFY', second.get('authorization'));
    assert.equal(v.ok, true);
    answer(net, 200);
    assert.equal((await p).status, 200);
  });

  void test('a second 401 is returned to the caller (only one retry)', async () => {
    const { net, ep } = s;
    const req = ep.createRequest('REGISTER', 'sip:127.0.0.1:5070', { from: '<sip:dev1@127.0.0.1>' });
    const p = ep.request(req, target, { credentials: { username: 'u', password: 'p' } });
    const challenge: [string, string] = [
      'WWW-Authenticate',
      'Digest realm="r", nonce="n1", qop="auth", algorithm=MD5',
    ];
    await Promise.resolve();
    answer(net, 401, [challenge]);
    await Promise.resolve();
    answer(net, 401, [challenge]);
    const res: SipResponse = await p;
    assert.equal(res.status, 401);
    assert.equal(net.requests().length, 2);
  });

  void test('INVITE 2xx: the core ACKs it (§13.2.2.4) and ACKs a retransmitted 2xx again', async () => {
    const { net, ep } = s;
    const req = ep.createRequest('INVITE', 'sip:x@127.0.0.1:5070', {
      from: '<sip:beckon@127.0.0.1>',
      cseq: 3,
      contact: '<sip:beckon@127.0.0.1:5060>',
    });
    const p = ep.request(req, target);
    await Promise.resolve();
    const invite = net.requests()[0];
    assert.ok(invite);
    answer(net, 200, [['Contact', '<sip:x@127.0.0.1:5071>']]);
    const res = await p;
    assert.equal(res.status, 200);
    const ack = net.requests()[1];
    assert.equal(ack?.method, 'ACK');
    assert.equal(ack.rawUri, 'sip:x@127.0.0.1:5071', 'to the remote target');
    assert.equal(ack.cseq().seq, 3);
    assert.equal(ack.cseq().method, 'ACK');
    assert.equal(ack.toTag, 'far');
    assert.equal(ack.callId, invite.callId);
    assert.notEqual(ack.topVia()?.branch, invite.topVia()?.branch, 'the 2xx ACK is a new transaction');
    // A retransmission of the 2xx (the transaction is in Accepted) is ACKed again.
    const again = createResponse(invite, 200, undefined, {
      toTag: 'far',
      headers: [['Contact', '<sip:x@127.0.0.1:5071>']],
    });
    net.user?.onMessage(again.serialize(), net.flow('udp', 5070));
    const acks = net.requests().filter((r) => r.method === 'ACK');
    assert.equal(acks.length, 2);
    assert.equal(acks[0]?.toString(), acks[1]?.toString());
  });

  void test('INVITE aborted: CANCEL waits for a provisional (§9.1), then goes with the INVITE branch; 487 resolves', async () => {
    const { net, ep } = s;
    const ac = new AbortController();
    const req = ep.createRequest('INVITE', 'sip:x@127.0.0.1:5070', {
      from: '<sip:beckon@127.0.0.1>',
      cseq: 4,
    });
    const p = ep.request(req, target, { signal: ac.signal });
    await Promise.resolve();
    ac.abort();
    assert.equal(net.requests().length, 1, 'no CANCEL before a provisional response');
    answer(net, 180);
    const [invite, cancel] = net.requests();
    assert.equal(cancel?.method, 'CANCEL');
    assert.equal(cancel.topVia()?.branch, invite?.topVia()?.branch);
    assert.equal(cancel.cseq().seq, 4);
    assert.equal(cancel.cseq().method, 'CANCEL');
    assert.equal(cancel.get('from'), invite?.get('from'));
    assert.equal(cancel.rawUri, invite?.rawUri);
    answer(net, 200); // to the CANCEL
    const inv = invite;
    assert.ok(inv);
    net.user?.onMessage(
      createResponse(inv, 487, undefined, { toTag: 'far' }).serialize(),
      net.flow('udp', 5070),
    );
    assert.equal((await p).status, 487);
    assert.equal(net.requests().at(-1)?.method, 'ACK', 'the 487 is ACKed by the transaction');
  });

  void test('transport refusal resolves as a local 503', async () => {
    const { net, ep } = s;
    net.send = async () => ({ ok: false, error: 'connect-failed' });
    const req = ep.createRequest('OPTIONS', 'sip:x@127.0.0.1:5070', { from: '<sip:beckon@127.0.0.1>' });
    const res = await ep.request(req, { transport: 'tcp', address: '127.0.0.1', port: 5070 });
    assert.equal(res.status, 503);
  });

  void test('no target and a non-SIP Request-URI resolves as a local 503', async () => {
    const req = s.ep.createRequest('MESSAGE', 'tel:+15551234', { from: '<sip:beckon@127.0.0.1>' });
    assert.equal((await s.ep.request(req)).status, 503);
  });

  void test('over a flow: sent on that flow, Via names its transport', async () => {
    const { net, ep } = s;
    const flow = net.flow('tcp', 40100);
    const req = ep.createRequest('NOTIFY', 'sip:dev@127.0.0.1:40100', { from: '<sip:beckon@127.0.0.1>' });
    const p = ep.request(req, flow);
    await Promise.resolve();
    assert.equal(net.sent[0]?.to, flow.id);
    assert.equal(net.requests()[0]?.topVia()?.transport, 'TCP');
    answer(net, 481);
    assert.equal((await p).status, 481);
  });
});

void describe('SipEndpoint outbound with fake timers', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'] }));
  afterEach(() => mock.timers.reset());

  void test('no answer: retransmitted over UDP, then a local 408 after Timer F', async () => {
    const { net, ep } = setup();
    const req = ep.createRequest('OPTIONS', 'sip:x@127.0.0.1:5070', { from: '<sip:beckon@127.0.0.1>' });
    const p = ep.request(req, target);
    await Promise.resolve();
    await Promise.resolve();
    for (let i = 0; i < 64; i++) {
      mock.timers.tick(500);
      await Promise.resolve();
    }
    const res = await p;
    assert.equal(res.status, 408);
    assert.equal(res.local, true, 'a locally generated 408');
    assert.equal(res.localReason, 'timeout');
    assert.equal(net.requests().length, 11);
    await ep.stop();
  });

  void test('INVITE 486: the transaction ACKs it (same branch, CSeq ACK, To tag of the response)', async () => {
    const { net, ep } = setup();
    const req = ep.createRequest('INVITE', 'sip:x@127.0.0.1:5070', { from: '<sip:beckon@127.0.0.1>' });
    const p = ep.request(req, target);
    await Promise.resolve();
    answer(net, 486);
    assert.equal((await p).status, 486);
    await Promise.resolve();
    const [invite, ack] = net.requests();
    assert.equal(ack?.method, 'ACK');
    assert.equal(ack?.topVia()?.branch, invite?.topVia()?.branch);
    assert.equal(ack?.cseq().method, 'ACK');
    assert.equal(ack?.cseq().seq, invite?.cseq().seq);
    assert.equal(ack?.toTag, 'far');
    await ep.stop();
  });
});
