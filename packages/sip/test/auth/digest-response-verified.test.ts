// A response checked by another DigestServer with the same key and store (a registrar challenge thread,
// `verifyResponse`) and then accepted with `acceptVerified`: the verdicts equal a full verification's,
// and the nonce-count (replay) and the nonce's age are still checked where the state lives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import {
  DigestClient,
  DigestServer,
  InMemoryCredentialStore,
  computeHa1,
  type DigestServerInit,
  type DigestVerifyResult,
} from '../../src/auth/index.js';

const REALM = 'beckon.test';
const SECRET = Buffer.alloc(32, 9);

function pair(init: Partial<DigestServerInit> = {}): { main: DigestServer; thread: DigestServer } {
  const store = new InMemoryCredentialStore();
  store.set(REALM, 'alice', { kind: 'password', password: 's3cret' });
  store.set(REALM, 'bob', {
    kind: 'ha1',
    ha1: {
      md5: computeHa1('md5', 'bob', REALM, 'hunter2'),
      sha256: computeHa1('sha256', 'bob', REALM, 'hunter2'),
    },
  });
  const make = (): DigestServer =>
    new DigestServer(
      { log: silentLogger(), metrics: new MetricsRegistry(), credentials: store },
      { realm: REALM, algorithms: ['MD5', 'SHA-256'], secret: SECRET, ...init },
    );
  return { main: make(), thread: make() };
}

const verdict = (r: DigestVerifyResult | Promise<DigestVerifyResult>): string => {
  assert.ok(!(r instanceof Promise));
  return r.ok ? 'ok' : r.reason;
};

void test('verifyResponse on one server, acceptVerified on the other: ok once, a replay is refused', () => {
  const { main, thread } = pair();
  const client = new DigestClient();
  for (const [user, pw] of [
    ['alice', 's3cret'],
    ['bob', 'hunter2'],
  ] as const) {
    const a = client.authorize({
      challenges: thread.challenge(),
      username: user,
      password: pw,
      method: 'REGISTER',
      uri: 'sip:beckon.test',
    });
    assert.ok(a.ok);
    const v = thread.verifyResponse('REGISTER', a.value);
    assert.ok(v !== undefined);
    assert.equal(thread.responseValid('REGISTER', a.value), true);
    // Plain data only: it crosses a thread boundary.
    assert.deepEqual(structuredClone(v), v);
    assert.equal(v.username, user);
    assert.equal(v.nc, '00000001');
    assert.equal(verdict(main.acceptVerified(v)), 'ok');
    // The same Authorization again: the nonce-count was used on the main server.
    assert.equal(verdict(main.acceptVerified(v)), 'replay');
    assert.equal(verdict(main.verifyNow('REGISTER', a.value)), 'replay');
  }
});

void test('responseValid refuses what a full verification refuses, and counts nothing', () => {
  const { main, thread } = pair();
  const client = new DigestClient();
  const auth = (username: string, password: string, method = 'REGISTER'): string => {
    const r = client.authorize({ challenges: thread.challenge(), username, password, method, uri: 'sip:x' });
    assert.ok(r.ok);
    return r.value;
  };
  const cases = [
    auth('alice', 'wrong'),
    auth('mallory', 'x'),
    auth('alice', 's3cret', 'INVITE'),
    'Digest username="alice"',
    'Basic YWxhZGRpbjpvcGVuc2VzYW1l',
  ];
  for (const c of cases) {
    assert.equal(thread.verifyResponse('REGISTER', c), undefined, c);
    assert.notEqual(verdict(main.verifyNow('REGISTER', c)), 'ok');
  }
  // A nonce not signed with the key: refused by the checking server.
  const other = pair({ secret: Buffer.alloc(32, 1) });
  const forged = client.authorize({
    challenges: other.thread.challenge(),
    username: 'alice',
    password: 's3cret',
    method: 'REGISTER',
    uri: 'sip:x',
  });
  assert.ok(forged.ok);
  assert.equal(thread.responseValid('REGISTER', forged.value), false);
  const m = new MetricsRegistry();
  const counted = new DigestServer(
    { log: silentLogger(), metrics: m, credentials: new InMemoryCredentialStore() },
    { realm: REALM, algorithms: ['MD5'], secret: SECRET },
  );
  counted.responseValid('REGISTER', auth('alice', 's3cret'));
  const results = m.get('sip_auth_results');
  assert.equal(results !== undefined && 'total' in results ? results.total() : -1, 0);
});

void test('acceptVerified still checks the nonce: age (stale) and form (bad-nonce), and counts', () => {
  const { main, thread } = pair({ nonceLifetimeSec: 300 });
  const client = new DigestClient();
  const t0 = Date.now() - 301_000;
  const old = client.authorize({
    challenges: thread.challenge({ now: t0 }),
    username: 'alice',
    password: 's3cret',
    method: 'REGISTER',
    uri: 'sip:x',
  });
  assert.ok(old.ok);
  // The response is right (the checking thread says so); the age is the verifier's to judge, and it
  // answers stale, as the full check does.
  const v = thread.verifyResponse('REGISTER', old.value);
  assert.ok(v !== undefined);
  const r = main.acceptVerified(v);
  assert.ok(!(r instanceof Promise) && !r.ok && r.reason === 'stale' && r.stale === true);
  assert.equal(verdict(main.verifyNow('REGISTER', old.value)), 'stale');
  assert.equal(verdict(main.acceptVerified({ ...v, nonce: 'short' })), 'bad-nonce');
  const m = new MetricsRegistry();
  const counted = new DigestServer(
    { log: silentLogger(), metrics: m, credentials: new InMemoryCredentialStore() },
    { realm: REALM, algorithms: ['MD5'], secret: SECRET },
  );
  counted.acceptVerified({ ...v, nonce: 'short' });
  const results = m.get('sip_auth_results');
  assert.equal(results !== undefined && 'total' in results ? results.total() : -1, 1);
});

void test('responseValid with a username transform checks the full name against the transformed key', () => {
  const { thread } = pair();
  const client = new DigestClient();
  const a = client.authorize({
    challenges: thread.challenge(),
    username: 'alice/0004F2AABBCC',
    password: 's3cret',
    method: 'REGISTER',
    uri: 'sip:x',
  });
  assert.ok(a.ok);
  const split = { usernameTransform: (u: string): string => u.split('/')[0] as string };
  assert.equal(thread.responseValid('REGISTER', a.value, split), true);
  assert.equal(thread.responseValid('REGISTER', a.value), false);
});
