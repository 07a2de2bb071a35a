import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamFramer } from '../../src/index.js';

const MSG = Buffer.from(
  'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nContent-Length: 5\r\n\r\nhello',
);

void test('frames back-to-back messages split anywhere', () => {
  const stream = Buffer.concat([MSG, MSG, MSG]);
  for (let step = 1; step <= stream.length; step += 7) {
    const f = new StreamFramer();
    const got: Buffer[] = [];
    for (let p = 0; p < stream.length; p += step) {
      for (const x of f.push(stream.subarray(p, p + step))) if (x.kind === 'message') got.push(x.data);
    }
    assert.deepEqual(got, [MSG, MSG, MSG], `step ${step}`);
    assert.equal(f.buffered, 0);
  }
});

void test('keep-alive ping (CRLFCRLF) and pong (CRLF) are reported', () => {
  const f = new StreamFramer();
  assert.deepEqual(f.push(Buffer.from('\r\n\r\n')), [{ kind: 'ping' }]);
  assert.deepEqual(f.push(Buffer.from('\r\n')), [{ kind: 'pong' }]);
  const g = new StreamFramer();
  const out = g.push(Buffer.concat([Buffer.from('\r\n\r\n'), MSG]));
  assert.deepEqual(
    out.map((x) => x.kind),
    ['ping', 'message'],
  );
});

void test('missing Content-Length and oversize are errors; framer then stays failed', () => {
  const f = new StreamFramer();
  const out = f.push(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\n'));
  assert.equal(out[0]?.kind, 'error');
  assert.equal(out[0]?.kind === 'error' && out[0].code, 'missing-content-length');
  assert.ok(f.isFailed);
  assert.deepEqual(f.push(MSG), []);
  const g = new StreamFramer({ maxMessageSize: 50 });
  const o2 = g.push(MSG);
  assert.equal(o2[0]?.kind === 'error' && o2[0].code, 'too-large');
  const h = new StreamFramer({ maxMessageSize: 100 });
  const o3 = h.push(Buffer.alloc(200, 0x41));
  assert.equal(o3[0]?.kind === 'error' && o3[0].code, 'too-large');
});
