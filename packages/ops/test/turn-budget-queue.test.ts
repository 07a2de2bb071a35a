import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TurnBudgetQueue } from '@beckon/ops';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

void test('TurnBudgetQueue: at most `budget` items per event-loop turn, in push order', async () => {
  const seen: number[] = [];
  const q = new TurnBudgetQueue<number>((n) => seen.push(n), 100);
  for (let i = 0; i < 250; i++) q.push(i);
  assert.equal(seen.length, 0, 'nothing handled synchronously');
  assert.equal(q.length, 250);
  await turn();
  assert.equal(seen.length, 100);
  // Something queued between turns still runs before the rest of the queue.
  let between = false;
  setImmediate(() => (between = true));
  await turn();
  assert.equal(seen.length, 200);
  assert.equal(between, true);
  await turn();
  assert.deepEqual(
    seen,
    Array.from({ length: 250 }, (_, i) => i),
  );
  assert.equal(q.length, 0);
  q.push(250);
  await turn();
  assert.equal(seen.at(-1), 250);
});

void test('TurnBudgetQueue: flush handles the rest at once and takes no more', async () => {
  const seen: number[] = [];
  const q = new TurnBudgetQueue<number>((n) => seen.push(n), 10);
  for (let i = 0; i < 35; i++) q.push(i);
  await turn();
  assert.equal(seen.length, 10);
  q.flush();
  assert.equal(seen.length, 35);
  q.push(99);
  await turn();
  assert.equal(seen.length, 35);
  assert.throws(() => new TurnBudgetQueue(() => undefined, 0), /at least 1/);
});

void test('TurnBudgetQueue: a backlog that never empties keeps its order across compactions', async () => {
  const seen: number[] = [];
  const q = new TurnBudgetQueue<number>((n) => seen.push(n), 1000);
  let pushed = 0;
  for (let t = 0; t < 30; t++) {
    for (let i = 0; i < 1100; i++) q.push(pushed++);
    await turn();
  }
  assert.equal(seen.length, 30_000);
  assert.equal(q.length, pushed - 30_000);
  assert.ok(seen.every((n, i) => n === i));
  q.flush();
  assert.equal(seen.length, pushed);
  assert.ok(seen.every((n, i) => n === i));
});
