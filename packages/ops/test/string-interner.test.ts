import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StringInterner, flatCopy } from '../src/string-interner.js';

void test('StringInterner: equal strings come back as one kept copy, up to maxEntries distinct values', () => {
  const i = new StringInterner(2);
  const a = i.intern('Yealink SIP-T46S 66.85.0.5'.slice(0));
  assert.equal(i.intern('Yealink SIP-T46S 66.85.0.5'), a);
  assert.equal(i.intern('short'), 'short');
  assert.equal(i.size, 2);
  // full: a third value is returned (equal) but not kept
  assert.equal(i.intern('Grandstream HT802 1.0.43.11'), 'Grandstream HT802 1.0.43.11');
  assert.equal(i.size, 2);
  assert.equal(i.intern(''), '');
});

void test('flatCopy returns an equal string for short, long and non-ASCII input', () => {
  for (const s of [
    '',
    'a',
    'twelve chars',
    'thirteen char',
    'x'.repeat(500),
    'Gerät "ü" \\ \u0000 \ud83d\ude00',
  ])
    assert.equal(flatCopy(s), s);
});
