import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { parseUri, type SipUri } from '@beckon/sip';
import {
  escapeParamValue,
  instanceIdOf,
  publicGruu,
  resolveGruu,
  TempGruuCodec,
  TEMP_GRUU_PREFIX,
  type BindingRecord,
} from '../../src/index.js';

const KEY = Buffer.alloc(32, 7);
const TARGET = {
  aor: 'sip:alice@example.net',
  instance: 'urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
  callId: 'c1@x',
};

void test('a temporary GRUU opens to what it was sealed for, is new each time, and hides the AOR', () => {
  const codec = new TempGruuCodec(KEY);
  const a = codec.seal(TARGET);
  const b = codec.seal(TARGET);
  assert.ok(a.startsWith(TEMP_GRUU_PREFIX));
  assert.notEqual(a, b, 'a random IV per registration');
  assert.deepEqual(codec.open(a), TARGET);
  assert.deepEqual(codec.open(b), TARGET);
  assert.ok(!a.includes('alice') && !a.includes('f81d4fae'));
  assert.match(a, /^tgruu\.[A-Za-z0-9_-]+$/, 'only unreserved characters in the user part');
});

void test('a forged, altered or foreign temporary GRUU does not open', () => {
  const codec = new TempGruuCodec(KEY);
  const t = codec.seal(TARGET);
  const body = t.slice(TEMP_GRUU_PREFIX.length);
  const flipped = TEMP_GRUU_PREFIX + (body[0] === 'A' ? 'B' : 'A') + body.slice(1);
  assert.equal(codec.open(flipped), undefined);
  assert.equal(new TempGruuCodec(randomBytes(32)).open(t), undefined);
  assert.equal(codec.open('tgruu.'), undefined);
  assert.equal(codec.open('tgruu.!!!'), undefined);
  assert.equal(codec.open('alice'), undefined);
  // Fuzz: random user parts never open and never throw.
  for (let i = 0; i < 2000; i++) {
    const junk = TEMP_GRUU_PREFIX + randomBytes(i % 80).toString('base64url');
    assert.equal(codec.open(junk), undefined);
  }
  assert.throws(() => new TempGruuCodec(Buffer.alloc(16)), RangeError);
});

void test('the public GRUU is the AOR with gr set to the instance ID, escaped as a URI parameter', () => {
  assert.equal(instanceIdOf('<urn:uuid:abc>'), 'urn:uuid:abc');
  assert.equal(instanceIdOf('urn:uuid:abc'), 'urn:uuid:abc');
  assert.equal(
    publicGruu('sip:alice@example.net', '<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>'),
    'sip:alice@example.net;gr=urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
  );
  assert.equal(escapeParamValue('a b;c"d'), 'a%20b%3Bc%22d');
  const u = parseUri(publicGruu('sip:alice@example.net', '<urn:x-odd:a b>'));
  assert.ok(u.ok);
});

function binding(instance: string, callId: string, receivedAt: number): BindingRecord {
  return {
    aor: 'sip:alice@example.net',
    instance,
    callId,
    receivedAt,
    contact: `sip:${receivedAt}@h`,
  } as BindingRecord;
}

void test('resolveGruu picks the instance named by a public or temporary GRUU', () => {
  const codec = new TempGruuCodec(KEY);
  const bindings = [
    binding('<urn:uuid:aaaa>', 'c-a', 1),
    binding('<urn:uuid:bbbb>', 'c-b', 2),
    binding('<urn:uuid:BBBB>', 'c-b', 3),
  ];
  const location = { lookup: (aor: string) => (aor === 'sip:alice@example.net' ? bindings : []) };
  const uri = (s: string): SipUri => {
    const p = parseUri(s);
    assert.ok(p.ok && p.value.scheme === 'sip');
    return p.value as SipUri;
  };
  assert.deepEqual(resolveGruu(uri('sip:alice@example.net'), location, codec), { kind: 'not-gruu' });
  const a = resolveGruu(uri('sip:alice@Example.NET;gr=urn:uuid:aaaa'), location, codec);
  assert.equal(a.kind === 'binding' && a.binding.contact, 'sip:1@h');
  const b = resolveGruu(uri('sip:alice@example.net;gr=urn:uuid:bbbb'), location, codec);
  assert.equal(b.kind === 'binding' && b.binding.contact, 'sip:3@h', 'the newest flow of the instance');
  assert.equal(
    resolveGruu(uri('sip:alice@example.net;gr=urn:uuid:cccc'), location, codec).kind,
    'unregistered',
  );
  assert.equal(resolveGruu(uri('sip:alice@example.net;gr'), location, codec).kind, 'unknown');
  const temp = codec.seal({ aor: 'sip:alice@example.net', instance: 'urn:uuid:aaaa', callId: 'c-a' });
  const t = resolveGruu(uri(`sip:${temp}@example.net;gr`), location, codec);
  assert.equal(t.kind === 'binding' && t.binding.contact, 'sip:1@h');
  const stale = codec.seal({ aor: 'sip:alice@example.net', instance: 'urn:uuid:aaaa', callId: 'older' });
  assert.equal(resolveGruu(uri(`sip:${stale}@example.net;gr`), location, codec).kind, 'unknown');
  assert.equal(resolveGruu(uri(`sip:${temp}@example.net;gr`), location, undefined).kind, 'unknown');
});
