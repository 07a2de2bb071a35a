import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadUdpMmsg } from '@beckon/udp-mmsg';
import { request, startChallengeThreadsRig, until } from './challenge-threads-rig.js';

// The thread needs the UDP helper to duplicate the descriptor; in CI it must have been built by `npm ci`.
const loaded = loadUdpMmsg();
const skip = loaded.ok ? false : process.env['CI'] ? false : `helper not built: ${loaded.reason}`;

void test(
  'challenge threads: a thread ending leaves the main thread socket open, which reads the port again',
  { skip },
  async () => {
    const rig = await startChallengeThreadsRig();
    try {
      // The thread reads now and hands what it does not answer over to the main thread.
      await rig.send(request('OPTIONS', 'd1'));
      assert.ok(await until(() => rig.received.includes('d1')), 'handed over by the thread');
      await rig.pool.stop();
      assert.equal(rig.count(/registrar_challenge_thread_messages\{outcome="handed-over"\} (\d+)/), 1);
      // The thread closed its own duplicate only: the main thread reads the still-open socket.
      await rig.send(request('OPTIONS', 'd2'));
      assert.ok(
        await until(() => rig.received.includes('d2')),
        'read by the main thread after the thread ended',
      );
      assert.notEqual(rig.listener.fd, undefined);
    } finally {
      await rig.close();
    }
  },
);
