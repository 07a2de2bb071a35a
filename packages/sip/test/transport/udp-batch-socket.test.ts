import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import {
  TransportMetrics,
  UdpBatchSocket,
  UdpListener,
  type Flow,
  type UdpBatchIo,
  type UdpWatch,
} from '../../src/transport/index.js';

interface Inbound {
  data: Buffer;
  address: number;
  port: number;
}

/**
 * An in-memory UdpBatchIo: datagrams "arrive" when a test pushes them and calls `readable()`; writes are
 * recorded per call, and the next results of `send` can be scripted (a negative errno, or a short count).
 */
class FakeBatchIo implements UdpBatchIo {
  readonly inbound: Inbound[] = [];
  readonly sends: { data: string; port: number; address: number }[][] = [];
  readonly sendResults: number[] = [];
  recvCalls = 0;
  private callback: ((status: number) => void) | undefined;

  recv(_fd: number, scratch: Buffer, slotSize: number, meta: Int32Array, max: number): number {
    this.recvCalls++;
    let n = 0;
    while (n < max && this.inbound.length > 0) {
      const d = this.inbound.shift() as Inbound;
      const len = Math.min(d.data.length, slotSize);
      d.data.copy(scratch, n * slotSize, 0, len);
      meta[n * 7] = d.data.length > slotSize ? slotSize + 1 : len;
      meta[n * 7 + 1] = d.port;
      meta[n * 7 + 2] = 4;
      meta[n * 7 + 3] = d.address | 0;
      n++;
    }
    return n;
  }

  send(_fd: number, buffers: readonly Buffer[], meta: Int32Array, count: number): number {
    const scripted = this.sendResults.shift();
    const n = scripted === undefined ? count : scripted < 0 ? scripted : Math.min(scripted, count);
    if (n > 0)
      this.sends.push(
        buffers.slice(0, n).map((b, i) => ({
          data: b.toString(),
          port: meta[i * 6] as number,
          address: (meta[i * 6 + 2] as number) >>> 0,
        })),
      );
    return n;
  }

  watch(_fd: number, onReadable: (status: number) => void): UdpWatch {
    this.callback = onReadable;
    return {};
  }

  unwatch(): void {
    this.callback = undefined;
  }

  get watching(): boolean {
    return this.callback !== undefined;
  }

  readable(status = 0): void {
    this.callback?.(status);
  }
}

const LOCALHOST = 0x7f000001;
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

function socketWith(io: FakeBatchIo, maxMessageSize = 100) {
  const got: { text: string; address: string; port: number; truncated: boolean }[] = [];
  const errors: [string, number][] = [];
  const slow: { text: string; port: number; address: string }[] = [];
  const s = new UdpBatchSocket(io, 3, maxMessageSize, {
    onDatagram: (data, address, port, truncated) =>
      got.push({ text: data.toString(), address, port, truncated }),
    onError: (op, errno) => errors.push([op, errno]),
    fallbackSend: (data, port, address) => slow.push({ text: data.toString(), port, address }),
  });
  return { s, got, errors, slow };
}

void test('batch socket: reads every waiting datagram as its own copy with its source, in order', () => {
  const io = new FakeBatchIo();
  const { s, got } = socketWith(io);
  assert.ok(s.setReading(true));
  for (let i = 0; i < 150; i++)
    io.inbound.push({ data: Buffer.from(`m${i}`), address: LOCALHOST + (i % 3), port: 5000 + i });
  io.readable();
  assert.equal(got.length, 150);
  assert.deepEqual(got[0], { text: 'm0', address: '127.0.0.1', port: 5000, truncated: false });
  assert.deepEqual(got[149], { text: 'm149', address: '127.0.0.3', port: 5149, truncated: false });
  assert.equal(got[2]?.address, '127.0.0.3');
  // 64 per call: three calls, the last one short.
  assert.equal(io.recvCalls, 3);
  s.setReading(false);
  assert.equal(io.watching, false);
});

void test('batch socket: at most 256 datagrams per readable event, the rest at the next', () => {
  const io = new FakeBatchIo();
  const { s, got } = socketWith(io);
  s.setReading(true);
  for (let i = 0; i < 300; i++) io.inbound.push({ data: Buffer.from('x'), address: LOCALHOST, port: 1 });
  io.readable();
  assert.equal(got.length, 256);
  io.readable();
  assert.equal(got.length, 300);
});

void test('batch socket: a datagram longer than the largest message is reported truncated', () => {
  const io = new FakeBatchIo();
  const { s, got } = socketWith(io, 10);
  s.setReading(true);
  io.inbound.push({ data: Buffer.alloc(50, 0x41), address: LOCALHOST, port: 9 });
  io.inbound.push({ data: Buffer.alloc(10, 0x42), address: LOCALHOST, port: 9 });
  io.readable();
  assert.equal(got[0]?.truncated, true);
  assert.equal(got[1]?.truncated, false);
  assert.equal(got[1]?.text, 'BBBBBBBBBB');
});

void test('batch socket: read and poll failures are reported, not thrown', () => {
  const io = new FakeBatchIo();
  const { s, errors } = socketWith(io);
  s.setReading(true);
  io.recv = () => -9;
  io.readable();
  assert.equal(s.reading, true);
  // A failed poll stops reading (level-triggered, it would fire again at once).
  io.readable(-22);
  assert.deepEqual(errors, [
    ['recv', -9],
    ['recv', -22],
  ]);
  assert.equal(s.reading, false);
  assert.equal(io.watching, false);
});

void test('batch socket: one write call per turn, order and destinations kept', async () => {
  const io = new FakeBatchIo();
  const { s, slow } = socketWith(io);
  s.send(Buffer.from('a'), 5060, '127.0.0.1');
  s.send(Buffer.from('b'), 5061, '10.1.2.3');
  s.send(Buffer.from('c'), 5062, '255.255.255.255');
  assert.equal(io.sends.length, 0);
  await turn();
  assert.deepEqual(io.sends, [
    [
      { data: 'a', port: 5060, address: LOCALHOST },
      { data: 'b', port: 5061, address: 0x0a010203 },
      { data: 'c', port: 5062, address: 0xffffffff },
    ],
  ]);
  assert.equal(slow.length, 0);
});

void test('batch socket: a destination that is not an IPv4 literal goes the slow way after what was queued', () => {
  const io = new FakeBatchIo();
  const { s, slow } = socketWith(io);
  s.send(Buffer.from('a'), 1, '127.0.0.1');
  for (const odd of ['::1', 'host.example', '1.2.3.256', '1.2.3']) s.send(Buffer.from(odd), 2, odd);
  assert.deepEqual(io.sends, [[{ data: 'a', port: 1, address: LOCALHOST }]]);
  assert.deepEqual(
    slow.map((x) => x.address),
    ['::1', 'host.example', '1.2.3.256', '1.2.3'],
  );
});

void test('batch socket: a full socket buffer sends the rest the slow way, in order; a refused datagram is skipped', async () => {
  const io = new FakeBatchIo();
  const { s, slow, errors } = socketWith(io);
  // 2 written, then EAGAIN: the remaining 3 go through the fallback.
  io.sendResults.push(2, -11);
  for (const t of ['1', '2', '3', '4', '5']) s.send(Buffer.from(t), 7, '127.0.0.1');
  await turn();
  assert.deepEqual(
    io.sends.flat().map((x) => x.data),
    ['1', '2'],
  );
  assert.deepEqual(
    slow.map((x) => [x.text, x.port, x.address]),
    [
      ['3', 7, '127.0.0.1'],
      ['4', 7, '127.0.0.1'],
      ['5', 7, '127.0.0.1'],
    ],
  );
  assert.deepEqual(errors, [['send', -11]]);
  // EMSGSIZE on the first: that one is counted and skipped, the others written.
  io.sendResults.push(-90);
  for (const t of ['x', 'y']) s.send(Buffer.from(t), 7, '127.0.0.1');
  await turn();
  assert.deepEqual(
    io.sends
      .slice(1)
      .flat()
      .map((x) => x.data),
    ['y'],
  );
  assert.deepEqual(errors[1], ['send', -90]);
});

void test('batch socket: more than 256 queued datagrams take several write calls', async () => {
  const io = new FakeBatchIo();
  const { s } = socketWith(io);
  for (let i = 0; i < 600; i++) s.send(Buffer.from(String(i)), 1, '127.0.0.1');
  await turn();
  assert.deepEqual(
    io.sends.map((b) => b.length),
    [256, 256, 88],
  );
  assert.equal(io.sends.flat()[599]?.data, '599');
});

void test('batch socket: close writes what is queued and stops reading; a closed socket cannot read again', () => {
  const io = new FakeBatchIo();
  const { s, slow } = socketWith(io);
  s.setReading(true);
  s.send(Buffer.from('last'), 1, '127.0.0.1');
  s.close();
  assert.equal(io.sends.flat()[0]?.data, 'last');
  assert.equal(io.watching, false);
  assert.equal(s.setReading(true), false);
  // After close, a send is not lost: it goes the slow way.
  s.send(Buffer.from('late'), 1, '127.0.0.1');
  assert.equal(slow[0]?.text, 'late');
});

void test('batch socket: a watch that cannot start is reported as false', () => {
  const io = new FakeBatchIo();
  io.watch = () => {
    throw new Error('watch: the descriptor cannot be duplicated');
  };
  const { s } = socketWith(io);
  assert.equal(s.setReading(true), false);
  assert.equal(s.reading, false);
});

void test('udp listener with batch io: reads, counts and answers through the batch socket; setReading toggles it', async () => {
  const io = new FakeBatchIo();
  const metrics = new MetricsRegistry();
  const received: { text: string; flow: Flow }[] = [];
  const l = new UdpListener(
    { host: '127.0.0.1', port: 0, maxMessageSize: 200, maxFlows: 16, recvBufferSize: 0, sendBufferSize: 0 },
    { user: { onMessage: (data, flow) => received.push({ text: data.toString(), flow }) } },
    new TransportMetrics(metrics).for('udp'),
    silentLogger(),
    io,
  );
  assert.ok((await l.bind()).ok);
  try {
    assert.equal(l.batched, true);
    assert.equal(io.watching, true);
    io.inbound.push({ data: Buffer.from('OPTIONS sip:x SIP/2.0\r\n\r\n'), address: LOCALHOST, port: 7000 });
    io.inbound.push({ data: Buffer.from('\r\n\r\n'), address: LOCALHOST, port: 7000 });
    io.inbound.push({ data: Buffer.alloc(300, 0x41), address: LOCALHOST, port: 7000 });
    io.readable();
    assert.equal(received.length, 1);
    const flow = received[0]?.flow as Flow;
    assert.deepEqual(flow.remote, { address: '127.0.0.1', port: 7000 });
    const m = metrics.get('sip_transport_messages_in');
    assert.equal(m !== undefined && 'total' in m ? m.total() : -1, 1);
    const errs = metrics.get('sip_transport_errors');
    assert.equal(errs !== undefined && 'total' in errs ? errs.total() : -1, 1);
    flow.send(Buffer.from('reply'));
    await turn();
    assert.deepEqual(io.sends, [[{ data: 'reply', port: 7000, address: LOCALHOST }]]);
    assert.equal(l.setReading(false), true);
    assert.equal(io.watching, false);
    assert.equal(l.setReading(true), true);
    assert.equal(io.watching, true);
    // A failed poll: the listener reads through dgram from then on (a real datagram arrives) and keeps
    // writing in batches.
    io.readable(-9);
    assert.equal(io.watching, false);
    const peer = dgram.createSocket('udp4');
    await new Promise<void>((res) => peer.bind(0, '127.0.0.1', res));
    peer.send('MESSAGE sip:y SIP/2.0\r\n\r\n', l.localAddress.port, '127.0.0.1');
    for (let i = 0; i < 100 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    peer.close();
    assert.equal(received[1]?.text, 'MESSAGE sip:y SIP/2.0\r\n\r\n');
    assert.equal(io.watching, false);
  } finally {
    await l.close();
  }
  assert.equal(io.watching, false);
});

void test('udp listener with batch io: an IPv6 listener keeps Node dgram', async () => {
  const io = new FakeBatchIo();
  const l = new UdpListener(
    { host: '::1', port: 0, maxMessageSize: 200, maxFlows: 16, recvBufferSize: 0, sendBufferSize: 0 },
    { user: undefined },
    new TransportMetrics(new MetricsRegistry()).for('udp'),
    silentLogger(),
    io,
  );
  const r = await l.bind();
  if (!r.ok) return; // no IPv6 loopback here
  try {
    assert.equal(l.batched, false);
    assert.equal(io.watching, false);
    const peer = dgram.createSocket('udp6');
    await new Promise<void>((res) => peer.bind(0, '::1', res));
    peer.close();
  } finally {
    await l.close();
  }
});
