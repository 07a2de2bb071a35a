import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry } from '@beckon/ops';
import { NonInviteServerTransaction } from '../../src/transaction/non-invite-server-transaction.js';
import { TransactionMetrics } from '../../src/transaction/transaction-metrics.js';
import { TransactionState } from '../../src/transaction/transaction-state.js';
import { resolveTransactionTimers } from '../../src/transaction/transaction-timers.js';
import { FakeChannel, recorder } from './fake-channel.js';

function make(reliable: boolean) {
  const channel = new FakeChannel(reliable);
  const user = recorder();
  const registry = new MetricsRegistry();
  const tx = new NonInviteServerTransaction({
    id: 'z9hG4bK4|host:5060|REGISTER',
    method: 'REGISTER',
    channel,
    timers: resolveTransactionTimers(),
    metrics: new TransactionMetrics(registry),
    user,
  });
  return { channel, user, tx, registry };
}
const b = (s: string) => Buffer.from(s);

void describe('non-INVITE server transaction (RFC 3261 §17.2.2)', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  void test('Trying discards retransmissions; Proceeding and Completed re-send the last response; Timer J', () => {
    const { channel, tx, registry } = make(false);
    assert.equal(tx.state, TransactionState.Trying);
    tx.receiveRequestRetransmission();
    assert.deepEqual(channel.sent, []);
    tx.respond(100, b('100'));
    assert.equal(tx.state, TransactionState.Proceeding);
    tx.receiveRequestRetransmission();
    tx.respond(200, b('200'));
    assert.equal(tx.state, TransactionState.Completed);
    assert.equal(tx.finalResponseStatus, 200);
    tx.receiveRequestRetransmission();
    assert.deepEqual(channel.sent, ['100', '100', '200', '200']);
    assert.equal(tx.respond(500, b('500')), false, 'only one final response');
    assert.deepEqual(tx.activeTimers(), ['J']);
    mock.timers.tick(31_999);
    assert.equal(tx.state, TransactionState.Completed);
    mock.timers.tick(1);
    assert.equal(tx.state, TransactionState.Terminated);
    const rtx = registry.get('sip_retransmissions');
    assert.ok(rtx?.kind === 'counter');
    assert.equal(rtx.get('in'), 3);
    assert.equal(rtx.get('out'), 2);
    const byMethod = registry.get('sip_retransmissions_sent');
    assert.ok(byMethod?.kind === 'counter');
    assert.equal(byMethod.get('REGISTER', 'provisional'), 1);
    assert.equal(byMethod.get('REGISTER', 'final'), 1);
  });

  void test('TCP: Timer J is zero', () => {
    const { tx, user } = make(true);
    tx.respond(200, b('200'));
    assert.equal(tx.state, TransactionState.Terminated);
    assert.equal(user.terminated, 1);
  });

  void test('transport error reported and terminates', () => {
    const { channel, tx, user } = make(false);
    channel.failWith = new Error('too-large');
    tx.respond(200, b('200'));
    assert.equal(user.errors[0]?.message, 'too-large');
    assert.equal(tx.state, TransactionState.Terminated);
    assert.deepEqual(tx.activeTimers(), []);
  });
});
