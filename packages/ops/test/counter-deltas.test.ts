import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry } from '../src/metrics-registry.js';
import { applyCounterDeltas, CounterDeltaTracker } from '../src/counter-deltas.js';

void test('counter deltas: growth since the last report, added to another registry', () => {
  const worker = new MetricsRegistry();
  const main = new MetricsRegistry();
  const tracker = new CounterDeltaTracker(worker);
  const c = worker.counter('thread_messages', 'Datagrams a thread read, by outcome', ['outcome']);
  c.inc(['answered'], 3);
  c.inc(['handed-over']);
  applyCounterDeltas(main, tracker.take());
  c.inc(['answered'], 2);
  const second = tracker.take();
  assert.deepEqual(
    second.map((d) => [d.labels, d.delta]),
    [[['answered'], 2]],
    'only what grew, by how much',
  );
  applyCounterDeltas(main, second);
  assert.deepEqual(tracker.take(), []);
  const text = main.toPrometheus();
  // A counter only the worker counts keeps its help text and label names in the main registry.
  assert.match(text, /# HELP \S*thread_messages Datagrams a thread read, by outcome/);
  assert.match(text, /thread_messages\{outcome="answered"\} 5/);
  assert.match(text, /thread_messages\{outcome="handed-over"\} 1/);
});

void test('counter deltas: a counter the main registry already has keeps its own definition', () => {
  const worker = new MetricsRegistry();
  const main = new MetricsRegistry();
  main.counter('requests', 'Requests by method', ['method']).inc(['OPTIONS']);
  worker.counter('requests', 'other help', ['method']).inc(['OPTIONS'], 4);
  applyCounterDeltas(main, new CounterDeltaTracker(worker).take());
  const text = main.toPrometheus();
  assert.match(text, /# HELP \S*requests Requests by method/);
  assert.match(text, /requests\{method="OPTIONS"\} 5/);
});
