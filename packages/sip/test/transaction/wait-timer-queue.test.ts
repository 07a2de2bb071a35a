import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { WaitTimerQueue } from '../../src/transaction/wait-timer-queue.js';

void describe('WaitTimerQueue', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'] }));
  afterEach(() => mock.timers.reset());

  void test('entries of several durations fire in time order from one timer; clear drops the rest', () => {
    const q = new WaitTimerQueue();
    const fired: string[] = [];
    const target = (name: string) => ({ waitExpired: () => void fired.push(name) });
    q.schedule(32_000, target('j1'));
    q.schedule(5_000, target('k1'));
    mock.timers.tick(1_000);
    q.schedule(32_000, target('j2'));
    q.schedule(5_000, target('k2'));
    assert.equal(q.size, 4);
    mock.timers.tick(4_000);
    assert.deepEqual(fired, ['k1']);
    mock.timers.tick(1_000);
    assert.deepEqual(fired, ['k1', 'k2']);
    mock.timers.tick(26_000);
    assert.deepEqual(fired, ['k1', 'k2', 'j1']);
    q.clear();
    mock.timers.tick(10_000);
    assert.deepEqual(fired, ['k1', 'k2', 'j1']);
    assert.equal(q.size, 0);
  });

  void test('a target scheduled from inside waitExpired is kept', () => {
    const q = new WaitTimerQueue();
    let n = 0;
    const again = {
      waitExpired: (): void => {
        n++;
        if (n < 3) q.schedule(100, again);
      },
    };
    q.schedule(100, again);
    mock.timers.tick(100);
    mock.timers.tick(100);
    mock.timers.tick(100);
    assert.equal(n, 3);
    assert.equal(q.size, 0);
  });

  void test('many entries: the lane is compacted and every entry fires once', () => {
    const q = new WaitTimerQueue();
    let count = 0;
    const t = { waitExpired: () => void count++ };
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 1_000; i++) q.schedule(1_000, t);
      mock.timers.tick(200);
    }
    mock.timers.tick(1_000);
    assert.equal(count, 5_000);
    assert.equal(q.size, 0);
  });
});
