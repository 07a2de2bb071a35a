import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry } from '@beckon/ops';
import { NonInviteClientTransaction } from '../../src/transaction/non-invite-client-transaction.js';
import { TransactionMetrics } from '../../src/transaction/transaction-metrics.js';
import { TransactionState } from '../../src/transaction/transaction-state.js';
import { resolveTransactionTimers } from '../../src/transaction/transaction-timers.js';
import { FakeChannel, recorder } from './fake-channel.js';

function make(reliable: boolean, init = {}) {
  const channel = new FakeChannel(reliable);
  const user = recorder();
  const registry = new MetricsRegistry();
  const tx = new NonInviteClientTransaction<{ status: number }>({
    id: 'z9hG4bK2|OPTIONS',
    method: 'OPTIONS',
    channel,
    timers: resolveTransactionTimers(init),
    metrics: new TransactionMetrics(registry),
    request: Buffer.from('OPTIONS'),
    user,
  });
  return { channel, user, tx, registry };
}

/** Ticks in 100 ms steps and returns the times (ms) at which something was sent. */
function sendTimes(channel: FakeChannel, totalMs: number): number[] {
  const at: number[] = [];
  for (let t = 100; t <= totalMs; t += 100) {
    const before = channel.sent.length;
    mock.timers.tick(100);
    if (channel.sent.length > before) at.push(t);
  }
  return at;
}

void describe('non-INVITE client transaction (RFC 3261 §17.1.2)', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  void test('UDP: Timer E doubles up to T2 then stays at T2; Timer F times out at 64*T1', () => {
    const { channel, user, tx, registry } = make(false);
    tx.start();
    const at = sendTimes(channel, 32_000);
    assert.deepEqual(at, [500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.equal(channel.sent.length, 11);
    assert.equal(user.timeouts, 1);
    assert.equal(tx.state, TransactionState.Terminated);
    assert.deepEqual(tx.activeTimers(), []);
    const rtx = registry.get('sip_retransmissions');
    assert.ok(rtx?.kind === 'counter');
    assert.equal(rtx.get('out'), 10);
    const byMethod = registry.get('sip_retransmissions_sent');
    assert.ok(byMethod?.kind === 'counter');
    assert.equal(byMethod.get('OPTIONS', 'request'), 10);
  });

  void test('configurable T1/T2: T1=100 T2=400 gives E at 100, 300, 700, 1100 ... and F at 6400', () => {
    const { channel, user, tx } = make(false, { t1: 100, t2: 400 });
    tx.start();
    const at = sendTimes(channel, 6400);
    assert.deepEqual(at.slice(0, 4), [100, 300, 700, 1100]);
    assert.equal(user.timeouts, 1);
    assert.equal(at.at(-1), 6300);
  });

  void test('Proceeding: Timer E is reset to T2', () => {
    const { channel, user, tx } = make(false);
    tx.start();
    mock.timers.tick(200);
    tx.receiveResponse({ status: 100 });
    assert.equal(tx.state, TransactionState.Proceeding);
    const at = sendTimes(channel, 13_000);
    // E still due at 500 (now 300 ms ahead), then every T2.
    assert.deepEqual(at, [300, 4300, 8300, 12300]);
    assert.deepEqual(user.responses, [100]);
  });

  void test('final response: passed up once, retransmissions absorbed, Timer K = T4 over UDP', () => {
    const { channel, user, tx, registry } = make(false);
    tx.start();
    tx.receiveResponse({ status: 200 });
    tx.receiveResponse({ status: 200 });
    assert.deepEqual(user.responses, [200]);
    assert.equal(tx.state, TransactionState.Completed);
    assert.deepEqual(tx.activeTimers(), ['K']);
    mock.timers.tick(4_999);
    assert.equal(tx.state, TransactionState.Completed);
    mock.timers.tick(1);
    assert.equal(tx.state, TransactionState.Terminated);
    assert.equal(channel.sent.length, 1);
    const rtx = registry.get('sip_retransmissions');
    assert.ok(rtx?.kind === 'counter');
    assert.equal(rtx.get('in'), 1);
    const ended = registry.get('sip_transactions');
    assert.ok(ended?.kind === 'counter');
    assert.equal(ended.get('non_invite_client', 'completed'), 1);
    const created = registry.get('sip_transactions_created');
    assert.ok(created?.kind === 'counter');
    assert.equal(created.get('non_invite_client'), 1);
  });

  void test('TCP: no Timer E; Timer K is zero', () => {
    const { channel, tx } = make(true);
    tx.start();
    assert.deepEqual(tx.activeTimers(), ['F']);
    mock.timers.tick(10_000);
    assert.equal(channel.sent.length, 1);
    tx.receiveResponse({ status: 404 });
    assert.equal(tx.state, TransactionState.Terminated);
  });

  void test('asynchronous transport error (rejected promise) reaches the TU', async () => {
    const { channel, user, tx } = make(false);
    channel.failWith = new Error('flow-closed');
    channel.failAsync = true;
    tx.start();
    await Promise.resolve();
    await Promise.resolve();
    assert.equal(user.errors[0]?.message, 'flow-closed');
    assert.equal(tx.state, TransactionState.Terminated);
    assert.deepEqual(tx.activeTimers(), []);
  });
});
