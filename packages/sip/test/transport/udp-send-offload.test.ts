import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { TransportMetrics, UdpListener } from '../../src/transport/index.js';

function listener(metrics: MetricsRegistry): UdpListener {
  return new UdpListener(
    {
      host: '127.0.0.1',
      port: 0,
      maxMessageSize: 65535,
      maxFlows: 16,
      recvBufferSize: 0,
      sendBufferSize: 0,
    },
    { user: undefined },
    new TransportMetrics(metrics).for('udp'),
    silentLogger(),
  );
}

async function peer(): Promise<{ sock: dgram.Socket; port: number; got: string[] }> {
  const sock = dgram.createSocket('udp4');
  const got: string[] = [];
  sock.on('message', (m) => got.push(m.toString('latin1')));
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  return { sock, port: sock.address().port, got };
}

const total = (metrics: MetricsRegistry, name: string): number => {
  const m = metrics.get(name);
  return m !== undefined && 'total' in m ? m.total() : 0;
};

void test('send offload: one turn of datagrams goes to the offload in order, counted once, and writeDatagram writes them uncounted', async () => {
  const metrics = new MetricsRegistry();
  const l = listener(metrics);
  assert.ok((await l.bind()).ok);
  const p = await peer();
  try {
    const taken: (Buffer | number | string)[][] = [];
    l.setSendOffload((q) => taken.push([...q]));
    for (const text of ['one', 'two', 'three']) l.sendTo(Buffer.from(text), p.port, '127.0.0.1');
    // Queued until the end of the turn, then handed over together.
    assert.equal(taken.length, 0);
    await new Promise((r) => setImmediate(r));
    assert.equal(taken.length, 1);
    const q = taken[0] as (Buffer | number | string)[];
    assert.deepEqual(
      q.filter((_, i) => i % 3 === 0).map((b) => (b as Buffer).toString()),
      ['one', 'two', 'three'],
    );
    assert.deepEqual(
      q.filter((_, i) => i % 3 === 1),
      [p.port, p.port, p.port],
    );
    assert.equal(total(metrics, 'sip_transport_messages_out'), 3);
    // The thread given the datagrams writes them; nothing is counted twice.
    for (let i = 0; i < q.length; i += 3)
      assert.ok(l.writeDatagram(q[i] as Buffer, q[i + 1] as number, q[i + 2] as string));
    for (let i = 0; i < 50 && p.got.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(p.got, ['one', 'two', 'three']);
    assert.equal(total(metrics, 'sip_transport_messages_out'), 3);

    // Without an offload the listener writes again; what was queued at close is written, not lost.
    l.setSendOffload(() => assert.fail('offload removed'));
    l.sendTo(Buffer.from('four'), p.port, '127.0.0.1');
    l.setSendOffload(undefined);
    await new Promise((r) => setImmediate(r));
    l.setSendOffload(() => assert.fail('closed listeners write themselves'));
    l.sendTo(Buffer.from('five'), p.port, '127.0.0.1');
    await l.close();
    for (let i = 0; i < 50 && p.got.length < 5; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(p.got.slice(3), ['four', 'five']);
    assert.equal(l.writeDatagram(Buffer.from('six'), p.port, '127.0.0.1'), false);
  } finally {
    p.sock.close();
    await l.close();
  }
});
