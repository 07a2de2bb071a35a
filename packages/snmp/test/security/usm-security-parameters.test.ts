import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeUsmSecurityParameters,
  encodeUsmSecurityParameters,
} from '../../src/security/usm-security-parameters.js';

const ENGINE = Buffer.from('80001f8804626563686f6e', 'hex');

void test('encode/decode round trip, auth params offset points at the zeroed MAC', () => {
  for (const macLen of [0, 12, 16, 24, 32, 48]) {
    const enc = encodeUsmSecurityParameters({
      authoritativeEngineId: ENGINE,
      authoritativeEngineBoots: 7,
      authoritativeEngineTime: 123456,
      userName: Buffer.from('operator'),
      authenticationParametersLength: macLen,
      privacyParameters: Buffer.from('0102030405060708', 'hex'),
    });
    assert.ok(enc.ok);
    const { bytes, authenticationParametersOffset } = enc.value;
    const dec = decodeUsmSecurityParameters(bytes);
    assert.ok(dec.ok, JSON.stringify(!dec.ok && dec.error));
    assert.deepEqual(dec.value.authoritativeEngineId, ENGINE);
    assert.equal(dec.value.authoritativeEngineBoots, 7);
    assert.equal(dec.value.authoritativeEngineTime, 123456);
    assert.equal(dec.value.userName.toString(), 'operator');
    assert.equal(dec.value.authenticationParameters.length, macLen);
    assert.equal(dec.value.authenticationParametersOffset, authenticationParametersOffset);
    assert.equal(dec.value.privacyParameters.toString('hex'), '0102030405060708');
  }
});

void test('long-form SEQUENCE length keeps the MAC offset right', () => {
  const enc = encodeUsmSecurityParameters({
    authoritativeEngineId: Buffer.alloc(32, 0x81),
    authoritativeEngineBoots: 2147483647,
    authoritativeEngineTime: 2147483647,
    userName: Buffer.alloc(32, 0x61),
    authenticationParametersLength: 48,
    privacyParameters: Buffer.alloc(8, 9),
  });
  assert.ok(enc.ok);
  assert.ok(enc.value.bytes.length > 130);
  assert.equal(enc.value.bytes[1], 0x81, 'long form');
  const dec = decodeUsmSecurityParameters(enc.value.bytes);
  assert.ok(dec.ok);
  assert.equal(dec.value.authenticationParametersOffset, enc.value.authenticationParametersOffset);
  assert.ok(
    enc.value.bytes
      .subarray(enc.value.authenticationParametersOffset, enc.value.authenticationParametersOffset + 48)
      .every((b) => b === 0),
  );
});

void test('decoding within a larger buffer gives absolute offsets', () => {
  const enc = encodeUsmSecurityParameters({
    authoritativeEngineId: ENGINE,
    authoritativeEngineBoots: 1,
    authoritativeEngineTime: 2,
    userName: Buffer.from('u'),
    authenticationParametersLength: 12,
    privacyParameters: Buffer.alloc(0),
  });
  assert.ok(enc.ok);
  const outer = Buffer.concat([Buffer.alloc(10, 0xee), enc.value.bytes, Buffer.alloc(5, 0xee)]);
  const dec = decodeUsmSecurityParameters(outer, 10, 10 + enc.value.bytes.length);
  assert.ok(dec.ok);
  assert.equal(dec.value.authenticationParametersOffset, 10 + enc.value.authenticationParametersOffset);
});

void test('malformed parameters are errors, never exceptions', () => {
  const bad = [
    '', // empty
    '30', // truncated
    '3000', // empty sequence
    '300a0400020100020100040004', // missing privacy params
    '3011040002010002010004000400040004ff', // trailing inside
    '300e04000201ff020100040004000400', // negative boots
    '300e040002010002010004000400040001', // length overrun
    '3080040002010002010004000400040000', // indefinite length
    '30110400020100020100040004000400' + '0000', // trailing after sequence
  ];
  for (const hex of bad) {
    const r = decodeUsmSecurityParameters(Buffer.from(hex, 'hex'));
    assert.equal(r.ok, false, hex);
  }
  // a user name over 32 octets
  const long = encodeUsmSecurityParameters({
    authoritativeEngineId: ENGINE,
    authoritativeEngineBoots: 0,
    authoritativeEngineTime: 0,
    userName: Buffer.alloc(33, 0x61),
    authenticationParametersLength: 0,
    privacyParameters: Buffer.alloc(0),
  });
  assert.ok(long.ok);
  assert.equal(decodeUsmSecurityParameters(long.value.bytes).ok, false);
  // out-of-range bad arguments are errors too
  assert.equal(decodeUsmSecurityParameters(Buffer.alloc(4), 3, 1).ok, false);
});

void test('the discovery form (all empty) decodes', () => {
  const r = decodeUsmSecurityParameters(Buffer.from('300e0400020100020100040004000400', 'hex'));
  assert.ok(r.ok);
  assert.equal(r.value.authoritativeEngineId.length, 0);
  assert.equal(r.value.userName.length, 0);
});
