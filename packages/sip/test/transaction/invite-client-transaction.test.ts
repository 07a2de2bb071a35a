import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry } from '@beckon/ops';
import { InviteClientTransaction } from '../../src/transaction/invite-client-transaction.js';
import { TransactionMetrics } from '../../src/transaction/transaction-metrics.js';
import { TransactionState } from '../../src/transaction/transaction-state.js';
import { resolveTransactionTimers } from '../../src/transaction/transaction-timers.js';
import { FakeChannel, recorder } from './fake-channel.js';

const timers = resolveTransactionTimers();
const INVITE = Buffer.from('INVITE');

function make(reliable: boolean, registry = new MetricsRegistry()) {
  const channel = new FakeChannel(reliable);
  const user = recorder();
  const tx = new InviteClientTransaction<{ status: number }>({
    id: 'z9hG4bK1|INVITE',
    channel,
    timers,
    metrics: new TransactionMetrics(registry),
    request: INVITE,
    user,
    buildAck: (res) => Buffer.from(`ACK ${res.status}`),
  });
  return { channel, user, tx, registry };
}

void describe('INVITE client transaction (RFC 3261 §17.1.1, RFC 6026 §7.2)', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  void test('UDP: Timer A doubles from T1 without cap; Timer B times out at 64*T1', () => {
    const { channel, user, tx, registry } = make(false);
    tx.start();
    assert.equal(tx.state, TransactionState.Calling);
    assert.deepEqual(tx.activeTimers().sort(), ['A', 'B']);
    // Retransmissions at 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s (intervals 500, 1000, ..., 16000 ms).
    const at: number[] = [];
    let t = 0;
    for (let i = 0; i < 320; i++) {
      const before = channel.sent.length;
      mock.timers.tick(100);
      t += 100;
      if (channel.sent.length > before) at.push(t);
    }
    assert.deepEqual(at, [500, 1500, 3500, 7500, 15500, 31500]);
    assert.equal(channel.sent.length, 7);
    assert.equal(user.timeouts, 1);
    assert.equal(user.terminated, 1);
    assert.equal(tx.state, TransactionState.Terminated);
    assert.deepEqual(tx.activeTimers(), []);
    const rtx = registry.get('sip_retransmissions');
    assert.ok(rtx && rtx.kind === 'counter');
    assert.equal(rtx.get('out'), 6);
    const ended = registry.get('sip_transactions');
    assert.ok(ended && ended.kind === 'counter');
    assert.equal(ended.get('invite_client', 'timeout'), 1);
  });

  void test('TCP: no retransmission, Timer B still runs', () => {
    const { channel, user, tx } = make(true);
    tx.start();
    assert.deepEqual(tx.activeTimers(), ['B']);
    mock.timers.tick(31_999);
    assert.equal(channel.sent.length, 1);
    assert.equal(user.timeouts, 0);
    mock.timers.tick(1);
    assert.equal(user.timeouts, 1);
    assert.equal(tx.state, TransactionState.Terminated);
  });

  void test('1xx stops Timer A and Timer B; 486 generates the ACK; retransmitted 486 re-sends it; Timer D ends it', () => {
    const { channel, user, tx } = make(false);
    tx.start();
    tx.receiveResponse({ status: 100 });
    tx.receiveResponse({ status: 180 });
    assert.equal(tx.state, TransactionState.Proceeding);
    assert.deepEqual(tx.activeTimers(), []);
    mock.timers.tick(10_000);
    assert.equal(channel.sent.length, 1, 'no retransmission in Proceeding');
    tx.receiveResponse({ status: 486 });
    assert.equal(tx.state, TransactionState.Completed);
    assert.deepEqual(channel.sent, ['INVITE', 'ACK 486']);
    assert.deepEqual(tx.activeTimers(), ['D']);
    tx.receiveResponse({ status: 486 });
    assert.deepEqual(channel.sent, ['INVITE', 'ACK 486', 'ACK 486']);
    assert.deepEqual(user.responses, [100, 180, 486], 'the retransmission is not passed up');
    mock.timers.tick(31_999);
    assert.equal(tx.state, TransactionState.Completed);
    mock.timers.tick(1);
    assert.equal(tx.state, TransactionState.Terminated);
    assert.equal(user.terminated, 1);
    assert.equal(user.timeouts, 0);
  });

  void test('reliable transport: ACK sent even though reliable, Timer D is zero', () => {
    const { channel, tx } = make(true);
    tx.start();
    tx.receiveResponse({ status: 503 });
    assert.deepEqual(channel.sent, ['INVITE', 'ACK 503']);
    assert.equal(tx.state, TransactionState.Terminated);
  });

  void test('RFC 6026: 2xx moves to Accepted, no ACK generated, later 2xx passed up, Timer M ends it', () => {
    const { channel, user, tx } = make(false);
    tx.start();
    tx.receiveResponse({ status: 200 });
    assert.equal(tx.state, TransactionState.Accepted);
    assert.deepEqual(tx.activeTimers(), ['M']);
    tx.receiveResponse({ status: 200 });
    tx.receiveResponse({ status: 180 });
    tx.receiveResponse({ status: 486 });
    assert.deepEqual(user.responses, [200, 200]);
    assert.deepEqual(channel.sent, ['INVITE']);
    mock.timers.tick(32_000);
    assert.equal(tx.state, TransactionState.Terminated);
    assert.equal(user.timeouts, 0);
  });

  void test('transport error: TU informed, terminated, timers cleared', () => {
    const { channel, user, tx, registry } = make(false);
    channel.failWith = new Error('connect-failed');
    tx.start();
    assert.equal(user.errors.length, 1);
    assert.equal(tx.state, TransactionState.Terminated);
    assert.deepEqual(tx.activeTimers(), []);
    const ended = registry.get('sip_transactions');
    assert.ok(ended && ended.kind === 'counter');
    assert.equal(ended.get('invite_client', 'transport_error'), 1);
  });

  void test('dispose clears every timer without a timeout report', () => {
    const { user, tx } = make(false);
    tx.start();
    tx.dispose();
    assert.deepEqual(tx.activeTimers(), []);
    mock.timers.tick(64_000);
    assert.equal(user.timeouts, 0);
    assert.equal(user.terminated, 1);
  });
});
