import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  stunBindingRequest,
  stunBindingResponse,
  stunKind,
  stunMappedAddress,
} from '../../src/transport/index.js';

void test('STUN Binding: request/response round trip for IPv4 and IPv6 sources', () => {
  const req = stunBindingRequest();
  assert.equal(stunKind(req), 'binding-request');
  const cases: [string, number, string][] = [
    ['192.0.2.1', 32853, '192.0.2.1'],
    ['::1', 5060, '0:0:0:0:0:0:0:1'],
    ['2001:db8:1234:5678:11:2233:4455:6677', 32853, '2001:db8:1234:5678:11:2233:4455:6677'],
    ['::ffff:10.1.2.3', 7, '0:0:0:0:0:ffff:a01:203'],
  ];
  for (const [addr, port, shown] of cases) {
    const res = stunBindingResponse(req, addr, port);
    assert.ok(res, addr);
    assert.equal(stunKind(res), 'binding-success');
    assert.deepEqual(res.subarray(8, 20), req.subarray(8, 20), 'transaction id echoed');
    assert.deepEqual(stunMappedAddress(res), { address: shown, port });
  }
  assert.equal(stunBindingResponse(req, 'not-an-ip', 1), undefined);
});

void test('RFC 5769 §2.2 sample response: XOR-MAPPED-ADDRESS 192.0.2.1:32853', () => {
  // Header and the XOR-MAPPED-ADDRESS attribute of the RFC 5769 IPv4 sample response (other attributes
  // left out, length adjusted).
  const hex =
    '0101000c2112a442b7e7a701bc34d686fa87dfae' + // header, length 12
    '002000080001a147e112a643'; // XOR-MAPPED-ADDRESS
  assert.deepEqual(stunMappedAddress(Buffer.from(hex, 'hex')), { address: '192.0.2.1', port: 32853 });
});

void test('non-STUN data is not taken for STUN', () => {
  assert.equal(stunKind(Buffer.from('OPTIONS sip:a SIP/2.0\r\n\r\n')), undefined);
  assert.equal(stunKind(Buffer.from('\r\n\r\n')), undefined);
  const bad = stunBindingRequest();
  bad.writeUInt32BE(0x12345678, 4);
  assert.equal(stunKind(bad), undefined);
  const badLen = stunBindingRequest();
  badLen.writeUInt16BE(8, 2);
  assert.equal(stunKind(badLen), undefined);
});
