import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ExpiryQueue } from '../../src/event/expiry-queue.js';

void describe('ExpiryQueue', () => {
  void test('fires in deadline order, honours reschedule and cancel', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
    const fired: string[] = [];
    const q = new ExpiryQueue<string>((k) => fired.push(k), { slackMs: 0 });
    const now = Date.now();
    q.schedule('c', now + 300);
    q.schedule('a', now + 100);
    q.schedule('b', now + 200);
    q.schedule('d', now + 150);
    q.schedule('a', now + 400); // moved later
    q.cancel('d');
    assert.equal(q.size, 3);
    t.mock.timers.tick(150);
    assert.deepEqual(fired, []);
    t.mock.timers.tick(50);
    assert.deepEqual(fired, ['b']);
    t.mock.timers.tick(200);
    assert.deepEqual(fired, ['b', 'c', 'a']);
    assert.equal(q.size, 0);
    q.dispose();
  });

  void test('100,000 keys, many reschedules: one timer, heap compacted, right order', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 5_000_000 });
    const fired: number[] = [];
    const q = new ExpiryQueue<number>((k) => fired.push(k), { slackMs: 0 });
    const now = Date.now();
    for (let i = 0; i < 100_000; i++) q.schedule(i, now + 1000 + (i % 1000));
    for (let i = 0; i < 100_000; i += 2) q.schedule(i, now + 5000); // refresh half of them
    t.mock.timers.tick(2000);
    assert.equal(fired.length, 50_000);
    assert.ok(fired.every((k) => k % 2 === 1));
    t.mock.timers.tick(3000);
    assert.equal(fired.length, 100_000);
    q.dispose();
  });
});
