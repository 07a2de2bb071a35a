import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry } from '@beckon/ops';
import { InviteServerTransaction } from '../../src/transaction/invite-server-transaction.js';
import { TransactionMetrics } from '../../src/transaction/transaction-metrics.js';
import { TransactionState } from '../../src/transaction/transaction-state.js';
import { resolveTransactionTimers } from '../../src/transaction/transaction-timers.js';
import { FakeChannel, recorder } from './fake-channel.js';

function make(reliable: boolean) {
  const channel = new FakeChannel(reliable);
  const user = recorder();
  const registry = new MetricsRegistry();
  const tx = new InviteServerTransaction<string>({
    id: 'z9hG4bK3|host:5060|INVITE',
    method: 'INVITE',
    channel,
    timers: resolveTransactionTimers(),
    metrics: new TransactionMetrics(registry),
    user,
  });
  return { channel, user, tx, registry };
}
const b = (s: string) => Buffer.from(s);

void describe('INVITE server transaction (RFC 3261 §17.2.1, RFC 6026 §7.1)', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  void test('Proceeding: INVITE retransmission re-sends the last provisional', () => {
    const { channel, tx } = make(false);
    assert.equal(tx.state, TransactionState.Proceeding);
    tx.receiveRequestRetransmission();
    assert.deepEqual(channel.sent, [], 'nothing to re-send yet');
    tx.respond(100, b('100'));
    tx.respond(180, b('180'));
    tx.receiveRequestRetransmission();
    assert.deepEqual(channel.sent, ['100', '180', '180']);
  });

  void test('UDP 486: Timer G doubles to T2; Timer H reports the missing ACK at 64*T1', () => {
    const { channel, user, tx, registry } = make(false);
    tx.respond(486, b('486'));
    assert.equal(tx.state, TransactionState.Completed);
    assert.deepEqual(tx.activeTimers().sort(), ['G', 'H']);
    const at: number[] = [];
    for (let t = 100; t <= 32_000; t += 100) {
      const n = channel.sent.length;
      mock.timers.tick(100);
      if (channel.sent.length > n) at.push(t);
    }
    assert.deepEqual(at, [500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.equal(user.timeouts, 1);
    assert.equal(tx.state, TransactionState.Terminated);
    const ended = registry.get('sip_transactions');
    assert.ok(ended?.kind === 'counter');
    assert.equal(ended.get('invite_server', 'timeout'), 1);
    const byMethod = registry.get('sip_retransmissions_sent');
    assert.ok(byMethod?.kind === 'counter');
    assert.equal(byMethod.get('INVITE', 'final'), 10);
  });

  void test('Completed: INVITE retransmission re-sends the final; ACK -> Confirmed; Timer I = T4', () => {
    const { channel, user, tx } = make(false);
    tx.respond(404, b('404'));
    tx.receiveRequestRetransmission();
    assert.deepEqual(channel.sent, ['404', '404']);
    tx.receiveAck('ack');
    assert.equal(tx.state, TransactionState.Confirmed);
    assert.deepEqual(tx.activeTimers(), ['I']);
    tx.receiveAck('ack');
    tx.receiveRequestRetransmission();
    assert.deepEqual(channel.sent, ['404', '404'], 'absorbed in Confirmed');
    assert.deepEqual(user.acks, [], 'ACK of a non-2xx is not passed up');
    mock.timers.tick(5_000);
    assert.equal(tx.state, TransactionState.Terminated);
    assert.equal(user.timeouts, 0);
  });

  void test('TCP 486: no Timer G; ACK terminates at once (Timer I zero)', () => {
    const { channel, tx } = make(true);
    tx.respond(486, b('486'));
    assert.deepEqual(tx.activeTimers(), ['H']);
    mock.timers.tick(20_000);
    assert.deepEqual(channel.sent, ['486']);
    tx.receiveAck('ack');
    assert.equal(tx.state, TransactionState.Terminated);
  });

  void test('RFC 6026: 2xx -> Accepted; INVITE retransmissions absorbed; ACK and TU 2xx retransmissions pass; Timer L', () => {
    const { channel, user, tx } = make(false);
    tx.respond(200, b('200'));
    assert.equal(tx.state, TransactionState.Accepted);
    assert.deepEqual(tx.activeTimers(), ['L']);
    tx.receiveRequestRetransmission();
    assert.deepEqual(channel.sent, ['200']);
    assert.equal(tx.respond(200, b('200')), true);
    assert.equal(tx.respond(486, b('486')), false);
    assert.deepEqual(channel.sent, ['200', '200']);
    tx.receiveAck('the-ack');
    assert.deepEqual(user.acks, ['the-ack']);
    mock.timers.tick(32_000);
    assert.equal(tx.state, TransactionState.Terminated);
  });

  void test('transport error in Completed terminates; in Accepted it is reported but the state stays', () => {
    const a = make(false);
    a.channel.failWith = new Error('x');
    a.tx.respond(500, b('500'));
    assert.equal(a.user.errors.length, 1);
    assert.equal(a.tx.state, TransactionState.Terminated);
    assert.deepEqual(a.tx.activeTimers(), []);
    const c = make(false);
    c.channel.failWith = new Error('y');
    c.tx.respond(200, b('200'));
    assert.equal(c.user.errors.length, 1);
    assert.equal(c.tx.state, TransactionState.Accepted);
    c.tx.dispose();
    assert.deepEqual(c.tx.activeTimers(), []);
  });
});
