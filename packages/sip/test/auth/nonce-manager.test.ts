import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NonceManager, parseNc } from '../../src/auth/index.js';

void test('nonce: issued nonces verify, tampered or foreign ones do not, age is reported', () => {
  const m = new NonceManager({ realm: 'r', secret: Buffer.alloc(32, 1), lifetimeMs: 1000 });
  const t0 = 1_700_000_000_000;
  const n = m.issue(t0);
  assert.equal(n.length, 43);
  assert.deepEqual(m.check(n, t0 + 10), { ok: true, issuedAt: t0, expired: false });
  assert.deepEqual(m.check(n, t0 + 1001), { ok: true, issuedAt: t0, expired: true });
  const flipped = (n[5] === 'A' ? 'B' : 'A') + '';
  assert.deepEqual(m.check(n.slice(0, 5) + flipped + n.slice(6), t0), { ok: false, reason: 'bad-nonce' });
  const other = new NonceManager({ realm: 'r2', secret: Buffer.alloc(32, 1), lifetimeMs: 1000 });
  assert.deepEqual(other.check(n, t0), { ok: false, reason: 'bad-nonce' }, 'bound to the realm');
  assert.deepEqual(m.check('', t0), { ok: false, reason: 'bad-nonce' });
  assert.deepEqual(m.check('!'.repeat(43), t0), { ok: false, reason: 'bad-nonce' });
  assert.deepEqual(m.check(m.issue(t0 + 120_000), t0), { ok: false, reason: 'bad-nonce' }, 'from the future');
});

void test('parseNc', () => {
  assert.equal(parseNc('00000001'), 1);
  assert.equal(parseNc('0000000a'), 10);
  assert.equal(parseNc('FFFFFFFF'), 0xffffffff);
  assert.equal(parseNc('1'), -1);
  assert.equal(parseNc('0000000g'), -1);
});

void test('nonce-count window agrees with a set-based model on random sequences', () => {
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  for (let run = 0; run < 200; run++) {
    const m = new NonceManager({ realm: 'r', secret: Buffer.alloc(32, 2), lifetimeMs: 1e9 });
    const nonce = m.issue(1000);
    const seen = new Set<number>();
    let max = 0;
    for (let i = 0; i < 300; i++) {
      const nc = max === 0 ? 1 + rand(5) : Math.max(1, max + rand(80) - 45);
      const expected = !seen.has(nc) && (nc > max || max - nc - 1 < 32);
      const got = m.useNc(nonce, 1000, nc.toString(16).padStart(8, '0'));
      assert.equal(got === 'ok', expected, `run ${run} step ${i} nc ${nc} max ${max}`);
      if (expected) {
        seen.add(nc);
        max = Math.max(max, nc);
      }
    }
  }
});
