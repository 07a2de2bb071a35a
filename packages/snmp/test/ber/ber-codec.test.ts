import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerReader, BerWriter, readValue, writeValue, oid, type SnmpValue } from '../../src/index.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function enc(v: SnmpValue): string {
  const w = new BerWriter(4);
  writeValue(w, v);
  assert.equal(w.error, undefined);
  return w.toBuffer().toString('hex');
}

function dec(h: string): SnmpValue {
  const r = new BerReader(hex(h));
  const v = readValue(r);
  assert.equal(r.error, undefined, JSON.stringify(r.error));
  assert.equal(r.pos, hex(h).length);
  return v;
}

// Expected bytes written from X.690 §8.3 (INTEGER: two's complement, minimal octets)
const golden: [SnmpValue, string][] = [
  [{ type: 'Integer', value: 0 }, '020100'],
  [{ type: 'Integer', value: 127 }, '02017f'],
  [{ type: 'Integer', value: 128 }, '02020080'],
  [{ type: 'Integer', value: 256 }, '02020100'],
  [{ type: 'Integer', value: -1 }, '0201ff'],
  [{ type: 'Integer', value: -128 }, '020180'],
  [{ type: 'Integer', value: -129 }, '0202ff7f'],
  [{ type: 'Integer', value: 2147483647 }, '02047fffffff'],
  [{ type: 'Integer', value: -2147483648 }, '020480000000'],
  [{ type: 'Counter32', value: 4294967295 }, '410500ffffffff'],
  [{ type: 'Gauge32', value: 0 }, '420100'],
  [{ type: 'TimeTicks', value: 0x80 }, '43020080'],
  [{ type: 'Counter64', value: 0n }, '460100'],
  [{ type: 'Counter64', value: 0xffffffffffffffffn }, '460900ffffffffffffffff'],
  [{ type: 'Counter64', value: 0x0100000000n }, '46050100000000'],
  [{ type: 'OctetString', value: Buffer.from('public') }, '04067075626c6963'],
  [{ type: 'OctetString', value: Buffer.alloc(0) }, '0400'],
  [{ type: 'Null' }, '0500'],
  [{ type: 'IpAddress', value: '127.0.0.1' }, '40047f000001'],
  [{ type: 'Opaque', value: hex('9f780442f60000') }, '44079f780442f60000'],
  [{ type: 'NoSuchObject' }, '8000'],
  [{ type: 'NoSuchInstance' }, '8100'],
  [{ type: 'EndOfMibView' }, '8200'],
  // X.690 §8.19: 1.3 -> 40*1+3 = 0x2b; 6 1 2 1 1 1 0
  [{ type: 'ObjectIdentifier', value: oid('1.3.6.1.2.1.1.1.0') }, '06082b06010201010100'],
  // arc 2^32-1 = 0x8f 0xff 0xff 0xff 0x7f; arc 128 = 0x81 0x00
  [{ type: 'ObjectIdentifier', value: [1, 3, 4294967295, 128] }, '06082b8fffffff7f8100'],
  // 2.999 -> 1079 = 0x88 0x37 (X.690 §8.19.5 example)
  [{ type: 'ObjectIdentifier', value: [2, 999, 3] }, '0603883703'],
  [{ type: 'ObjectIdentifier', value: [0, 0] }, '060100'],
];

void test('golden values encode to the X.690 bytes and decode back', () => {
  for (const [v, h] of golden) {
    assert.equal(
      enc(v),
      h,
      `encode ${JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x))}`,
    );
    assert.deepEqual(dec(h), v);
  }
});

void test('length forms: short, long 1-byte and 2-byte; non-minimal long form accepted', () => {
  const w = new BerWriter(2);
  writeValue(w, { type: 'OctetString', value: Buffer.alloc(127, 0x61) });
  assert.equal(w.toBuffer().subarray(0, 2).toString('hex'), '047f');
  w.reset();
  writeValue(w, { type: 'OctetString', value: Buffer.alloc(128, 0x61) });
  assert.equal(w.toBuffer().subarray(0, 3).toString('hex'), '048180');
  w.reset();
  writeValue(w, { type: 'OctetString', value: Buffer.alloc(300, 0x61) });
  assert.equal(w.toBuffer().subarray(0, 4).toString('hex'), '0482012c');
  // Net-SNMP style 0x82 0x00 0x03
  assert.deepEqual(dec('048200036162 63'), { type: 'OctetString', value: Buffer.from('abc') });
});

void test('sequence with long-form length shifts content in place', () => {
  const w = new BerWriter(8);
  w.startSequence();
  for (let i = 0; i < 100; i++) w.writeInteger(i);
  w.endSequence();
  const b = w.toBuffer();
  assert.equal(b[0], 0x30);
  assert.equal(b[1], 0x82);
  assert.equal(b.readUInt16BE(2), b.length - 4);
  const r = new BerReader(b);
  const saved = r.enter(0x30);
  for (let i = 0; i < 100; i++) assert.equal(r.readInteger(), i);
  r.leave(saved);
  assert.equal(r.error, undefined);
});

void test('typed decoding errors', () => {
  const cases: [string, string][] = [
    ['0480', 'indefiniteLength'],
    ['0405616263', 'lengthOverrun'],
    ['04', 'truncated'],
    ['', 'truncated'],
    ['0485ffffffffff', 'lengthTooLong'],
    ['0500', ''],
    ['050100', 'badNull'],
    ['0600', 'badOid'],
    ['06032b8001', 'badOid'], // leading 0x80 in a sub-identifier
    ['06022b81', 'badOid'], // truncated sub-identifier
    ['06062b9080808000', 'oidArcTooLarge'], // > 2^32-1
    ['0200', 'badInteger'],
    ['02050100000000', 'integerRange'], // INTEGER > 2^31-1
    ['4006000000000000', 'badIpAddress'],
    ['1f01', 'unexpectedTag'],
    ['410601000000000000', 'badInteger'],
    ['460a01000000000000000000', 'badInteger'],
    ['4609010000000000000000', 'integerRange'],
  ];
  for (const [h, code] of cases) {
    const r = new BerReader(hex(h));
    readValue(r);
    assert.equal(r.error?.code ?? '', code, h);
  }
});

void test('trailing bytes inside a construct are rejected', () => {
  const r = new BerReader(hex('3004020101 05'.replace(' ', '') + '00'));
  const saved = r.enter(0x30);
  r.readInteger();
  r.leave(saved);
  assert.equal(r.error?.code, 'trailingBytes');
});

void test('writer records invalid values instead of throwing', () => {
  const w = new BerWriter();
  w.writeOid([3, 1]);
  assert.equal(w.error?.code, 'badValue');
  const w2 = new BerWriter();
  writeValue(w2, { type: 'Integer', value: 2 ** 31 });
  assert.equal(w2.error?.code, 'integerRange');
  const w3 = new BerWriter();
  writeValue(w3, { type: 'IpAddress', value: '1.2.3' });
  assert.equal(w3.error?.code, 'badIpAddress');
});
