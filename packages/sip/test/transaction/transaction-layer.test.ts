import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { parseMessage } from '../../src/message/parse-message.js';
import type { SipRequest } from '../../src/message/sip-request.js';
import type { SipResponse } from '../../src/message/sip-response.js';
import { createResponse } from '../../src/message/create-response.js';
import { InviteServerTransaction } from '../../src/transaction/invite-server-transaction.js';
import { TransactionLayer } from '../../src/transaction/transaction-layer.js';
import { TransactionState } from '../../src/transaction/transaction-state.js';
import {
  canonicalSentBy,
  isRfc3261Branch,
  newBranch,
  serverTransactionKey,
} from '../../src/transaction/transaction-key.js';
import { FakeChannel, recorder } from './fake-channel.js';

function req(text: string): SipRequest {
  const p = parseMessage(Buffer.from(text.replace(/\n/g, '\r\n')));
  assert.ok(p.ok, p.ok ? '' : p.error.reason);
  assert.equal(p.message.kind, 'request');
  return p.message as SipRequest;
}

function request(method: string, via: string, cseqMethod = method, extra = ''): SipRequest {
  return req(
    `${method} sip:bob@127.0.0.1 SIP/2.0
Via: ${via}
Max-Forwards: 70
From: <sip:alice@127.0.0.1>;tag=f1
To: <sip:bob@127.0.0.1>${extra}
Call-ID: c1@test
CSeq: 5 ${cseqMethod}
Content-Length: 0

`,
  );
}

function response(r: SipRequest, status: number): SipResponse {
  const res = createResponse(r, status, undefined, { toTag: 't1' });
  const p = parseMessage(res.serialize());
  assert.ok(p.ok);
  return p.message as SipResponse;
}

void describe('transaction keys (RFC 3261 §17.1.3, §17.2.3)', () => {
  void test('magic cookie detection and fresh branches', () => {
    assert.equal(isRfc3261Branch('z9hG4bK'), false, 'the cookie alone is not a branch');
    assert.equal(isRfc3261Branch('z9hG4bKabc'), true);
    assert.equal(isRfc3261Branch('abc'), false);
    const a = newBranch();
    const b = newBranch();
    assert.ok(a.startsWith('z9hG4bK') && a.length > 15);
    assert.notEqual(a, b);
  });

  void test('sent-by is compared with a lowercase host and the default port made explicit', () => {
    assert.equal(canonicalSentBy('Host.Example', undefined, 'UDP'), 'host.example:5060');
    assert.equal(canonicalSentBy('h', undefined, 'TLS'), 'h:5061');
    assert.equal(
      serverTransactionKey('z9hG4bKx', 'h:5060', 'ACK'),
      serverTransactionKey('z9hG4bKx', 'h:5060', 'INVITE'),
    );
  });
});

void describe('TransactionLayer', () => {
  let layer: TransactionLayer;
  let metrics: MetricsRegistry;
  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    metrics = new MetricsRegistry();
    layer = new TransactionLayer({ log: silentLogger(), metrics });
  });
  afterEach(() => {
    layer.dispose();
    mock.timers.reset();
  });

  void test('client: a response matches by branch and CSeq method; a CANCEL with the same branch is separate', () => {
    const invite = request('INVITE', 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKc1');
    const cancel = request('CANCEL', 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKc1');
    const u1 = recorder();
    const u2 = recorder();
    const t1 = layer.createClient(invite, new FakeChannel(false), u1);
    const t2 = layer.createClient(cancel, new FakeChannel(false), u2);
    assert.ok(t1.ok && t2.ok);
    assert.equal(layer.createClient(invite, new FakeChannel(false), u1).ok, false, 'duplicate key');
    assert.equal(layer.findClient(response(invite, 180)), t1.transaction);
    assert.equal(layer.findClient(response(cancel, 200)), t2.transaction);
    const other = request('INVITE', 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKzz');
    assert.equal(layer.findClient(response(other, 200)), undefined);
  });

  void test('client: request without an RFC 3261 branch is refused', () => {
    const r = request('OPTIONS', 'SIP/2.0/UDP 127.0.0.1:5060;branch=old');
    const created = layer.createClient(r, new FakeChannel(false), recorder());
    assert.deepEqual(created, { ok: false, error: 'no-branch' });
  });

  void test('server: retransmission matches by branch + sent-by + method; other sent-by or method does not', () => {
    const r = request('REGISTER', 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKs1');
    const created = layer.createServer(r, new FakeChannel(false));
    assert.ok(created.ok);
    assert.equal(
      layer.findServer(request('REGISTER', 'SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKs1')),
      created.transaction,
    );
    assert.equal(
      layer.findServer(request('REGISTER', 'SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKs1')),
      undefined,
    );
    assert.equal(
      layer.findServer(request('OPTIONS', 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKs1')),
      undefined,
    );
  });

  void test('server: ACK and CANCEL find the INVITE server transaction', () => {
    const inv = request('INVITE', 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKi1');
    const created = layer.createServer(inv, new FakeChannel(false));
    assert.ok(created.ok);
    assert.ok(created.transaction instanceof InviteServerTransaction);
    const ack = request('ACK', 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKi1', 'ACK');
    assert.equal(layer.findServer(ack), created.transaction);
    const cancel = request('CANCEL', 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKi1');
    assert.equal(layer.findServer(cancel), undefined, 'the CANCEL is its own transaction');
    assert.equal(layer.findCancelTarget(cancel), created.transaction);
  });

  void test('RFC 2543 fallback: no magic cookie, matched on Request-URI, From tag, Call-ID, CSeq, top Via', () => {
    const inv = request('INVITE', 'SIP/2.0/UDP 10.0.0.1:5060;branch=1234');
    const created = layer.createServer(inv, new FakeChannel(false));
    assert.ok(created.ok);
    assert.equal(
      layer.findServer(request('INVITE', 'SIP/2.0/UDP 10.0.0.1:5060;branch=1234')),
      created.transaction,
    );
    const ack = request('ACK', 'SIP/2.0/UDP 10.0.0.1:5060;branch=1234', 'ACK', ';tag=t1');
    assert.equal(layer.findServer(ack), created.transaction);
    assert.equal(layer.findServer(request('INVITE', 'SIP/2.0/UDP 10.0.0.9:5060;branch=1234')), undefined);
  });

  void test('terminated transactions leave the table; the active gauge follows; dispose clears all', () => {
    const r = request('OPTIONS', 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKg1');
    const created = layer.createServer(r, new FakeChannel(false));
    assert.ok(created.ok);
    const c = layer.createClient(
      request('OPTIONS', 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKg2'),
      new FakeChannel(false),
      recorder(),
    );
    assert.ok(c.ok);
    c.transaction.start();
    const gauge = metrics.get('sip_transactions_active');
    assert.ok(gauge?.kind === 'gauge');
    const active = (kind: string) => gauge.samples().find((s) => s.labels[0] === kind)?.value;
    assert.equal(active('non_invite_server'), 1);
    assert.equal(active('non_invite_client'), 1);
    created.transaction.respond(200, Buffer.from('200'));
    mock.timers.tick(32_000);
    assert.equal(layer.findServer(r), undefined);
    assert.equal(active('non_invite_server'), 0);
    assert.equal(layer.size, 0, 'the client timed out at 64*T1 too');
    const again = layer.createServer(r, new FakeChannel(false));
    assert.ok(again.ok);
    layer.dispose();
    assert.equal(layer.size, 0);
    assert.equal(again.transaction.state, TransactionState.Terminated);
    const ended = metrics.get('sip_transactions');
    assert.ok(ended?.kind === 'counter');
    assert.equal(ended.get('non_invite_server', 'disposed'), 1);
    assert.equal(ended.get('non_invite_server', 'completed'), 1);
    assert.equal(ended.get('non_invite_client', 'timeout'), 1);
  });

  void test('INVITE client built by the layer ACKs a 404 with the To tag of the response', () => {
    const inv = request('INVITE', 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKa1', 'INVITE');
    const ch = new FakeChannel(true);
    const c = layer.createClient(inv, ch, recorder());
    assert.ok(c.ok);
    c.transaction.start();
    c.transaction.receiveResponse(response(inv, 404));
    const ack = parseMessage(Buffer.from(ch.sent[1] ?? ''));
    assert.ok(ack.ok && ack.message.kind === 'request');
    assert.equal(ack.message.method, 'ACK');
    assert.equal(ack.message.toTag, 't1');
    assert.equal(ack.message.cseq().seq, 5);
    assert.equal(ack.message.getAll('via').length, 1);
  });
});
