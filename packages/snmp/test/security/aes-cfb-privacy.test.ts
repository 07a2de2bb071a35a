import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aesDecrypt, aesEncrypt, AesSalt } from '../../src/security/aes-cfb-privacy.js';

void test('AES-128-CFB128 with IV = boots||time||salt (NIST SP 800-38A F.3.13 vector)', () => {
  const key = Buffer.from('2b7e151628aed2a6abf7158809cf4f3c', 'hex');
  // IV 000102030405060708090a0b0c0d0e0f = boots 0x00010203, time 0x04050607, salt 08..0f
  const salt = Buffer.from('08090a0b0c0d0e0f', 'hex');
  const pt = Buffer.from('6bc1bee22e409f96e93d7e117393172a', 'hex');
  const ct = aesEncrypt(key, 0x00010203, 0x04050607, salt, pt);
  assert.equal(ct.toString('hex'), '3b3fd92eb72dad20333449f8e83cfb4a');
  assert.deepEqual(aesDecrypt(key, 0x00010203, 0x04050607, salt, ct), pt);
});

void test('AES key is the first 16 octets of a longer localized key; odd lengths need no padding', () => {
  const key = Buffer.alloc(32, 7);
  const salt = Buffer.alloc(8, 1);
  const pt = Buffer.from('a scoped PDU of 29 octets....');
  const ct = aesEncrypt(key, 5, 1000, salt, pt);
  assert.equal(ct.length, pt.length);
  assert.deepEqual(aesDecrypt(key.subarray(0, 16), 5, 1000, salt, ct), pt);
  assert.notDeepEqual(aesDecrypt(key, 5, 1001, salt, ct), pt, 'IV includes engine time');
});

void test('decryption refuses a salt that is not 8 octets', () => {
  assert.equal(aesDecrypt(Buffer.alloc(16), 0, 0, Buffer.alloc(7), Buffer.alloc(10)), undefined);
});

void test('salt increments per message and wraps at 2^64', () => {
  const s = new AesSalt(0xffff_ffff_ffff_fffen);
  assert.equal(s.next().toString('hex'), 'ffffffffffffffff');
  assert.equal(s.next().toString('hex'), '0000000000000000');
  assert.equal(s.next().toString('hex'), '0000000000000001');
  const r = new AesSalt();
  assert.notDeepEqual(r.next(), r.next());
});
