import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newRequestId } from '../../src/management/request-id.js';

void test('a management request ID never starts with "-" (a command line would read it as an option)', () => {
  // 0xf8 makes the first base64url character '-' (62); the second draw starts with 'A'.
  const draws = [Buffer.alloc(9, 0xf8), Buffer.alloc(9, 0x00)];
  const id = newRequestId(() => draws.shift() as Buffer);
  assert.equal(Buffer.alloc(9, 0xf8).toString('base64url')[0], '-');
  assert.equal(id, 'AAAAAAAAAAAA');
  assert.equal(draws.length, 0);
  for (let i = 0; i < 5000; i++) assert.match(newRequestId(), /^[A-Za-z0-9_][A-Za-z0-9_-]{11}$/);
});
