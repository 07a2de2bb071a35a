import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '@beckon/testkit';
import { NonceCountTable } from '../../src/auth/nonce-count-table.js';

/** A key of eight words; with `collide`, word 4 (the hashed one) takes three values only: long probe runs. */
function key(id: number, collide: boolean): Int32Array {
  const k = new Int32Array(8);
  k[0] = id;
  k[4] = collide ? id % 3 : Math.imul(id, 2654435761);
  return k;
}

/**
 * The table against a model over random adds, lookups, updates and removals: same contents, same
 * evictions, same counts. The model is a Map plus the ring order the table promises: slots filled in
 * order, then reused from the oldest on, a slot freed by a removal being reused when the ring comes round
 * to it. Small capacities force growth, wrap-around and long probe runs (keys sharing their hashed bytes).
 */
void test('nonce-count table agrees with a Map-based model on random operations', () => {
  for (const [seed, capacity, collide] of [
    [1, 7, false],
    [2, 64, false],
    [3, 2000, false],
    [4, 50, true],
    [5, 1, false],
  ] as const) {
    const rand = seededRandom(seed);
    const table = new NonceCountTable(capacity);
    const model = new Map<number, { issuedAt: number; maxNc: number; window: number }>();
    const ring: (number | undefined)[] = [];
    let head = 0;
    const evicted: number[] = [];
    const modelEvicted: number[] = [];
    let nextId = 1;
    for (let step = 0; step < 20_000; step++) {
      const r = rand();
      if (r < 0.5) {
        const id = nextId++;
        if (ring.length < capacity) ring.push(id);
        else {
          const old = ring[head];
          if (old !== undefined && model.has(old)) {
            modelEvicted.push((model.get(old) as { issuedAt: number }).issuedAt);
            model.delete(old);
          }
          ring[head] = id;
          head = (head + 1) % capacity;
        }
        model.set(id, { issuedAt: id * 10, maxNc: 1, window: 0 });
        assert.equal(table.find(key(id, collide)), -1);
        table.add(key(id, collide), id * 10, 1, (t) => evicted.push(t));
      } else if (r < 0.85) {
        const id = 1 + Math.floor(rand() * nextId);
        const m = model.get(id);
        const slot = table.find(key(id, collide));
        assert.equal(slot >= 0, m !== undefined, `seed ${seed} step ${step} find ${id}`);
        if (m && slot >= 0) {
          assert.equal(table.issuedAt(slot), m.issuedAt);
          assert.equal(table.maxNc(slot), m.maxNc);
          assert.equal(table.window(slot), m.window);
          m.maxNc += 1;
          m.window = ((m.window << 1) | 1) >>> 0;
          table.update(slot, m.maxNc, m.window);
        }
      } else if (r < 0.87) {
        // Remove everything issued before a random point (a prune).
        const limit = Math.floor(rand() * nextId) * 10;
        const gone: number[] = [];
        table.removeWhere(
          (t) => t < limit,
          (t) => gone.push(t),
        );
        const modelGone: number[] = [];
        for (const [id, s] of model)
          if (s.issuedAt < limit) {
            model.delete(id);
            modelGone.push(s.issuedAt);
          }
        assert.deepEqual(
          gone.sort((a, b) => a - b),
          modelGone.sort((a, b) => a - b),
        );
      }
      assert.equal(table.count, model.size);
    }
    assert.deepEqual(evicted, modelEvicted);
  }
});

void test('nonce-count table: a full table forgets its oldest nonce first', () => {
  const table = new NonceCountTable(4);
  const gone: number[] = [];
  for (let id = 1; id <= 6; id++) table.add(key(id, false), id, 1, (t) => gone.push(t));
  assert.deepEqual(gone, [1, 2]);
  assert.equal(table.count, 4);
  assert.equal(table.find(key(1, false)), -1);
  assert.ok(table.find(key(6, false)) >= 0);
});
