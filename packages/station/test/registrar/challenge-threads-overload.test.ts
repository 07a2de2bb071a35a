import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { TransportMetrics, UdpListener, type Flow, type TransportUser } from '@beckon/sip';
import { ChallengeThreads } from '../../src/registrar/challenge-threads/index.js';
import { OverloadSignal } from '../../src/registrar/challenge-threads/overload-signal.js';

const head = (method: string, id: string, extra = ''): Buffer =>
  Buffer.from(
    `${method} sip:bench.local SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bK-${id}\r\n` +
      `From: <sip:u1@bench.local>;tag=${id}\r\nTo: <sip:u1@bench.local>\r\nCall-ID: ${id}\r\n` +
      `CSeq: 1 ${method}\r\nContact: <sip:u1@127.0.0.1:9>\r\nMax-Forwards: 70\r\n${extra}Content-Length: 0\r\n\r\n`,
  );
const AUTH =
  'Authorization: Digest username="u1",realm="bench.local",nonce="x",uri="sip:bench.local",response="00"\r\n';

const until = async (cond: () => boolean, ms = 3_000): Promise<boolean> => {
  for (let i = 0; i < ms / 5 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  return cond();
};

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
  const metrics = new MetricsRegistry();
  const log = silentLogger();
  const received: string[] = [];
  const user: TransportUser = {
    onMessage(data: Buffer, _flow: Flow): void {
      received.push(/Call-ID: (\S+)/.exec(data.toString('latin1'))?.[1] ?? '?');
    },
  };
  const listener = new UdpListener(
    {
      host: '127.0.0.1',
      port: 0,
      maxMessageSize: 65_535,
      maxFlows: 1_000,
      recvBufferSize: 0,
      sendBufferSize: 0,
    },
    { user },
    new TransportMetrics(metrics).for('udp'),
    log,
  );
  assert.equal((await listener.bind()).ok, true);
  const client = dgram.createSocket('udp4');
  const answers: string[] = [];
  client.on('message', (m) => answers.push(m.toString('latin1').split('\r\n')[0] ?? ''));
  await new Promise<void>((r) => client.bind(0, '127.0.0.1', r));
  const send = (b: Buffer): Promise<void> =>
    new Promise((r) => client.send(b, listener.localAddress.port, '127.0.0.1', () => r()));
  const pool = await ChallengeThreads.start(
    { log, metrics, listener },
    {
      threads: 1,
      maxQueueMs: 400,
      maxMessageSize: 65_535,
      realm: 'bench.local',
      algorithms: ['MD5'],
      nonceLifetimeSec: 300,
      nonceSecret: randomBytes(32),
      registrar: { domains: ['bench.local'] },
      serverHeader: 'Beckon',
      coalesceSends: false,
      batchIo: false,
      logLevel: 'silent',
      reportIntervalMs: 50,
    },
  );
  const count = (re: RegExp): number => Number(re.exec(metrics.toPrometheus())?.[1] ?? 0);
  try {
    // Not overloaded: a first leg gets its 401 from the thread.
    await send(head('REGISTER', 'first'));
    assert.ok(await until(() => answers.length === 1), 'a 401 while not overloaded');
    assert.match(answers[0] ?? '', /^SIP\/2.0 401/);
    // The main thread is busy for a second while the thread hands over an authenticated REGISTER and
    // an OPTIONS: both are late by the time it gets to them.
    await send(head('REGISTER', 'late-register', AUTH));
    await send(head('OPTIONS', 'late-options'));
    const until1s = Date.now() + 1_000;
    while (Date.now() < until1s) {
      /* the event loop blocked */
    }
    assert.ok(await until(() => received.includes('late-options')), 'the late OPTIONS is still handled');
    assert.equal(received.includes('late-register'), false, 'the late REGISTER is dropped');
    assert.equal(pool.overloadedNow, true);
    assert.equal(count(/registrar_overload_shed (\d+)/), 1);
    assert.equal(count(/registrar_overload_episodes (\d+)/), 1);
    // Meanwhile the thread starts no registration: a first leg gets no 401.
    await send(head('REGISTER', 'not-started'));
    assert.ok(
      await until(() => count(/registrar_challenge_thread_messages\{outcome="shed"\} (\d+)/) === 1),
      'counted as shed by the thread',
    );
    assert.equal(answers.length, 1);
    // A fresh hand-over that empties the queue ends the episode; registrations start again.
    await send(head('OPTIONS', 'fresh'));
    assert.ok(await until(() => received.includes('fresh')));
    assert.equal(pool.overloadedNow, false);
    await send(head('REGISTER', 'again'));
    assert.ok(await until(() => answers.length === 2), 'a 401 again');
    assert.match(answers[1] ?? '', /^SIP\/2.0 401/);
  } finally {
    await pool.stop();
    client.close();
    await listener.close();
  }
});
