import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Duplex } from 'node:stream';
import { StreamTransport, frameLength } from '../../src/index.js';

void test('frameLength reads the outer BER header', () => {
  assert.equal(frameLength(Buffer.from([0x30])), 0);
  assert.equal(frameLength(Buffer.from([0x30, 0x05])), 7);
  assert.equal(frameLength(Buffer.from([0x30, 0x82, 0x01])), 0);
  assert.equal(frameLength(Buffer.from([0x30, 0x82, 0x01, 0x00])), 260);
  assert.equal(frameLength(Buffer.from([0x04, 0x00])), -1);
  assert.equal(frameLength(Buffer.from([0x30, 0x80])), -1);
});

void test('messages split and coalesced across chunks are delivered whole; garbage closes the stream', async () => {
  const input = new PassThrough();
  const output = new PassThrough();
  const d = Duplex.from({ readable: input, writable: output });
  const errors: string[] = [];
  const t = new StreamTransport(d, { onError: (r) => errors.push(r), maxMessageSize: 1000 });
  const got: string[] = [];
  t.onMessage((b) => got.push(b.toString('hex')));
  const m1 = Buffer.from('3003020101', 'hex');
  const m2 = Buffer.concat([Buffer.from([0x30, 0x81, 0x80]), Buffer.alloc(128, 1)]);
  const all = Buffer.concat([m1, m2, m1]);
  input.write(all.subarray(0, 2));
  input.write(all.subarray(2, 9));
  input.write(all.subarray(9));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(got, [m1.toString('hex'), m2.toString('hex'), m1.toString('hex')]);
  input.write(Buffer.from([0x04, 0x01, 0x00]));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(errors, ['bad frame']);
});
