// The cached and pooled fast paths of DigestServer / NonceManager give the same results as the plain ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import {
  DigestClient,
  DigestServer,
  InMemoryCredentialStore,
  NonceManager,
  formatDigestChallenge,
  parseDigestChallenge,
} from '../../src/auth/index.js';

void test('nonce pool: nonces stay unique and verifiable across pool refills', () => {
  const m = new NonceManager({ realm: 'r', secret: Buffer.alloc(32, 7), lifetimeMs: 1000 });
  const t0 = 1_700_000_000_000;
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const n = m.issue(t0);
    assert.ok(!seen.has(n));
    seen.add(n);
    assert.deepEqual(m.check(n, t0), { ok: true, issuedAt: t0, expired: false });
  }
  // The time survives the 64-bit split (values above 2^32).
  const big = 2 ** 52 + 12345;
  assert.deepEqual(m.check(m.issue(big), big), { ok: true, issuedAt: big, expired: false });
});

void test('nonce table: eviction beyond maxTracked keeps working and reports forgotten nonces', () => {
  const m = new NonceManager({ realm: 'r', secret: Buffer.alloc(32, 7), lifetimeMs: 60_000, maxTracked: 32 });
  const t0 = 1_700_000_000_000;
  const first = m.issue(t0);
  assert.equal(m.useNc(first, t0, '00000001'), 'ok');
  for (let i = 1; i <= 100; i++) {
    const n = m.issue(t0 + i);
    assert.equal(m.useNc(n, t0 + i, '00000001'), 'ok');
    assert.ok(m.trackedCount <= 32);
  }
  assert.equal(m.useNc(first, t0, '00000002'), 'forgotten');
});

void test('challenge: cached header parts give what formatDigestChallenge gives', () => {
  const store = new InMemoryCredentialStore();
  const server = new DigestServer(
    { log: silentLogger(), metrics: new MetricsRegistry(), credentials: store },
    { realm: 'ex"ample', algorithms: ['MD5', 'SHA-256'] },
  );
  for (const stale of [false, true]) {
    const ch = server.challenge({ stale });
    assert.equal(ch.length, 2);
    const nonce = parseDigestChallenge(ch[0] as string);
    assert.ok(nonce.ok);
    const expected = ['SHA-256', 'MD5'].map((algorithm) =>
      formatDigestChallenge({ realm: 'ex"ample', nonce: nonce.value.nonce, algorithm, qop: ['auth'], stale }),
    );
    assert.deepEqual(ch, expected);
  }
});

void test('cleartext credentials: a changed password takes effect at once', async () => {
  const store = new InMemoryCredentialStore();
  store.set('r', 'alice', { kind: 'password', password: 'one' });
  const server = new DigestServer(
    { log: silentLogger(), metrics: new MetricsRegistry(), credentials: store },
    { realm: 'r', algorithms: ['MD5'] },
  );
  const client = new DigestClient();
  const auth = (password: string, username = 'alice'): string => {
    const r = client.authorize({
      challenges: server.challenge(),
      username,
      password,
      method: 'REGISTER',
      uri: 'sip:r',
    });
    assert.ok(r.ok);
    return r.value;
  };
  assert.equal((await server.verify('REGISTER', auth('one'))).ok, true);
  assert.equal((await server.verify('REGISTER', auth('one'))).ok, true);
  store.set('r', 'alice', { kind: 'password', password: 'two' });
  assert.deepEqual((await server.verify('REGISTER', auth('one'))).ok, false);
  assert.equal((await server.verify('REGISTER', auth('two'))).ok, true);
  // Many users: each verified with its own password.
  for (let i = 0; i < 20; i++) {
    store.set('r', `u${i}`, { kind: 'password', password: `p${i}` });
    assert.equal((await server.verify('REGISTER', auth(`p${i}`, `u${i}`))).ok, true);
  }
});

void test('nonce MAC: the one-shot HMAC equals HMAC-SHA256(secret, issuedAt | random | realm)', () => {
  for (const secret of [Buffer.alloc(32, 7), Buffer.alloc(100, 9), Buffer.alloc(64, 1), Buffer.alloc(3, 2)]) {
    const realm = 'bench.local';
    const m = new NonceManager({ realm, secret, lifetimeMs: 1000 });
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < 20; i++) {
      const b = Buffer.from(m.issue(t0 + i), 'base64url');
      assert.equal(b.length, 32);
      const mac = createHmac('sha256', secret)
        .update(Buffer.concat([b.subarray(0, 16), Buffer.from(realm)]))
        .digest()
        .subarray(0, 16);
      assert.deepEqual(b.subarray(16), mac);
    }
  }
  // A nonce whose MAC is one bit off, or that is not base64url, is refused.
  const m = new NonceManager({ realm: 'r', secret: Buffer.alloc(32, 7), lifetimeMs: 1000 });
  const n = Buffer.from(m.issue(5000), 'base64url');
  n[31] = (n[31] as number) ^ 1;
  assert.deepEqual(m.check(n.toString('base64url'), 5000), { ok: false, reason: 'bad-nonce' });
  assert.deepEqual(m.check('!'.repeat(43), 5000), { ok: false, reason: 'bad-nonce' });
});

void test('verifyNow: synchronous with a synchronous store, a promise with an asynchronous one', async () => {
  const store = new InMemoryCredentialStore();
  store.set('r', 'alice', { kind: 'password', password: 'one' });
  const asyncStore = { lookup: (realm: string, u: string) => Promise.resolve(store.lookup(realm, u)) };
  const deps = { log: silentLogger(), metrics: new MetricsRegistry() };
  const sync = new DigestServer({ ...deps, credentials: store }, { realm: 'r', algorithms: ['MD5'] });
  const later = new DigestServer({ ...deps, credentials: asyncStore }, { realm: 'r', algorithms: ['MD5'] });
  const client = new DigestClient();
  const auth = (server: DigestServer, password: string): string => {
    const r = client.authorize({
      challenges: server.challenge(),
      username: 'alice',
      password,
      method: 'REGISTER',
      uri: 'sip:r',
    });
    assert.ok(r.ok);
    return r.value;
  };
  const a = sync.verifyNow('REGISTER', auth(sync, 'one'));
  assert.ok(!(a instanceof Promise));
  assert.equal(a.ok, true);
  const wrong = sync.verifyNow('REGISTER', auth(sync, 'two'));
  assert.ok(!(wrong instanceof Promise));
  assert.deepEqual(wrong, { ok: false, reason: 'bad-response', username: 'alice' });
  const b = later.verifyNow('REGISTER', auth(later, 'one'));
  assert.ok(b instanceof Promise);
  assert.equal((await b).ok, true);
  assert.equal((await later.verify('REGISTER', auth(later, 'two'))).ok, false);
  // The response may be sent in upper-case hex (RFC 7616 LHEX is lower-case; both are accepted).
  const upper = auth(sync, 'one').replace(
    /response="([0-9a-f]+)"/,
    (_m, h: string) => `response="${h.toUpperCase()}"`,
  );
  assert.equal((await sync.verify('REGISTER', upper)).ok, true);
});
