import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import {
  DigestClient,
  DigestServer,
  InMemoryCredentialStore,
  computeDigestResponse,
  computeHa1,
  digestAlgorithm,
  parseDigestChallenge,
  parseDigestCredentials,
  type DigestServerInit,
} from '../../src/auth/index.js';

// RFC 7616 §3.9.1 example: user "Mufasa", password "Circle of Life".
const RFC = {
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  uri: '/dir/index.html',
  md5: '8ca523f5e9506fed4657c9700eebdbec',
  sha256: '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
};

void test('RFC 7616 §3.9.1 test vectors (MD5 and SHA-256)', () => {
  for (const [name, expected] of [
    ['MD5', RFC.md5],
    ['SHA-256', RFC.sha256],
  ] as const) {
    const alg = digestAlgorithm(name);
    assert.ok(alg);
    const r = computeDigestResponse({
      algorithm: alg,
      ha1: computeHa1(alg.hash, 'Mufasa', RFC.realm, 'Circle of Life'),
      nonce: RFC.nonce,
      method: 'GET',
      uri: RFC.uri,
      qop: 'auth',
      nc: '00000001',
      cnonce: RFC.cnonce,
    });
    assert.equal(r, expected, name);
  }
});

void test('DigestClient reproduces the RFC 7616 §3.9.1 Authorization (strongest algorithm chosen)', () => {
  const client = new DigestClient({}, { cnonce: () => RFC.cnonce });
  const challenges = [
    `Digest realm="${RFC.realm}", qop="auth, auth-int", algorithm=SHA-256, nonce="${RFC.nonce}", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
    `Digest realm="${RFC.realm}", qop="auth, auth-int", algorithm=MD5, nonce="${RFC.nonce}", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
  ];
  const r = client.authorize({
    challenges: [...challenges].reverse(),
    username: 'Mufasa',
    password: 'Circle of Life',
    method: 'GET',
    uri: RFC.uri,
  });
  assert.ok(r.ok);
  assert.equal(r.algorithm, 'SHA-256');
  const p = parseDigestCredentials(r.value);
  assert.ok(p.ok);
  assert.equal(p.value.response, RFC.sha256);
  assert.equal(p.value.nc, '00000001');
  assert.equal(p.value.opaque, 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS');
  // The next request with the same nonce counts up.
  const r2 = client.authorize({
    challenges: challenges[1] as string,
    username: 'Mufasa',
    password: 'Circle of Life',
    method: 'GET',
    uri: RFC.uri,
  });
  assert.ok(r2.ok);
  assert.equal(r2.nc, 2);
  const p2 = parseDigestCredentials(r2.value);
  assert.ok(p2.ok);
  assert.equal(p2.value.algorithm, 'MD5');
});

function setup(init: Partial<DigestServerInit> = {}): {
  server: DigestServer;
  store: InMemoryCredentialStore;
  metrics: MetricsRegistry;
} {
  const store = new InMemoryCredentialStore();
  store.set('beckon.test', 'alice', { kind: 'password', password: 's3cret' });
  store.set('beckon.test', 'bob', {
    kind: 'ha1',
    ha1: {
      md5: computeHa1('md5', 'bob', 'beckon.test', 'hunter2'),
      sha256: computeHa1('sha256', 'bob', 'beckon.test', 'hunter2'),
    },
  });
  store.set('beckon.test', 'carol', {
    kind: 'ha1',
    ha1: { md5: computeHa1('md5', 'carol', 'beckon.test', 'pw') },
  });
  const metrics = new MetricsRegistry();
  const server = new DigestServer(
    { log: silentLogger(), metrics, credentials: store },
    { realm: 'beckon.test', algorithms: ['MD5', 'SHA-256'], secret: Buffer.alloc(32, 7), ...init },
  );
  return { server, store, metrics };
}

void test('challenge: one header per algorithm, SHA-256 first, qop=auth, shared nonce', () => {
  const { server, metrics } = setup();
  const ch = server.challenge();
  assert.equal(ch.length, 2);
  const a = parseDigestChallenge(ch[0] as string);
  const b = parseDigestChallenge(ch[1] as string);
  assert.ok(a.ok && b.ok);
  assert.equal(a.value.algorithm, 'SHA-256');
  assert.equal(b.value.algorithm, 'MD5');
  assert.deepEqual(a.value.qop, ['auth']);
  assert.equal(a.value.nonce, b.value.nonce);
  assert.equal(a.value.stale, false);
  const s = parseDigestChallenge(server.challenge({ stale: true })[0] as string);
  assert.ok(s.ok && s.value.stale);
  const c = metrics.get('sip_auth_challenges');
  assert.equal(c?.kind === 'counter' ? c.total() : -1, 2);
});

void test('round trip: cleartext and HA1 credentials, both algorithms', async () => {
  const { server, metrics } = setup();
  const client = new DigestClient();
  for (const [user, pw] of [
    ['alice', 's3cret'],
    ['bob', 'hunter2'],
    ['carol', 'pw'],
  ] as const) {
    const ch = server.challenge();
    const onlyMd5 = user === 'carol';
    const r = client.authorize({
      challenges: onlyMd5 ? [ch[1] as string] : ch,
      username: user,
      password: pw,
      method: 'REGISTER',
      uri: 'sip:beckon.test',
    });
    assert.ok(r.ok);
    assert.equal(r.algorithm, onlyMd5 ? 'MD5' : 'SHA-256');
    const v = await server.verify('REGISTER', r.value, { requestUri: 'sip:beckon.test' });
    assert.deepEqual(v, { ok: true, username: user, realm: 'beckon.test', algorithm: r.algorithm }, user);
  }
  // carol has no SHA-256 HA1.
  const r = client.authorize({
    challenges: server.challenge(),
    username: 'carol',
    password: 'pw',
    method: 'REGISTER',
    uri: 'sip:beckon.test',
  });
  assert.ok(r.ok);
  const v = await server.verify('REGISTER', r.value);
  assert.equal(v.ok ? 'ok' : v.reason, 'no-ha1-for-algorithm');
  const results = metrics.get('sip_auth_results');
  assert.equal(results?.kind === 'counter' ? results.get('ok') : -1, 3);
});

void test('wrong password, unknown user, wrong realm, bad uri, wrong method', async () => {
  const { server } = setup();
  const client = new DigestClient();
  const auth = (username: string, password: string, method = 'REGISTER', uri = 'sip:beckon.test'): string => {
    const r = client.authorize({ challenges: server.challenge(), username, password, method, uri });
    assert.ok(r.ok);
    return r.value;
  };
  const reason = async (p: Promise<{ ok: boolean; reason?: string }>): Promise<string> => {
    const v = await p;
    return v.ok ? 'ok' : (v.reason ?? '');
  };
  assert.equal(await reason(server.verify('REGISTER', auth('alice', 'wrong'))), 'bad-response');
  assert.equal(await reason(server.verify('REGISTER', auth('mallory', 'x'))), 'unknown-user');
  assert.equal(await reason(server.verify('INVITE', auth('alice', 's3cret'))), 'bad-response');
  assert.equal(
    await reason(
      server.verify('REGISTER', auth('alice', 's3cret', 'REGISTER', 'sip:other'), {
        requestUri: 'sip:beckon.test',
      }),
    ),
    'bad-uri',
  );
  const other = client.authorize({
    challenges: 'Digest realm="elsewhere", nonce="abc", qop="auth"',
    username: 'alice',
    password: 's3cret',
    method: 'REGISTER',
    uri: 'sip:beckon.test',
  });
  assert.ok(other.ok);
  assert.equal(await reason(server.verify('REGISTER', other.value)), 'wrong-realm');
  assert.equal(await reason(server.verify('REGISTER', undefined)), 'missing');
  assert.equal(await reason(server.verify('REGISTER', 'Digest username="alice"')), 'malformed');
  assert.equal(await reason(server.verify('REGISTER', 'Basic YWxhZGRpbjpvcGVuc2VzYW1l')), 'not-digest');
});

void test('forged and tampered nonces are refused', async () => {
  const { server } = setup();
  const otherServer = setup({ secret: Buffer.alloc(32, 9) }).server;
  const client = new DigestClient();
  const r = client.authorize({
    challenges: otherServer.challenge(),
    username: 'alice',
    password: 's3cret',
    method: 'REGISTER',
    uri: 'sip:x',
  });
  assert.ok(r.ok);
  const v = await server.verify('REGISTER', r.value);
  assert.equal(v.ok ? 'ok' : v.reason, 'bad-nonce');
});

void test('stale nonce: stale=true only when the response is right', async () => {
  const { server } = setup({ nonceLifetimeSec: 300 });
  const client = new DigestClient();
  const t0 = Date.now() - 301_000;
  const ch = server.challenge({ now: t0 });
  const good = client.authorize({
    challenges: ch,
    username: 'alice',
    password: 's3cret',
    method: 'REGISTER',
    uri: 'sip:x',
  });
  const bad = client.authorize({
    challenges: ch,
    username: 'alice',
    password: 'nope',
    method: 'REGISTER',
    uri: 'sip:x',
  });
  assert.ok(good.ok && bad.ok);
  assert.deepEqual(await server.verify('REGISTER', good.value), {
    ok: false,
    reason: 'stale',
    stale: true,
    username: 'alice',
  });
  const b = await server.verify('REGISTER', bad.value);
  assert.equal(b.ok ? 'ok' : b.reason, 'bad-response');
  // Within the lifetime it is fine.
  const fresh = client.authorize({
    challenges: server.challenge({ now: Date.now() - 299_000 }),
    username: 'alice',
    password: 's3cret',
    method: 'REGISTER',
    uri: 'sip:x',
  });
  assert.ok(fresh.ok);
  assert.equal((await server.verify('REGISTER', fresh.value)).ok, true);
});

void test('replay: a reused nonce-count is refused, increasing counts pass, small reordering tolerated', async () => {
  const { server } = setup();
  const ch = server.challenge();
  const client = new DigestClient();
  const values: string[] = [];
  for (let i = 0; i < 5; i++) {
    const r = client.authorize({
      challenges: ch,
      username: 'bob',
      password: 'hunter2',
      method: 'REGISTER',
      uri: 'sip:x',
    });
    assert.ok(r.ok);
    values.push(r.value);
  }
  const reason = async (v: string): Promise<string> => {
    const r = await server.verify('REGISTER', v);
    return r.ok ? 'ok' : r.reason;
  };
  assert.equal(await reason(values[0] as string), 'ok');
  assert.equal(await reason(values[0] as string), 'replay');
  assert.equal(await reason(values[2] as string), 'ok');
  assert.equal(await reason(values[1] as string), 'ok', 'nc 2 after nc 3 (parallel requests)');
  assert.equal(await reason(values[1] as string), 'replay');
  assert.equal(await reason(values[2] as string), 'replay');
  assert.equal(await reason(values[4] as string), 'ok');
  assert.equal(await reason(values[3] as string), 'ok');
  assert.equal(await reason(values[4] as string), 'replay');
});

void test('replay state is bounded: an evicted nonce is treated as stale, never replayable', async () => {
  const { server, metrics } = setup({ maxTrackedNonces: 2 });
  const value = (name: string): number => {
    const m = metrics.toJSON()[name];
    return m?.samples.reduce((n, x) => n + x.value, 0) ?? NaN;
  };
  const client = new DigestClient();
  const first: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = client.authorize({
      challenges: server.challenge(),
      username: 'alice',
      password: 's3cret',
      method: 'REGISTER',
      uri: 'sip:x',
    });
    assert.ok(r.ok);
    first.push(r.value);
    assert.equal((await server.verify('REGISTER', r.value)).ok, true);
  }
  const again = await server.verify('REGISTER', first[0] as string);
  assert.deepEqual(again.ok ? 'ok' : [again.reason, again.stale], ['stale', true]);
  // Exposed: how many nonces are tracked, and how many were dropped for room (the first one here).
  assert.equal(value('sip_auth_nonces_tracked'), 2);
  assert.equal(value('sip_auth_nonces_evicted'), 1);
});

void test('usernameTransform maps the sent username to the store key', async () => {
  const { server } = setup();
  const client = new DigestClient();
  const store = new InMemoryCredentialStore();
  void store;
  const r = client.authorize({
    challenges: server.challenge(),
    username: 'alice@beckon.test',
    password: 's3cret',
    method: 'REGISTER',
    uri: 'sip:x',
  });
  assert.ok(r.ok);
  const plain = await server.verify('REGISTER', r.value);
  assert.equal(plain.ok ? 'ok' : plain.reason, 'unknown-user');
  // HA1 is computed from the username as sent, so a cleartext entry works after the transform.
  const r2 = client.authorize({
    challenges: server.challenge(),
    username: 'alice@beckon.test',
    password: 's3cret',
    method: 'REGISTER',
    uri: 'sip:x',
  });
  assert.ok(r2.ok);
  const v = await server.verify('REGISTER', r2.value, { usernameTransform: (u) => u.split('@')[0] ?? u });
  assert.deepEqual(v, {
    ok: true,
    username: 'alice@beckon.test',
    realm: 'beckon.test',
    algorithm: 'SHA-256',
  });
});

void test('client: auth-int, no qop (RFC 2069), unusable challenges', () => {
  const client = new DigestClient({}, { cnonce: () => 'cn' });
  const ai = client.authorize({
    challenges: 'Digest realm="r", nonce="n", qop="auth-int", algorithm=SHA-512-256',
    username: 'u',
    password: 'p',
    method: 'MESSAGE',
    uri: 'sip:a',
    body: 'hello',
  });
  assert.ok(ai.ok);
  const p = parseDigestCredentials(ai.value);
  assert.ok(p.ok);
  const alg = digestAlgorithm('SHA-512-256');
  assert.ok(alg);
  assert.equal(
    p.value.response,
    computeDigestResponse({
      algorithm: alg,
      ha1: computeHa1(alg.hash, 'u', 'r', 'p'),
      nonce: 'n',
      method: 'MESSAGE',
      uri: 'sip:a',
      qop: 'auth-int',
      nc: '00000001',
      cnonce: 'cn',
      body: 'hello',
    }),
  );
  const old = client.authorize({
    challenges: 'Digest realm="r", nonce="n2"',
    username: 'u',
    password: 'p',
    method: 'REGISTER',
    uri: 'sip:a',
  });
  assert.ok(old.ok);
  const po = parseDigestCredentials(old.value);
  assert.ok(po.ok);
  assert.equal(po.value.qop, undefined);
  assert.equal(po.value.nc, undefined);
  const none = client.authorize({
    challenges: ['Basic realm="x"', 'Digest realm="r", nonce="n", algorithm=FOO'],
    username: 'u',
    password: 'p',
    method: 'REGISTER',
    uri: 'sip:a',
  });
  assert.deepEqual(none, { ok: false, error: 'no-usable-challenge' });
  const bad = client.authorize({
    challenges: 'Digest realm="r',
    username: 'u',
    password: 'p',
    method: 'REGISTER',
    uri: 'sip:a',
  });
  assert.deepEqual(bad, { ok: false, error: 'malformed' });
});

void test('server refuses an algorithm it did not offer and missing qop', async () => {
  const { server } = setup({ algorithms: ['SHA-256'] });
  const client = new DigestClient();
  const nonce = parseDigestChallenge(server.challenge()[0] as string);
  assert.ok(nonce.ok);
  const md5 = client.authorize({
    challenges: `Digest realm="beckon.test", nonce="${nonce.value.nonce}", qop="auth", algorithm=MD5`,
    username: 'alice',
    password: 's3cret',
    method: 'REGISTER',
    uri: 'sip:x',
  });
  assert.ok(md5.ok);
  const v = await server.verify('REGISTER', md5.value);
  assert.equal(v.ok ? 'ok' : v.reason, 'bad-algorithm');
  const noQop = client.authorize({
    challenges: `Digest realm="beckon.test", nonce="${nonce.value.nonce}", algorithm=SHA-256`,
    username: 'alice',
    password: 's3cret',
    method: 'REGISTER',
    uri: 'sip:x',
  });
  assert.ok(noQop.ok);
  const v2 = await server.verify('REGISTER', noQop.value);
  assert.equal(v2.ok ? 'ok' : v2.reason, 'bad-qop');
});
