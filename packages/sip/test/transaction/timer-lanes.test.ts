import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { TimerLanes, type LaneTimerTarget } from '../../src/transaction/timer-lanes.js';

void describe('TimerLanes', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'] }));
  afterEach(() => mock.timers.reset());

  const recorder = (fired: string[], name: string): LaneTimerTarget => ({
    laneTimerFired: (ms, seq) => void fired.push(`${name}:${ms}:${seq}`),
  });

  void test('timers of several durations fire in time order from one Node timer', () => {
    const lanes = new TimerLanes();
    const fired: string[] = [];
    const f1 = lanes.schedule(32_000, recorder(fired, 'f1'));
    const e1 = lanes.schedule(500, recorder(fired, 'e1'));
    mock.timers.tick(100);
    const e2 = lanes.schedule(500, recorder(fired, 'e2'));
    assert.notEqual(e1, e2);
    mock.timers.tick(400);
    assert.deepEqual(fired, [`e1:500:${e1}`]);
    mock.timers.tick(100);
    assert.deepEqual(fired, [`e1:500:${e1}`, `e2:500:${e2}`]);
    mock.timers.tick(31_500);
    assert.deepEqual(fired.at(-1), `f1:32000:${f1}`);
    assert.equal(fired.length, 3);
  });

  void test('a cancelled timer never fires and the next live one still does', () => {
    const lanes = new TimerLanes();
    const fired: string[] = [];
    const a = lanes.schedule(1_000, recorder(fired, 'a'));
    mock.timers.tick(10);
    const b = lanes.schedule(1_000, recorder(fired, 'b'));
    lanes.cancel(1_000, a);
    lanes.cancel(1_000, a);
    mock.timers.tick(2_000);
    assert.deepEqual(fired, [`b:1000:${b}`]);
    lanes.cancel(1_000, b);
  });

  void test('a target may schedule again from inside laneTimerFired; clear drops everything', () => {
    const lanes = new TimerLanes();
    let n = 0;
    const again: LaneTimerTarget = {
      laneTimerFired: () => {
        n++;
        if (n < 3) lanes.schedule(200, again);
      },
    };
    lanes.schedule(200, again);
    mock.timers.tick(200);
    mock.timers.tick(200);
    mock.timers.tick(200);
    assert.equal(n, 3);
    const fired: string[] = [];
    lanes.schedule(200, recorder(fired, 'x'));
    lanes.clear();
    mock.timers.tick(1_000);
    assert.deepEqual(fired, []);
  });

  void test('many timers: sequence numbers stay valid across compaction', () => {
    const lanes = new TimerLanes();
    let fired = 0;
    const t: LaneTimerTarget = { laneTimerFired: () => void fired++ };
    const seqs: number[] = [];
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 3000; i++) seqs.push(lanes.schedule(500, t));
      mock.timers.tick(1);
    }
    // Cancel every other one, then let them expire.
    for (let i = 0; i < seqs.length; i += 2) lanes.cancel(500, seqs[i] as number);
    mock.timers.tick(1_000);
    assert.equal(fired, seqs.length / 2);
    const late = lanes.schedule(500, t);
    lanes.cancel(500, late);
    mock.timers.tick(1_000);
    assert.equal(fired, seqs.length / 2);
  });
});
