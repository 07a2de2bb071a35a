import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import { seededRandom } from '@beckon/testkit';
import {
  DatagramBatchPacker,
  transferList,
  unpackDatagrams,
  type PackedDatagrams,
} from '../../src/registrar/challenge-threads/datagram-batch.js';

function unpacked(batch: PackedDatagrams): [string, string, number, string?][] {
  const out: [string, string, number, string?][] = [];
  unpackDatagrams(batch, (data, address, port, record) =>
    out.push(
      record === undefined
        ? [data.toString('latin1'), address, port]
        : [data.toString('latin1'), address, port, record],
    ),
  );
  return out;
}

void test('datagram batch: golden layout (bytes back to back; ends, port, address index per datagram)', () => {
  const p = new DatagramBatchPacker();
  p.add(Buffer.from('REGISTER'), '127.0.0.1', 5094);
  p.add(Buffer.from('\r\n'), '10.0.0.9', 5060);
  p.add(Buffer.from('OPTIONS'), '127.0.0.1', 65535);
  const b = p.take();
  assert.ok(b);
  assert.equal(Buffer.from(b.bytes).toString('latin1'), 'REGISTER\r\nOPTIONS');
  assert.deepEqual([...b.meta], [8, 8, 5094, 0, 10, 10, 5060, 1, 17, 17, 65535, 0]);
  assert.deepEqual(b.addresses, ['127.0.0.1', '10.0.0.9']);
  assert.deepEqual(transferList(b), [b.bytes, b.meta.buffer]);
  assert.deepEqual(unpacked(b), [
    ['REGISTER', '127.0.0.1', 5094],
    ['\r\n', '10.0.0.9', 5060],
    ['OPTIONS', '127.0.0.1', 65535],
  ]);
  // The packer starts over empty.
  assert.equal(p.length, 0);
  assert.equal(p.take(), undefined);
});

void test('datagram batch: round trip survives a transfer to another thread', async () => {
  const p = new DatagramBatchPacker();
  for (let i = 0; i < 100; i++) p.add(Buffer.from(`m${i}`), `10.0.${i % 3}.1`, 5000 + i);
  const b = p.take();
  assert.ok(b);
  const { port1, port2 } = new MessageChannel();
  const received = new Promise<PackedDatagrams>((resolve) => {
    port2.once('message', (m: PackedDatagrams) => resolve(m));
  });
  port1.postMessage(b, transferList(b));
  const got = await received;
  port1.close();
  port2.close();
  // Transferred: the sender's buffers are detached.
  assert.equal(b.bytes.byteLength, 0);
  const rows = unpacked(got);
  assert.equal(rows.length, 100);
  for (let i = 0; i < 100; i++) assert.deepEqual(rows[i], [`m${i}`, `10.0.${i % 3}.1`, 5000 + i]);
});

void test('datagram batch: random batches round-trip; malformed ones are cut short, never read out of bounds', () => {
  const rnd = seededRandom(7);
  for (let round = 0; round < 500; round++) {
    const p = new DatagramBatchPacker();
    const want: [string, string, number, string?][] = [];
    const n = 1 + Math.floor(rnd() * 40);
    for (let i = 0; i < n; i++) {
      const len = Math.floor(rnd() * 300);
      const text = String.fromCharCode(...Array.from({ length: len }, () => Math.floor(rnd() * 256)));
      const address = `192.0.2.${Math.floor(rnd() * 5)}`;
      const port = Math.floor(rnd() * 65536);
      // Every third datagram carries a record of Latin-1 text.
      const record =
        i % 3 === 0
          ? String.fromCharCode(
              ...Array.from({ length: 1 + Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256)),
            )
          : undefined;
      p.add(Buffer.from(text, 'latin1'), address, port, record);
      want.push(record === undefined ? [text, address, port] : [text, address, port, record]);
    }
    const b = p.take();
    assert.ok(b);
    assert.deepEqual(unpacked(b), want);
    // Damage the index: the unpacker stops at the first entry that does not fit.
    const meta = Uint32Array.from(b.meta);
    const at = Math.floor(rnd() * n) * 4 + Math.floor(rnd() * 4);
    meta[at] = Math.floor(rnd() * 2 ** 32);
    const rows = unpacked({ bytes: b.bytes, meta, addresses: b.addresses });
    assert.ok(rows.length <= n);
    for (const [text] of rows) assert.ok(text.length <= b.bytes.byteLength);
  }
});

void test('datagram batch: a record follows its datagram in the bytes, and reaches the receiver', () => {
  const p = new DatagramBatchPacker();
  p.add(Buffer.from('A'), '127.0.0.1', 1, 'ra');
  p.add(Buffer.from('B'), '10.0.0.9', 2);
  p.add(Buffer.from('C'), '10.0.0.9', 3, '\u00ff\u0000');
  const b = p.take();
  assert.ok(b);
  assert.equal(Buffer.from(b.bytes).toString('latin1'), 'AraBC\u00ff\u0000');
  assert.deepEqual([...b.meta], [1, 3, 1, 0, 4, 4, 2, 1, 5, 7, 3, 1]);
  assert.deepEqual(unpacked(b), [
    ['A', '127.0.0.1', 1, 'ra'],
    ['B', '10.0.0.9', 2],
    ['C', '10.0.0.9', 3, '\u00ff\u0000'],
  ]);
});
