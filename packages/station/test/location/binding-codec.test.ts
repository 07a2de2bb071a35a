import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decodeBinding, encodeBinding } from '../../src/location/index.js';
import { record } from './fixtures.js';

const full = record(7, {
  contactParams: { q: '0.5', '+sip.instance': '"<urn:uuid:00000000-0000-1000-8000-001122334455>"', lr: null },
  displayName: 'Desk "7"',
  instance: '<urn:uuid:00000000-0000-1000-8000-001122334455>',
  regId: 1,
  instrument: '001122334455',
  authUser: 'u7',
  path: ['<sip:edge1.example.net;lr>', '<sip:edge2.example.net;lr>'],
  flow: {
    transport: 'tcp',
    localAddress: '127.0.0.1',
    localPort: 5060,
    remoteAddress: '192.0.2.7',
    remotePort: 40_000,
    flowId: 'tcp:7',
  },
  userAgent: 'Phone/1.0 (é)',
});

void test('format 2 round-trips a full and a minimal binding, absent fields staying absent', () => {
  for (const b of [full, record(1)]) {
    const text = encodeBinding(b);
    assert.ok(text.startsWith('[2,'));
    assert.deepEqual(decodeBinding(text), b);
    assert.deepEqual(decodeBinding(JSON.parse(text)), b, 'parsed already (PostgreSQL JSONB)');
  }
  assert.ok(encodeBinding(full).length < JSON.stringify(full).length * 0.75, 'smaller than format 1');
});

void test('format 1 rows (JSON objects) still load', () => {
  assert.deepEqual(decodeBinding(JSON.stringify(full)), full);
  assert.deepEqual(decodeBinding(JSON.parse(JSON.stringify(full))), full);
});

void test('corrupt data decodes to undefined and never throws', () => {
  for (const bad of [
    '',
    '[',
    '[3,"sip:a"]',
    '[2]',
    '[2,"sip:a","k","x"]',
    'null',
    '42',
    '{"aor":1}',
    '[2,null]',
  ])
    assert.equal(decodeBinding(bad), undefined, bad);
  const good = encodeBinding(full);
  for (let i = 0; i < 3000; i++) {
    // Cut, splice in random bytes, or swap types, anywhere in a valid row.
    const at = i % good.length;
    const variants = [
      good.slice(0, at),
      good.slice(0, at) + randomBytes(3).toString('latin1') + good.slice(at + 1),
      good.replace(/\d+/g, (m) => (i % 2 ? `"${m}"` : m)),
    ];
    for (const v of variants) {
      const r = decodeBinding(v);
      if (r !== undefined) assert.equal(typeof r.aor, 'string');
    }
  }
});
