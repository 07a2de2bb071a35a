import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseContactList, type VerifiedResponse } from '@beckon/sip';
import { seededRandom } from '@beckon/testkit';
import { QuickRegisterScanner, VerifiedDatagrams, type QuickRegister } from '../../src/registrar/index.js';
import {
  decodeScannedRegister,
  encodeScannedRegister,
} from '../../src/registrar/challenge-threads/scanned-register-codec.js';

const AUTH =
  'Digest username="u1",realm="example.net",nonce="n",uri="sip:example.net",response="r",algorithm=MD5,cnonce="c",qop=auth,nc=00000001';
const VERIFIED: VerifiedResponse = { username: 'u1', nonce: 'n', nc: '00000001', algorithm: 'MD5' };

function request(extra: readonly string[] = ['User-Agent: sipp-bench']): Buffer {
  return Buffer.from(
    [
      'REGISTER sip:example.net SIP/2.0',
      'Via: SIP/2.0/UDP 10.0.0.9:5062;branch=z9hG4bK-1',
      'Max-Forwards: 70',
      'From: <sip:u1@example.net>;tag=1',
      'To: <sip:u1@example.net>',
      'Call-ID: c1@10.0.0.9',
      'CSeq: 2 REGISTER',
      'Contact: <sip:u1@10.0.0.9:5062;transport=UDP>',
      'Expires: 3600',
      'Authorization: ' + AUTH,
      ...extra,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
    'latin1',
  );
}

const scanner = new QuickRegisterScanner({ domains: ['example.net'], acceptAnyDomain: false });

function scanned(data: Buffer): QuickRegister {
  const q = scanner.scan(data, '10.0.0.9', 5062);
  assert.ok(q);
  return q;
}

/** The fields of a QuickRegister as plain values (headers by the names the registrar asks for). */
function plain(q: QuickRegister): unknown {
  const { headers, ...rest } = q;
  return {
    ...rest,
    authorization: headers.get('authorization'),
    userAgent: headers.get('user-agent'),
    path: headers.getAll('path'),
  };
}

void test('scanned register: golden record (lengths as two bytes each, then the fields)', () => {
  const q = scanned(request());
  const s = encodeScannedRegister(q, VERIFIED);
  assert.ok(s !== undefined);
  const fields = [
    'sip:u1@example.net',
    'u1',
    'c1@10.0.0.9',
    '2',
    '<sip:u1@10.0.0.9:5062;transport=UDP>',
    '3600',
    'Via: SIP/2.0/UDP 10.0.0.9:5062;branch=z9hG4bK-1\r\nFrom: <sip:u1@example.net>;tag=1\r\n',
    '<sip:u1@example.net>',
    'Call-ID: c1@10.0.0.9\r\nCSeq: 2 REGISTER\r\n',
    AUTH,
    'sipp-bench',
    'u1',
    'n',
    '00000001',
    'MD5',
  ];
  const head = fields.map((f) => String.fromCharCode(f.length >> 8, f.length & 0xff)).join('');
  assert.equal(s, head + fields.join(''));
  assert.equal(s.slice(0, 4), '\u0000\u0012\u0000\u0002');
  const d = decodeScannedRegister(s);
  assert.ok(d);
  assert.deepEqual(plain(d.register), plain(q));
  assert.deepEqual(d.verified, VERIFIED);
});

void test('scanned register: absent Expires and User-Agent stay absent; Latin-1 text round-trips', () => {
  const data = Buffer.from(
    request(['User-Agent: T\u00e9l\u00e9phone \u00ff']).toString('latin1').replace('Expires: 3600\r\n', ''),
    'latin1',
  );
  const q = scanned(data);
  assert.equal(q.headerExpires, undefined);
  const noUa = scanned(request([]));
  for (const x of [q, noUa]) {
    const s = encodeScannedRegister(x, VERIFIED);
    assert.ok(s !== undefined);
    // It crosses as Latin-1 bytes.
    const d = decodeScannedRegister(Buffer.from(s, 'latin1').toString('latin1'));
    assert.ok(d);
    assert.deepEqual(plain(d.register), plain(x));
  }
  assert.equal(
    decodeScannedRegister(encodeScannedRegister(noUa, VERIFIED) ?? '')?.register.headers.get('user-agent'),
    undefined,
  );
});

void test('scanned register: a field longer than 65,535 characters is not encoded', () => {
  const q = scanned(request());
  assert.equal(encodeScannedRegister({ ...q, after: 'x'.repeat(65_536) }, VERIFIED), undefined);
  assert.ok(encodeScannedRegister({ ...q, after: 'x'.repeat(65_535) }, VERIFIED) !== undefined);
});

void test('scanned register: decoding damaged records gives undefined or a record, never a throw', () => {
  const rnd = seededRandom(23);
  const good = encodeScannedRegister(scanned(request()), VERIFIED) as string;
  let refused = 0;
  for (let i = 0; i < 20_000; i++) {
    let s = good;
    const edits = 1 + Math.floor(rnd() * 3);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(rnd() * s.length);
      const c = String.fromCharCode(Math.floor(rnd() * 256));
      const r = rnd();
      if (r < 0.3) s = s.slice(0, at) + c + s.slice(at);
      else if (r < 0.6) s = s.slice(0, at) + s.slice(at + 1);
      else if (r < 0.9) s = s.slice(0, at) + c + s.slice(at + 1);
      else s = s.slice(0, at);
    }
    const d = decodeScannedRegister(s);
    if (d === undefined) {
      refused++;
      continue;
    }
    // What decodes is consistent with itself: numbers are numbers, the contacts are the Contact value's.
    assert.ok(Number.isInteger(d.register.cseq));
    const contacts = parseContactList(d.register.contactValue);
    assert.ok(contacts.ok);
    assert.equal(d.register.contacts.length, contacts.value.length);
    assert.ok(['MD5', 'SHA-256', 'SHA-512-256'].includes(d.verified.algorithm));
  }
  assert.ok(refused > 10_000, `refused ${refused}`);
  for (const s of ['', 'x', '\u0000'.repeat(30), '\u00ff'.repeat(40)])
    assert.equal(decodeScannedRegister(s), undefined);
});

void test('verified datagrams: a mark is per buffer (not per content), carries its record, and is used up', () => {
  const v = new VerifiedDatagrams();
  const a = request();
  const copy = Buffer.from(a);
  v.mark(a, encodeScannedRegister(scanned(a), VERIFIED) as string);
  assert.equal(v.take(copy), undefined);
  const d = v.take(a);
  assert.ok(d);
  assert.equal(d.register.callId, 'c1@10.0.0.9');
  assert.deepEqual(d.verified, VERIFIED);
  assert.equal(v.take(a), undefined);
});
