import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShardedMap } from '@beckon/ops';

void test('ShardedMap behaves as a Map for get/set/has/delete/size/iteration', () => {
  const m = new ShardedMap<string, number>(4);
  const ref = new Map<string, number>();
  let seed = 7;
  const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < 20_000; i++) {
    const k = `sip:u${Math.floor(rnd() * 5000)}@example.net`;
    const op = rnd();
    if (op < 0.6) {
      m.set(k, i);
      ref.set(k, i);
    } else if (op < 0.8) assert.equal(m.delete(k), ref.delete(k));
    else assert.equal(m.get(k), ref.get(k));
    assert.equal(m.has(k), ref.has(k));
  }
  assert.equal(m.size, ref.size);
  assert.deepEqual(new Map([...m]), ref);
  assert.deepEqual(new Set(m.keys()), new Set(ref.keys()));
  m.clear();
  assert.equal(m.size, 0);
  assert.equal([...m.values()].length, 0);
});

void test('ShardedMap spreads sequential numbers and similar strings over its shards', () => {
  const m = new ShardedMap<number, number>(6);
  for (let i = 0; i < 64_000; i++) m.set(i, i);
  const sizes = (m as unknown as { shards: Map<number, number>[] }).shards.map((s) => s.size);
  // Pseudo-random spread: every shard near 1,000, not all identical (that would make them grow in step).
  assert.ok(Math.min(...sizes) > 800 && Math.max(...sizes) < 1200, String(sizes));
  assert.ok(new Set(sizes).size > 8);
  const s = new ShardedMap<string, number>(6);
  for (let i = 0; i < 64_000; i++) s.set(`sip:u${String(i).padStart(7, '0')}@bench.local`, i);
  const ssizes = (s as unknown as { shards: Map<string, number>[] }).shards.map((x) => x.size);
  assert.ok(Math.min(...ssizes) > 800 && Math.max(...ssizes) < 1200, String(ssizes));
});

void test('ShardedMap: a key used again (the same string or an equal one) finds its own entry after other keys', () => {
  const m = new ShardedMap<string, number>(4);
  const keys = Array.from({ length: 200 }, (_, i) => 'sip:u' + String(i).padStart(7, '0') + '@example.net');
  keys.forEach((k, i) => m.set(k, i));
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    // Same key twice, then a copy of it, then a neighbour, then the key again.
    assert.equal(m.get(k), i);
    assert.equal(m.get(k), i);
    assert.equal(m.get(JSON.parse(JSON.stringify(k)) as string), i);
    assert.equal(m.get(keys[(i + 1) % keys.length] as string), (i + 1) % keys.length);
    assert.equal(m.has(k), true);
    assert.equal(m.delete(k), true);
    assert.equal(m.get(k), undefined);
    m.set(k, i);
  }
  assert.equal(m.size, keys.length);
});
