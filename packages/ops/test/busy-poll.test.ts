import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BusyPoll, BusyPollState, busyPollWindowFor } from '../src/busy-poll.js';

/** A BusyPoll on a hand-driven clock whose turns run when the test says. */
function harness(windowMicros: number) {
  let now = 1_000;
  const turns: (() => void)[] = [];
  const poll = new BusyPoll({
    windowMicros,
    nowMicros: () => now,
    schedule: (t) => {
      turns.push(t);
    },
  });
  return {
    poll,
    advance(us: number) {
      now += us;
    },
    /** Runs the pending turn (each turn schedules at most one more). */
    runTurn(): boolean {
      const t = turns.shift();
      if (!t) return false;
      t();
      return true;
    },
    pending: () => turns.length,
  };
}

void test('polls from a request until the window after the last request closes', () => {
  const h = harness(200);
  assert.equal(h.poll.state, BusyPollState.Idle);
  h.poll.touch();
  assert.equal(h.poll.state, BusyPollState.Polling);
  assert.equal(h.pending(), 1);
  h.advance(150);
  h.runTurn();
  assert.equal(h.poll.state, BusyPollState.Polling);
  h.poll.touch(); // the next request: the window restarts
  assert.equal(h.pending(), 1, 'a touch while polling schedules nothing more');
  h.advance(150);
  h.runTurn();
  assert.equal(h.poll.state, BusyPollState.Polling);
  h.advance(60);
  h.runTurn();
  assert.equal(h.poll.state, BusyPollState.Idle);
  assert.equal(h.pending(), 0);
  assert.equal(h.poll.windows, 1);
  assert.equal(h.poll.secondsPolling, 360 / 1e6);
});

void test('a window of 0 never polls', () => {
  const h = harness(0);
  assert.equal(h.poll.enabled, false);
  h.poll.touch();
  assert.equal(h.poll.state, BusyPollState.Idle);
  assert.equal(h.pending(), 0);
});

void test('dispose stops polling and ignores later requests', () => {
  const h = harness(200);
  h.poll.touch();
  h.advance(10);
  h.poll.dispose();
  assert.equal(h.poll.state, BusyPollState.Idle);
  h.runTurn();
  assert.equal(h.pending(), 0);
  h.poll.touch();
  assert.equal(h.pending(), 0);
  assert.equal(h.poll.enabled, false);
});

void test('busy polling is off on a single CPU', () => {
  assert.equal(busyPollWindowFor(200, 1), 0);
  assert.equal(busyPollWindowFor(200, 2), 200);
});

void test('with the real clock and setImmediate it returns to idle on its own', async () => {
  const poll = new BusyPoll({ windowMicros: 500 });
  poll.touch();
  assert.equal(poll.state, BusyPollState.Polling);
  for (let i = 0; i < 1000 && poll.state === BusyPollState.Polling; i++)
    await new Promise((r) => setTimeout(r, 1));
  assert.equal(poll.state, BusyPollState.Idle);
  assert.ok(poll.secondsPolling >= 500 / 1e6);
});
