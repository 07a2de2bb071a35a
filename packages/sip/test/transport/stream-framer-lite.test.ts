import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  StreamFramerLite,
  findContentLength,
  type FramerLiteError,
} from '../../src/transport/stream-framer-lite.js';

function collect(max = 65535): {
  framer: StreamFramerLite;
  messages: string[];
  pings: number;
  pongs: number;
  errors: FramerLiteError[];
} {
  const out = { messages: [] as string[], pings: 0, pongs: 0, errors: [] as FramerLiteError[] };
  const framer = new StreamFramerLite(
    {
      onMessage: (m) => out.messages.push(m.toString('latin1')),
      onPing: () => out.pings++,
      onPong: () => out.pongs++,
      onError: (e) => out.errors.push(e),
    },
    max,
  );
  return Object.assign(out, { framer }) as ReturnType<typeof collect>;
}

function msg(body: string, clHeader = 'Content-Length'): string {
  return (
    'OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nCall-ID: x\r\n' +
    `${clHeader}: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

void test('one message in one chunk', () => {
  const c = collect();
  const m = msg('hello');
  c.framer.push(Buffer.from(m));
  assert.deepEqual(c.messages, [m]);
});

void test('coalesced messages in one chunk, split at every byte position', () => {
  const a = msg('first body');
  const b = msg('', 'l');
  const d = msg('x'.repeat(300), 'content-length');
  const all = Buffer.from(a + b + d);
  for (let cut = 1; cut < all.length; cut++) {
    const c = collect();
    c.framer.push(all.subarray(0, cut));
    c.framer.push(all.subarray(cut));
    assert.deepEqual(c.messages, [a, b, d], `cut at ${cut}`);
    assert.equal(c.errors.length, 0);
  }
});

void test('byte-by-byte delivery', () => {
  const a = msg('abc');
  const b = msg('defg');
  const c = collect();
  for (const byte of Buffer.from(a + b)) c.framer.push(Buffer.from([byte]));
  assert.deepEqual(c.messages, [a, b]);
});

void test('compact form and spacing around the colon', () => {
  const m = 'SIP/2.0 200 OK\r\nl : 3\r\n\r\nabc';
  const c = collect();
  c.framer.push(Buffer.from(m));
  assert.deepEqual(c.messages, [m]);
});

void test('missing Content-Length is an error', () => {
  const c = collect();
  c.framer.push(Buffer.from('OPTIONS sip:a SIP/2.0\r\nCall-ID: x\r\n\r\n'));
  assert.deepEqual(c.errors, ['missing-content-length']);
  c.framer.push(Buffer.from(msg('')));
  assert.equal(c.messages.length, 0, 'framer stays failed');
});

void test('bad Content-Length values', () => {
  for (const v of ['abc', '-1', '1 2', '', '99999999999']) {
    const c = collect();
    c.framer.push(Buffer.from(`OPTIONS sip:a SIP/2.0\r\nContent-Length: ${v}\r\n\r\n`));
    assert.deepEqual(c.errors, ['bad-content-length'], v);
  }
});

void test('too large: headers without end, and announced body', () => {
  const c = collect(1000);
  c.framer.push(Buffer.from('OPTIONS sip:a SIP/2.0\r\n' + 'X: y\r\n'.repeat(300)));
  assert.deepEqual(c.errors, ['too-large']);
  const d = collect(1000);
  d.framer.push(Buffer.from('OPTIONS sip:a SIP/2.0\r\nContent-Length: 5000\r\n\r\n'));
  assert.deepEqual(d.errors, ['too-large']);
});

void test('keep-alives: ping, split ping, pong, CRLF before start-line', () => {
  const c = collect();
  c.framer.push(Buffer.from('\r\n\r\n'));
  assert.equal(c.pings, 1);
  c.framer.push(Buffer.from('\r\n\r'));
  c.framer.push(Buffer.from('\n'));
  assert.equal(c.pings, 2);
  c.framer.push(Buffer.from('\r\n'));
  assert.equal(c.pongs, 1);
  c.framer.push(Buffer.from('\r\n'));
  assert.equal(c.pings, 3, 'ping split in two halves');
  const m = msg('z');
  c.framer.push(Buffer.from('\r\n' + m));
  assert.deepEqual(c.messages, [m]);
  c.framer.push(Buffer.from(m + '\r\n\r\n' + m));
  assert.deepEqual(c.messages, [m, m, m]);
  assert.equal(c.pings, 4);
});

void test('findContentLength ignores look-alike headers', () => {
  const b = Buffer.from('INVITE x SIP/2.0\r\nContent-Lengthy: 4\r\nLocation: 5\r\nL: 7\r\n\r\n');
  assert.equal(findContentLength(b, 0, b.length - 2), 7);
  const dup = Buffer.from('INVITE x SIP/2.0\r\nContent-Length: 4\r\nl: 5\r\n\r\n');
  assert.equal(findContentLength(dup, 0, dup.length - 2), -2);
});
