import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { EventLoopLoad, MetricsRegistry, type EventLoopUtilizationReader } from '../src/index.js';

/** A thread whose cumulative busy and idle times the test sets (ms). */
function fakeThread(): { read: EventLoopUtilizationReader; busy: number; idle: number } {
  const t = {
    busy: 0,
    idle: 0,
    read: (a?: EventLoopUtilization, b?: EventLoopUtilization): EventLoopUtilization => {
      if (a && b) {
        const active = a.active - b.active;
        const idle = a.idle - b.idle;
        return { active, idle, utilization: active + idle > 0 ? active / (active + idle) : 0 };
      }
      return { active: t.busy, idle: t.idle, utilization: 0 };
    },
  };
  return t;
}

void test('event_loop_utilization: one value per tracked thread, over the last window only', () => {
  const metrics = new MetricsRegistry();
  // Windows closed by hand (the timer's interval is longer than the test).
  const load = new EventLoopLoad({ metrics }, { intervalMs: 3_600_000 });
  const worker = fakeThread();
  load.start();
  load.track('worker-1', worker.read);
  try {
    const values = (): Map<string, number> => {
      const g = metrics.toJSON()['event_loop_utilization'];
      return new Map(g?.samples.map((s) => [s.labels['thread'] as string, s.value]));
    };
    worker.busy = 30;
    worker.idle = 10;
    load.sample();
    assert.equal(values().get('worker-1'), 0.75);
    const main = values().get('main');
    assert.ok(main !== undefined && main >= 0 && main <= 1, `main ${main}`);
    // The next window saw no work: the value follows, it is not an average since start.
    worker.idle += 40;
    load.sample();
    assert.equal(values().get('worker-1'), 0);
    load.untrack('worker-1');
    assert.equal(values().has('worker-1'), false);
  } finally {
    load.stop();
  }
});
