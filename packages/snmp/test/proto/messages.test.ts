import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeCommunityMessage,
  decodeScopedPdu,
  decodeV3Message,
  encodeCommunityMessage,
  encodeScopedPdu,
  encodeV3Message,
  peekVersion,
  oid,
  type CommunityMessage,
} from '../../src/index.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

void test('v2c GetRequest golden bytes (RFC 3416 PDU layout)', () => {
  const m: CommunityMessage = {
    version: 1,
    community: Buffer.from('public'),
    pdu: {
      type: 'GetRequest',
      requestId: 1,
      errorStatus: 0,
      errorIndex: 0,
      varbinds: [{ oid: oid('1.3.6.1.2.1.1.1.0'), value: { type: 'Null' } }],
    },
  };
  const expected = hex(
    '3026 020101 04067075626c6963 a019 020101 020100 020100 300e 300c 06082b06010201010100 0500',
  );
  const r = encodeCommunityMessage(m);
  assert.ok(r.ok);
  assert.deepEqual(r.value, expected);
  const d = decodeCommunityMessage(expected);
  assert.ok(d.ok);
  assert.deepEqual(d.value, m);
  const v = peekVersion(expected);
  assert.deepEqual(v, { ok: true, value: 1 });
});

void test('v1 Trap-PDU round trip', () => {
  const m: CommunityMessage = {
    version: 0,
    community: Buffer.from('public'),
    pdu: {
      type: 'TrapV1',
      enterprise: oid('1.3.6.1.4.1.99999'),
      agentAddr: '192.0.2.1',
      genericTrap: 6,
      specificTrap: 3,
      timestamp: 100,
      varbinds: [{ oid: oid('1.3.6.1.4.1.99999.2.0'), value: { type: 'Integer', value: -5 } }],
    },
  };
  const r = encodeCommunityMessage(m);
  assert.ok(r.ok);
  const d = decodeCommunityMessage(r.value);
  assert.ok(d.ok);
  assert.deepEqual(d.value, m);
});

void test('GetBulk round trip and version/PDU consistency', () => {
  const m: CommunityMessage = {
    version: 1,
    community: Buffer.from('c'),
    pdu: { type: 'GetBulkRequest', requestId: -7, nonRepeaters: 1, maxRepetitions: 50, varbinds: [] },
  };
  const r = encodeCommunityMessage(m);
  assert.ok(r.ok);
  assert.deepEqual(decodeCommunityMessage(r.value), { ok: true, value: m });
  // GetBulk in SNMPv1 is refused
  const v1 = encodeCommunityMessage({ ...m, version: 0 });
  assert.ok(v1.ok);
  assert.equal(decodeCommunityMessage(v1.value).ok, false);
});

void test('trailing bytes after a message are an error', () => {
  const r = encodeCommunityMessage({
    version: 1,
    community: Buffer.from('public'),
    pdu: { type: 'GetRequest', requestId: 1, errorStatus: 0, errorIndex: 0, varbinds: [] },
  });
  assert.ok(r.ok);
  const d = decodeCommunityMessage(Buffer.concat([r.value, Buffer.from([0])]));
  assert.equal(d.ok, false);
  if (!d.ok) assert.equal(d.error.code, 'trailingBytes');
});

void test('v3 message: header, opaque security parameters and their offset, plaintext and encrypted data', () => {
  const sp = encodeScopedPdu({
    contextEngineId: hex('80001f8880'),
    contextName: Buffer.from('ctx'),
    pdu: {
      type: 'Report',
      requestId: 0,
      errorStatus: 0,
      errorIndex: 0,
      varbinds: [{ oid: oid('1.3.6.1.6.3.15.1.1.4.0'), value: { type: 'Counter32', value: 1 } }],
    },
  });
  assert.ok(sp.ok);
  const secParams = Buffer.alloc(300, 0xab); // long enough to force long-form lengths
  const e = encodeV3Message({
    globalData: { msgId: 42, msgMaxSize: 65507, msgFlags: 0x04, msgSecurityModel: 3 },
    securityParameters: secParams,
    msgData: { kind: 'plaintext', scopedPdu: sp.value },
  });
  assert.ok(e.ok);
  const { bytes, securityParametersOffset } = e.value;
  assert.deepEqual(bytes.subarray(securityParametersOffset, securityParametersOffset + 300), secParams);
  const d = decodeV3Message(bytes);
  assert.ok(d.ok);
  assert.deepEqual(d.value.globalData, { msgId: 42, msgMaxSize: 65507, msgFlags: 4, msgSecurityModel: 3 });
  assert.equal(d.value.securityParametersOffset, securityParametersOffset);
  assert.ok(d.value.msgData.kind === 'plaintext');
  const s = decodeScopedPdu(d.value.msgData.scopedPdu);
  assert.ok(s.ok);
  assert.equal(s.value.contextName.toString(), 'ctx');
  assert.equal(s.value.pdu.type, 'Report');

  const enc = encodeV3Message({
    globalData: { msgId: 43, msgMaxSize: 1500, msgFlags: 0x07, msgSecurityModel: 3 },
    securityParameters: Buffer.from('x'),
    msgData: { kind: 'encrypted', encryptedPdu: Buffer.alloc(64, 1) },
  });
  assert.ok(enc.ok);
  const d2 = decodeV3Message(enc.value.bytes);
  assert.ok(d2.ok && d2.value.msgData.kind === 'encrypted' && d2.value.msgData.encryptedPdu.length === 64);
  // msgMaxSize below 484 is invalid (RFC 3412 §6)
  const small = encodeV3Message({
    globalData: { msgId: 1, msgMaxSize: 100, msgFlags: 0, msgSecurityModel: 3 },
    securityParameters: Buffer.alloc(0),
    msgData: { kind: 'encrypted', encryptedPdu: Buffer.alloc(1) },
  });
  assert.ok(small.ok);
  assert.equal(decodeV3Message(small.value.bytes).ok, false);
});

void test('decrypted scoped PDU may carry padding only when allowed', () => {
  const sp = encodeScopedPdu({
    contextEngineId: Buffer.alloc(0),
    contextName: Buffer.alloc(0),
    pdu: { type: 'GetRequest', requestId: 3, errorStatus: 0, errorIndex: 0, varbinds: [] },
  });
  assert.ok(sp.ok);
  const padded = Buffer.concat([sp.value, Buffer.alloc(5)]);
  assert.equal(decodeScopedPdu(padded).ok, false);
  assert.equal(decodeScopedPdu(padded, true).ok, true);
});
