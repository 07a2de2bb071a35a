import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OverloadSignal } from '../../src/registrar/challenge-threads/overload-signal.js';
import { request, startChallengeThreadsRig, until } from './challenge-threads-rig.js';

const AUTH =
  'Authorization: Digest username="u1",realm="bench.local",nonce="x",uri="sip:bench.local",response="00"\r\n';

void test('overload signal: one word of shared memory, seen through every view of its buffer', () => {
  const a = new OverloadSignal();
  const b = new OverloadSignal(a.buffer);
  assert.equal(b.on, false);
  a.set(true);
  assert.equal(b.on, true);
  a.set(false);
  assert.equal(b.on, false);
});

void test('challenge threads: late REGISTERs are dropped, other requests still handled, and no registration starts meanwhile', async () => {
  const rig = await startChallengeThreadsRig({ maxQueueMs: 400 });
  const { received, answers, count } = rig;
  const send = rig.send;
  try {
    // Not overloaded: a first leg gets its 401 from the thread.
    await send(request('REGISTER', 'first'));
    assert.ok(await until(() => answers.length === 1), 'a 401 while not overloaded');
    assert.match(answers[0] ?? '', /^SIP\/2.0 401/);
    // The main thread is busy for a second while the thread hands over an authenticated REGISTER and
    // an OPTIONS: both are late by the time it gets to them.
    await send(request('REGISTER', 'late-register', AUTH));
    await send(request('OPTIONS', 'late-options'));
    const until1s = Date.now() + 1_000;
    while (Date.now() < until1s) {
      /* the event loop blocked */
    }
    assert.ok(await until(() => received.includes('late-options')), 'the late OPTIONS is still handled');
    assert.equal(received.includes('late-register'), false, 'the late REGISTER is dropped');
    assert.equal(rig.pool.overloadedNow, true);
    assert.equal(count(/registrar_overload_shed (\d+)/), 1);
    assert.equal(count(/registrar_overload_episodes (\d+)/), 1);
    // Meanwhile the thread starts no registration: a first leg gets no 401.
    await send(request('REGISTER', 'not-started'));
    assert.ok(
      await until(() => count(/registrar_challenge_thread_messages\{outcome="shed"\} (\d+)/) === 1),
      'counted as shed by the thread',
    );
    assert.equal(answers.length, 1);
    // A fresh hand-over that empties the queue ends the episode; registrations start again.
    await send(request('OPTIONS', 'fresh'));
    assert.ok(await until(() => received.includes('fresh')));
    assert.equal(rig.pool.overloadedNow, false);
    await send(request('REGISTER', 'again'));
    assert.ok(await until(() => answers.length === 2), 'a 401 again');
    assert.match(answers[1] ?? '', /^SIP\/2.0 401/);
  } finally {
    await rig.close();
  }
});
