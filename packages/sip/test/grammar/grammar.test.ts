import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatNameAddr,
  formatUri,
  NO_PARAMS,
  formatVia,
  parseContactList,
  parseCSeq,
  parseNameAddr,
  parseUri,
  parseVia,
  parseViaList,
  splitList,
  stripIpv6Brackets,
  unquote,
  uriEquals,
  type SipUri,
  type Uri,
} from '../../src/index.js';

function uri(s: string): Uri {
  const r = parseUri(s);
  assert.ok(r.ok, r.ok ? '' : `${s}: ${r.reason}`);
  return r.value;
}

void test('SIP URI components', () => {
  const u = uri(
    'sips:alice:secret@[2001:db8::1]:5061;transport=TCP;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent',
  ) as SipUri;
  assert.equal(u.scheme, 'sips');
  assert.equal(u.user, 'alice');
  assert.equal(u.password, 'secret');
  assert.equal(u.host, '[2001:db8::1]');
  assert.equal(stripIpv6Brackets(u.host), '2001:db8::1');
  assert.equal(u.port, 5061);
  assert.equal(u.params.get('transport'), 'TCP');
  assert.equal(u.params.get('lr'), null);
  assert.equal(u.headers.get('subject'), 'project x');
  assert.equal(
    formatUri(u),
    'sips:alice:secret@[2001:db8::1]:5061;transport=TCP;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent',
  );
  assert.equal((uri('SIP:host.example.com') as SipUri).scheme, 'sip');
  assert.equal((uri('sip:+1-212-555-1212:1234@gateway.com;user=phone') as SipUri).user, '+1-212-555-1212');
});

void test('bad URIs are values, not exceptions', () => {
  for (const s of [
    '',
    'sip:',
    'sip:@host',
    'sip:host:99999',
    'sip:[::1',
    'sip:a@b;=x',
    'sip:a%zz@b',
    'sip:host junk',
    'x',
  ]) {
    assert.equal(parseUri(s).ok, false, s);
  }
});

void test('tel and absolute URIs', () => {
  const t = uri('tel:+1-201-555-0123;phone-context=example.com');
  assert.equal(t.scheme, 'tel');
  assert.equal(formatUri(t), 'tel:+1-201-555-0123;phone-context=example.com');
  assert.ok(uriEquals(t, uri('tel:+1.201.555.0123;PHONE-CONTEXT=example.com')));
  const a = uri('urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6');
  assert.equal(formatUri(a), 'urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6');
});

void test('uriEquals: RFC 3261 §19.1.4 examples', () => {
  const eq = [
    ['sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'],
    ['sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;newparam=5'],
    [
      'sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com',
      'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com',
    ],
    [
      'sip:alice@atlanta.com?subject=project%20x&priority=urgent',
      'sip:alice@atlanta.com?priority=urgent&subject=project%20x',
    ],
  ];
  const ne = [
    ['SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp'],
    ['sip:bob@biloxi.com', 'sip:bob@biloxi.com:6000;transport=tcp'],
    ['sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting'],
    ['sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4'],
    ['sip:a@b', 'sips:a@b'],
  ];
  for (const [a, b] of eq) assert.ok(uriEquals(uri(a!), uri(b!)), `${a} == ${b}`);
  for (const [a, b] of ne) assert.ok(!uriEquals(uri(a!), uri(b!)), `${a} != ${b}`);
});

void test('name-addr forms', () => {
  const a = parseNameAddr('"A \\"quoted\\" name" <sip:a@example.com;lr>;tag=x1;foo="b,c"');
  assert.ok(a.ok);
  assert.equal(a.value.displayName, 'A "quoted" name');
  assert.equal(a.value.params.get('tag'), 'x1');
  assert.equal(a.value.params.get('foo'), '"b,c"');
  assert.equal(unquote(a.value.params.get('foo') as string), 'b,c');
  assert.equal(formatNameAddr(a.value), '"A \\"quoted\\" name" <sip:a@example.com;lr>;tag=x1;foo="b,c"');
  const b = parseNameAddr('Bob Smith <sip:bob@example.com>');
  assert.ok(b.ok);
  assert.equal(b.value.displayName, 'Bob Smith');
  const c = parseNameAddr('sip:bob@example.com;tag=77');
  assert.ok(c.ok);
  assert.equal(c.value.params.get('tag'), '77');
  assert.equal((c.value.uri as SipUri).params.size, 0);
  for (const bad of [
    '<sip:a@b',
    '"unterminated <sip:a@b>',
    'sip:a@b?x=y',
    'Bell, Al <sip:a@b>',
    '<sip:a@b>;;tag=1',
    '',
  ]) {
    assert.equal(parseNameAddr(bad).ok, false, bad);
  }
});

void test('Via forms incl. IPv6, rport, compact spacing', () => {
  const v = parseVia(
    'SIP/2.0/udp [2001:db8::9]:5070;branch=z9hG4bK1;rport;received=2001:db8::10;ttl=16;maddr=224.0.1.75',
  );
  assert.ok(v.ok, v.ok ? '' : v.reason);
  assert.equal(v.value.transport, 'UDP');
  assert.equal(v.value.host, '[2001:db8::9]');
  assert.equal(v.value.port, 5070);
  assert.equal(v.value.params.get('rport'), null);
  assert.equal(
    formatVia(v.value),
    'SIP/2.0/UDP [2001:db8::9]:5070;branch=z9hG4bK1;rport;received=2001:db8::10;ttl=16;maddr=224.0.1.75',
  );
  const w = parseVia('SIP / 2.0 / TCP host.example.com : 5060 ; rport = 1234 ; branch = z9hG4bKx');
  assert.ok(w.ok, w.ok ? '' : w.reason);
  assert.equal(w.value.port, 5060);
  assert.equal(w.value.params.get('rport'), '1234');
  assert.equal(w.value.branch, 'z9hG4bKx');
  const list = parseViaList('SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/TCP b:5061;branch=z9hG4bK2');
  assert.ok(list.ok);
  assert.equal(list.value.length, 2);
  for (const bad of [
    'SIP/2.0/UDP',
    'SIP/2.0 host',
    'SIP/2.0/UDP host;ttl=999',
    'SIP/2.0/UDP host;rport=x',
    'SIP/2.0/UDP host;received=foo',
    'SIP/2.0/UDP host;branch',
  ]) {
    assert.equal(parseVia(bad).ok, false, bad);
  }
  assert.equal(parseViaList('SIP/2.0/UDP a,,SIP/2.0/UDP b').ok, false);
});

void test('Contact list, star, q, expires, instance, reg-id', () => {
  const r = parseContactList(
    '<sip:a@1.2.3.4>;q=0.7;expires=60;+sip.instance="<urn:uuid:1234>";reg-id=2, "X, Y" <sip:b@h>;q=1, sip:c@h',
  );
  assert.ok(r.ok, r.ok ? '' : r.reason);
  assert.equal(r.value.length, 3);
  assert.equal(r.value[0]?.q, 0.7);
  assert.equal(r.value[0]?.expires, 60);
  assert.equal(r.value[0]?.instance, '<urn:uuid:1234>');
  assert.equal(r.value[0]?.regId, 2);
  assert.equal(r.value[1]?.displayName, 'X, Y');
  const star = parseContactList(' * ');
  assert.ok(star.ok && star.value[0]?.star === true);
  assert.equal(parseContactList('*, <sip:a@b>').ok, false);
  assert.equal(parseContactList('<sip:a@b>;q=2').ok, false);
  const big = parseContactList('<sip:a@b>;expires=99999999999');
  assert.ok(big.ok);
  assert.equal(big.value[0]?.expires, undefined);
});

void test('splitList respects quotes and angle brackets', () => {
  assert.deepEqual(splitList('a, "b,c" <sip:x,y@h>;p="1,2" ,d'), ['a', '"b,c" <sip:x,y@h>;p="1,2"', 'd']);
  assert.deepEqual(splitList(' single '), ['single']);
  assert.deepEqual(splitList('a,,b'), ['a', '', 'b']);
});

void test('CSeq', () => {
  assert.deepEqual(parseCSeq('0009 INVITE'), { ok: true, value: { seq: 9, method: 'INVITE' } });
  assert.equal(parseCSeq('2147483648 INVITE').ok, false);
  assert.equal(parseCSeq('1INVITE').ok, false);
  assert.equal(parseCSeq('1 INVITE x').ok, false);
});

void test('URIs and name-addrs without parameters share one read-only empty map', () => {
  const a = parseNameAddr('<sip:alice@example.com>');
  const b = parseNameAddr('"Bob" <sip:bob@example.com:5062> ');
  assert.ok(a.ok && b.ok);
  const ua = a.value.uri as SipUri;
  assert.equal(a.value.params, NO_PARAMS);
  assert.equal(ua.params, NO_PARAMS);
  assert.equal(ua.headers, NO_PARAMS);
  assert.equal(b.value.params, NO_PARAMS);
  assert.throws(() => a.value.params.set('tag', 'x'), /read-only/);
  assert.throws(() => ua.params.delete('lr'), /read-only/);
  assert.throws(() => ua.headers.clear(), /read-only/);
  assert.equal(NO_PARAMS.size, 0);
  // The first parameter (or header) gets a map of its own; the shared one stays empty.
  const c = parseNameAddr('<sip:carol@example.com;transport=udp?subject=hi>;tag=1');
  assert.ok(c.ok);
  const uc = c.value.uri as SipUri;
  assert.notEqual(uc.params, NO_PARAMS);
  assert.deepEqual([...uc.params], [['transport', 'udp']]);
  assert.deepEqual([...uc.headers], [['subject', 'hi']]);
  assert.deepEqual([...c.value.params], [['tag', '1']]);
  assert.equal(formatUri(ua), 'sip:alice@example.com');
  assert.equal(NO_PARAMS.size, 0);
});
