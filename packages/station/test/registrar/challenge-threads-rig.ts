// A UDP listener with a pool of registrar challenge threads on it and a client socket, for tests: what the
// main thread handles (by Call-ID), what the client gets back (status lines), and the shared registry.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { TransportMetrics, UdpListener, type Flow, type TransportUser } from '@beckon/sip';
import { ChallengeThreads } from '../../src/registrar/challenge-threads/index.js';

export interface ChallengeThreadsRig {
  readonly pool: ChallengeThreads;
  readonly listener: UdpListener;
  readonly metrics: MetricsRegistry;
  /** Call-IDs of the datagrams the main thread handled, in order. */
  readonly received: string[];
  /** First lines of what the client received. */
  readonly answers: string[];
  /** Sends from the client; resolves once the datagram has left. */
  send(data: Buffer): Promise<void>;
  /** The value of a counter sample matched by `re` (its first group), 0 when absent. */
  count(re: RegExp): number;
  close(): Promise<void>;
}

/** A SIP request from the client (rport, so that answers come back to its port). */
export function request(method: string, id: string, extra = ''): Buffer {
  return Buffer.from(
    `${method} sip:bench.local SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;rport;branch=z9hG4bK-${id}\r\n` +
      `From: <sip:u1@bench.local>;tag=${id}\r\nTo: <sip:u1@bench.local>\r\nCall-ID: ${id}\r\n` +
      `CSeq: 1 ${method}\r\nContact: <sip:u1@127.0.0.1:9>\r\nMax-Forwards: 70\r\n${extra}Content-Length: 0\r\n\r\n`,
  );
}

export async function until(cond: () => boolean, ms = 3_000): Promise<boolean> {
  for (let i = 0; i < ms / 5 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  return cond();
}

export async function startChallengeThreadsRig(
  opts: { maxQueueMs?: number } = {},
): Promise<ChallengeThreadsRig> {
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
  const pool = await ChallengeThreads.start(
    { log, metrics, listener },
    {
      threads: 1,
      ...(opts.maxQueueMs !== undefined ? { maxQueueMs: opts.maxQueueMs } : {}),
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
  return {
    pool,
    listener,
    metrics,
    received,
    answers,
    send: (data) => new Promise((r) => client.send(data, listener.localAddress.port, '127.0.0.1', () => r())),
    count: (re) => Number(re.exec(metrics.toPrometheus())?.[1] ?? 0),
    async close() {
      await pool.stop();
      client.close();
      await listener.close();
    },
  };
}
