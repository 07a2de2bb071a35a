import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  WsFrameDecoder,
  WsOpcode,
  encodeWsFrame,
  wsAcceptKey,
  type WsDecodeError,
} from '../../src/transport/index.js';

function decoder(expectMasked: boolean, max = 65535) {
  const out = {
    messages: [] as { text: string; binary: boolean }[],
    pings: [] as string[],
    pongs: 0,
    closes: [] as number[],
    errors: [] as WsDecodeError[],
  };
  const d = new WsFrameDecoder(
    {
      onMessage: (p, binary) => out.messages.push({ text: p.toString('utf8'), binary }),
      onPing: (p) => out.pings.push(p.toString()),
      onPong: () => out.pongs++,
      onClose: (code) => out.closes.push(code),
      onError: (e) => out.errors.push(e),
    },
    expectMasked,
    max,
  );
  return { d, out };
}

void test('RFC 6455 §1.3 accept key example', () => {
  assert.equal(wsAcceptKey('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
});

void test('masked and unmasked frames of all three length encodings, split at every byte', () => {
  for (const size of [5, 200, 70_000]) {
    const payload = Buffer.alloc(size, 'a');
    payload.write('SIP/2.0 200 OK');
    for (const masked of [true, false]) {
      const frame = encodeWsFrame(WsOpcode.Text, payload, masked);
      const cuts =
        size > 1000
          ? [1, 2, 5, 9, 13, 1000, frame.length - 1]
          : [...Array(frame.length - 1).keys()].map((i) => i + 1);
      for (const cut of cuts) {
        const { d, out } = decoder(masked, 100_000);
        d.push(frame.subarray(0, cut));
        d.push(frame.subarray(cut));
        assert.equal(out.messages.length, 1, `size ${size} masked ${masked} cut ${cut}`);
        assert.equal(out.messages[0]?.text, payload.toString());
      }
    }
  }
});

void test('fragmented message with an interleaved ping', () => {
  const { d, out } = decoder(false);
  const f1 = encodeWsFrame(WsOpcode.Text, Buffer.from('INVITE '), false);
  f1[0] = WsOpcode.Text; // FIN cleared
  const ping = encodeWsFrame(WsOpcode.Ping, Buffer.from('hb'), false);
  const f2 = encodeWsFrame(WsOpcode.Continuation, Buffer.from('sip:a '), false);
  f2[0] = WsOpcode.Continuation;
  const f3 = encodeWsFrame(WsOpcode.Continuation, Buffer.from('SIP/2.0'), false);
  d.push(Buffer.concat([f1, ping, f2, f3]));
  assert.deepEqual(out.messages, [{ text: 'INVITE sip:a SIP/2.0', binary: false }]);
  assert.deepEqual(out.pings, ['hb']);
});

void test('close, pong, binary', () => {
  const { d, out } = decoder(true);
  const close = Buffer.alloc(2);
  close.writeUInt16BE(1001);
  d.push(
    Buffer.concat([
      encodeWsFrame(WsOpcode.Binary, Buffer.from('bin'), true),
      encodeWsFrame(WsOpcode.Pong, Buffer.alloc(0), true),
      encodeWsFrame(WsOpcode.Close, close, true),
    ]),
  );
  assert.deepEqual(out.messages, [{ text: 'bin', binary: true }]);
  assert.equal(out.pongs, 1);
  assert.deepEqual(out.closes, [1001]);
});

void test('protocol errors: mask violation, too large, bad control frame, stray continuation, RSV bits', () => {
  const cases: [Buffer, boolean, WsDecodeError][] = [
    [encodeWsFrame(WsOpcode.Text, Buffer.from('x'), false), true, 'mask-violation'],
    [encodeWsFrame(WsOpcode.Text, Buffer.from('x'), true), false, 'mask-violation'],
    [encodeWsFrame(WsOpcode.Text, Buffer.alloc(2000), false), false, 'too-large'],
    [encodeWsFrame(WsOpcode.Ping, Buffer.alloc(126), false), false, 'protocol-error'],
    [encodeWsFrame(WsOpcode.Continuation, Buffer.from('x'), false), false, 'protocol-error'],
    [Buffer.from([0xc1, 0x00]), false, 'protocol-error'],
    [Buffer.from([0x83, 0x00]), false, 'protocol-error'],
  ];
  for (const [frame, masked, err] of cases) {
    const { d, out } = decoder(masked, 1000);
    d.push(frame);
    assert.deepEqual(out.errors, [err]);
  }
});
