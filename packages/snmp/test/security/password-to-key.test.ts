import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  authProtocol,
  parseAuthProtocolName,
  AUTH_PROTOCOL_NAMES,
} from '../../src/security/auth-protocol.js';
import { localizeKey, localizedKeyFromPassword, passwordToKey } from '../../src/security/password-to-key.js';
import { LocalizedKeyCache } from '../../src/security/localized-key-cache.js';

const ENGINE = Buffer.from('000000000000000000000002', 'hex');

// RFC 3414 §A.3.1 (MD5) and §A.3.2 (SHA): password "maplesyrup", engine ID 00..02.
void test('RFC 3414 A.3.1 MD5 maplesyrup', () => {
  const md5 = authProtocol('md5');
  const ku = passwordToKey(md5, 'maplesyrup');
  assert.equal(ku.toString('hex'), '9faf3283884e92834ebc9847d8edd963');
  assert.equal(localizeKey(md5, ku, ENGINE).toString('hex'), '526f5eed9fcce26f8964c2930787d82b');
});

void test('RFC 3414 A.3.2 SHA maplesyrup', () => {
  const sha = authProtocol('sha');
  const ku = passwordToKey(sha, 'maplesyrup');
  assert.equal(ku.toString('hex'), '9fb5cc0381497b3793528939ff788d5d79145211');
  assert.equal(localizeKey(sha, ku, ENGINE).toString('hex'), '6695febc9288e36282235fc7151f128497b38f3f');
});

// RFC 7860 gives no test vectors; these "maplesyrup" values agree with several independent
// implementations and with Net-SNMP in the interop suite (which exercises SHA-224..SHA-512 keys).
void test('SHA-2 maplesyrup localized keys (RFC 7860 algorithm)', () => {
  const want: Record<string, string> = {
    sha224: '0bd8827c6e29f8065e08e09237f177e410f69b90e1782be682075674',
    sha256: '8982e0e549e866db361a6b625d84cccc11162d453ee8ce3a6445c2d6776f0f8b',
    sha384:
      '3b298f16164a11184279d5432bf169e2d2a48307de02b3d3f7e2b4f36eb6f0455a53689a3937eea07319a633d2ccba78',
    sha512:
      '22a5a36cedfcc085807a128d7bc6c2382167ad6c0dbc5fdff856740f3d84c099ad1ea87a8db096714d9788bd544047c9' +
      '021e4229ce27e4c0a69250adfcffbb0b',
  };
  for (const [name, hex] of Object.entries(want)) {
    const p = authProtocol(parseAuthProtocolName(name)!);
    const k = localizedKeyFromPassword(p, 'maplesyrup', ENGINE);
    assert.equal(k.toString('hex'), hex, name);
    assert.equal(k.length, p.keyLength);
  }
});

void test('RFC 7860 MAC lengths and protocol OIDs', () => {
  const expect: Record<string, [number, number, string]> = {
    md5: [16, 12, '1.3.6.1.6.3.10.1.1.2'],
    sha: [20, 12, '1.3.6.1.6.3.10.1.1.3'],
    sha224: [28, 16, '1.3.6.1.6.3.10.1.1.4'],
    sha256: [32, 24, '1.3.6.1.6.3.10.1.1.5'],
    sha384: [48, 32, '1.3.6.1.6.3.10.1.1.6'],
    sha512: [64, 48, '1.3.6.1.6.3.10.1.1.7'],
  };
  for (const [n, [key, mac, oid]] of Object.entries(expect)) {
    const p = authProtocol(parseAuthProtocolName(n)!);
    assert.deepEqual([p.keyLength, p.macLength, p.oid], [key, mac, oid], n);
  }
  assert.equal(AUTH_PROTOCOL_NAMES.length, 7);
  assert.equal(parseAuthProtocolName('SHA-256'), 'sha256');
  assert.equal(parseAuthProtocolName('SHA1'), 'sha');
  assert.equal(parseAuthProtocolName('MD5'), 'md5');
  assert.equal(parseAuthProtocolName('des'), undefined);
});

void test('password expansion repeats the password exactly (long and odd lengths)', () => {
  const sha = authProtocol('sha256');
  // Password longer than the 64 KiB chunk and one whose length does not divide 1 MiB.
  for (const pw of ['x'.repeat(70_000), 'abcdefg']) {
    const direct = Buffer.alloc(1_048_576);
    const b = Buffer.from(pw);
    for (let i = 0; i < direct.length; i++) direct[i] = b[i % b.length]!;
    assert.equal(passwordToKey(sha, pw).toString('hex'), createHash('sha256').update(direct).digest('hex'));
  }
  assert.equal(passwordToKey(sha, '').length, 0);
});

void test('LocalizedKeyCache computes Ku once and localizes per engine', () => {
  const cache = new LocalizedKeyCache({ maxEntries: 2 });
  const md5 = authProtocol('md5');
  const ku1 = cache.masterKey(md5, 'maplesyrup');
  assert.equal(cache.masterKey(md5, 'maplesyrup'), ku1, 'same buffer: cached');
  const kul = cache.localize(md5, ku1, ENGINE);
  assert.equal(kul.toString('hex'), '526f5eed9fcce26f8964c2930787d82b');
  assert.equal(cache.localize(md5, ku1, ENGINE), kul);
  cache.localize(md5, ku1, Buffer.from('8000000001', 'hex'));
  cache.localize(md5, ku1, Buffer.from('8000000002', 'hex'));
  assert.equal(cache.size, 2, 'bounded');
});
