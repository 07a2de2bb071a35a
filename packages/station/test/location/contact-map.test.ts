import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContactMap } from '../../src/location/contact-map.js';

void test('ContactMap: get, set (add and replace), delete, iteration in insertion order', () => {
  const m = new ContactMap<number>('a', 1);
  assert.equal(m.size, 1);
  assert.equal(m.get('a'), 1);
  assert.equal(m.get('b'), undefined);
  m.set('b', 2);
  m.set('c', 3);
  m.set('a', 10);
  assert.equal(m.size, 3);
  assert.deepEqual(
    [...m],
    [
      ['a', 10],
      ['b', 2],
      ['c', 3],
    ],
  );
  assert.equal(m.delete('b'), true);
  assert.equal(m.delete('b'), false);
  assert.deepEqual([...m.values()], [10, 3]);
  assert.equal(m.delete('a'), true);
  assert.equal(m.delete('c'), true);
  assert.equal(m.size, 0);
  assert.deepEqual([...m], []);
  m.set('d', 4);
  assert.deepEqual([...m], [['d', 4]]);
});

void test('ContactMap: property against a Map', () => {
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const m = new ContactMap<number>('k0', 0);
  const ref = new Map<string, number>([['k0', 0]]);
  for (let i = 0; i < 5000; i++) {
    const k = `k${rnd(12)}`;
    const op = rnd(3);
    if (op === 0) assert.equal(m.delete(k), ref.delete(k));
    else {
      m.set(k, i);
      ref.set(k, i);
    }
    assert.equal(m.get(k), ref.get(k));
    assert.equal(m.size, ref.size);
  }
  assert.deepEqual([...m], [...ref]);
});

void test('ContactMap: only() is the value of a single entry', () => {
  const m = new ContactMap<number>('a', 1);
  assert.equal(m.only(), 1);
  m.set('b', 2);
  assert.equal(m.only(), undefined);
  m.delete('a');
  assert.equal(m.only(), 2);
  m.delete('b');
  assert.equal(m.only(), undefined);
  assert.equal(m.size, 0);
});
