import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatDigestChallenge,
  formatDigestCredentials,
  parseAuthHeader,
  parseDigestChallenge,
  parseDigestCredentials,
} from '../../src/auth/index.js';
import { seededRandom } from '@beckon/testkit';

void test('challenge with quoted list, stale and opaque', () => {
  const r = parseDigestChallenge(
    'Digest realm="atlanta.com", domain="sip:boxesbybob.com", qop="auth,auth-int",\r\n nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=FALSE, algorithm=MD5',
  );
  assert.ok(r.ok);
  assert.equal(r.value.realm, 'atlanta.com');
  assert.deepEqual(r.value.qop, ['auth', 'auth-int']);
  assert.equal(r.value.stale, false);
  assert.equal(r.value.opaque, '');
  assert.equal(r.value.algorithm, 'MD5');
  assert.equal(r.value.domain, 'sip:boxesbybob.com');
});

void test('algorithm defaults to MD5, stale=true is recognised case-insensitively', () => {
  const r = parseDigestChallenge('digest REALM="r", Nonce="n", stale=TRUE');
  assert.ok(r.ok);
  assert.equal(r.value.algorithm, 'MD5');
  assert.equal(r.value.stale, true);
  assert.deepEqual(r.value.qop, []);
});

void test('escapes in quoted strings round-trip', () => {
  const v = formatDigestCredentials({
    username: 'al"ice\\',
    realm: 'r e"a\\l',
    nonce: 'n',
    uri: 'sip:x',
    response: 'abc',
    algorithm: 'SHA-256',
    cnonce: 'c',
    qop: 'auth',
    nc: '00000001',
  });
  const r = parseDigestCredentials(v);
  assert.ok(r.ok);
  assert.equal(r.value.username, 'al"ice\\');
  assert.equal(r.value.realm, 'r e"a\\l');
  assert.equal(r.value.qop, 'auth');
  assert.equal(r.value.nc, '00000001');
  const ch = parseDigestChallenge(
    formatDigestChallenge({ realm: 'a"b', nonce: 'x', algorithm: 'SHA-256', qop: ['auth'], stale: true }),
  );
  assert.ok(ch.ok);
  assert.equal(ch.value.realm, 'a"b');
  assert.equal(ch.value.stale, true);
  assert.deepEqual(ch.value.qop, ['auth']);
});

void test('malformed values are results', () => {
  const bad: [string, string][] = [
    ['', 'empty'],
    ['   ', 'empty'],
    ['Digest realm="x', 'unterminated-quote'],
    ['Digest realm', 'bad-param'],
    ['Digest =x', 'bad-param'],
    ['Digest realm="a", realm="b", nonce="n"', 'duplicate-param'],
    ['Digest realm="a" nonce="n"', 'bad-param'],
    ['Basic realm="a"', 'not-digest'],
    ['Digest nonce="n"', 'missing-param'],
    ['"Digest" realm=x', 'not-digest'],
    ['Digest, realm=x', 'not-digest'],
    ['Digest realm="a", nonce="n\\', 'unterminated-quote'],
    ['Digest ' + 'a=b,'.repeat(3000), 'too-long'],
  ];
  for (const [v, e] of bad) {
    const r = parseDigestChallenge(v);
    assert.equal(r.ok, false, v);
    if (!r.ok) assert.equal(r.error, e, v);
  }
  const raw = parseAuthHeader('"Digest" realm=x');
  assert.equal(raw.ok ? 'ok' : raw.error, 'bad-scheme');
  const creds = parseDigestCredentials(
    'Digest username="a", realm="r", nonce="n", uri="u", response="x", qop=auth',
  );
  assert.deepEqual(creds.ok ? 'ok' : creds.error, 'missing-param');
});

void test('generic auth header: scheme and lower-cased names, empty list elements tolerated', () => {
  const r = parseAuthHeader('Digest  Username = "bob" ,, Realm=r  ');
  assert.ok(r.ok);
  assert.equal(r.value.scheme, 'Digest');
  assert.equal(r.value.params.get('username'), 'bob');
  assert.equal(r.value.params.get('realm'), 'r');
});

void test('fuzz: 60,000 random and mutated inputs never throw', () => {
  const rand = seededRandom(0xbeac0);
  const seeds = [
    'Digest realm="atlanta.com", nonce="84a4cc6f3082121f32b42a2187831a9e", algorithm=SHA-256, qop="auth"',
    'Digest username="bob", realm="biloxi.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="sip:bob@biloxi.com", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    'Digest realm="a\\"b\\\\c", nonce="x", stale=true',
  ];
  const alphabet = 'Digest realm=nonce",\\ \t\r\nabcXYZ019=,=""\\\\\u00e9\u0000\u{1F600}';
  let okCount = 0;
  for (let i = 0; i < 60_000; i++) {
    let s: string;
    const mode = i % 3;
    if (mode === 0) {
      const len = Math.floor(rand() * 120);
      s = '';
      for (let j = 0; j < len; j++) s += alphabet[Math.floor(rand() * alphabet.length)] ?? '';
    } else {
      const base = seeds[Math.floor(rand() * seeds.length)] ?? '';
      const chars = [...base];
      const edits = 1 + Math.floor(rand() * 6);
      for (let e = 0; e < edits; e++) {
        const pos = Math.floor(rand() * (chars.length + 1));
        const op = rand();
        const ch = alphabet[Math.floor(rand() * alphabet.length)] ?? '';
        if (op < 0.33) chars.splice(pos, 1);
        else if (op < 0.66) chars.splice(pos, 0, ch);
        else chars[pos] = ch;
      }
      s = chars.join('');
      if (mode === 2) s = s.slice(0, Math.floor(rand() * s.length));
    }
    const a = parseDigestChallenge(s);
    const b = parseDigestCredentials(s);
    const c = parseAuthHeader(s);
    if (a.ok || b.ok || c.ok) okCount++;
  }
  assert.ok(okCount > 0);
});
