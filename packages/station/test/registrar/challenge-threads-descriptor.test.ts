import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { TransportMetrics, UdpListener, type Flow, type TransportUser } from '@beckon/sip';
import { loadUdpMmsg } from '@beckon/udp-mmsg';
import { ChallengeThreads } from '../../src/registrar/challenge-threads/index.js';

// The thread needs the UDP helper to duplicate the descriptor; in CI it must have been built by `npm ci`.
const loaded = loadUdpMmsg();
const skip = loaded.ok ? false : process.env['CI'] ? false : `helper not built: ${loaded.reason}`;

const OPTIONS = (n: number): Buffer =>
  Buffer.from(
    `OPTIONS sip:bench.local SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-d${n}\r\n` +
      `From: <sip:a@bench.local>;tag=${n}\r\nTo: <sip:bench.local>\r\nCall-ID: d${n}\r\nCSeq: 1 OPTIONS\r\n` +
      'Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n',
  );

const until = async (cond: () => boolean): Promise<boolean> => {
  for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  return cond();
};

void test(
  'challenge threads: a thread ending leaves the main thread socket open, which reads the port again',
  { skip },
  async () => {
    const log = silentLogger();
    const metrics = new MetricsRegistry();
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
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', r));
    const send = (n: number): void => client.send(OPTIONS(n), listener.localAddress.port, '127.0.0.1');
    try {
      const pool = await ChallengeThreads.start(
        { log, metrics, listener },
        {
          threads: 1,
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
          reportIntervalMs: 1_000,
        },
      );
      // The thread reads now and hands what it does not answer over to the main thread.
      send(1);
      assert.ok(await until(() => received.includes('d1')), 'handed over by the thread');
      const handedOver = () =>
        metrics
          .toPrometheus()
          .match(/registrar_challenge_thread_messages\{outcome="handed-over"\} (\d+)/)?.[1];
      await pool.stop();
      assert.equal(handedOver(), '1');
      // The thread closed its own duplicate only: the main thread reads the still-open socket.
      send(2);
      assert.ok(await until(() => received.includes('d2')), 'read by the main thread after the thread ended');
      assert.notEqual(listener.fd, undefined);
    } finally {
      client.close();
      await listener.close();
    }
  },
);
