import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createErrorResponse,
  formatUri,
  isSipUri,
  parseMessage,
  type SipRequest,
  type SipResponse,
  type SipUri,
} from '../../src/index.js';
import { VECTORS, vectorBytes } from './rfc4475-vectors.js';

function byName(name: string): Buffer {
  const v = VECTORS.find((x) => x.name === name);
  assert.ok(v, name);
  return vectorBytes(v);
}

function request(name: string): SipRequest {
  const r = parseMessage(byName(name));
  assert.ok(r.ok, r.ok ? '' : `${name}: ${r.error.code} ${r.error.reason}`);
  assert.equal(r.message.kind, 'request');
  return r.message as SipRequest;
}

function response(name: string): SipResponse {
  const r = parseMessage(byName(name));
  assert.ok(r.ok, r.ok ? '' : `${name}: ${r.error.code} ${r.error.reason}`);
  assert.equal(r.message.kind, 'response');
  return r.message as SipResponse;
}

for (const v of VECTORS) {
  void test(`RFC 4475 §${v.section} ${v.name}: ${v.expectError ?? 'parses'}`, () => {
    const r = parseMessage(vectorBytes(v));
    if (v.expectError === undefined) {
      assert.ok(r.ok, r.ok ? '' : `${r.error.code}: ${r.error.reason}`);
      // round trip: serialize and parse again gives the same header rows and body
      const again = parseMessage(r.message.serialize());
      assert.ok(again.ok, again.ok ? '' : again.error.reason);
      const rows = (m: typeof r.message) => [...m.headers()].filter(([n]) => n !== 'Content-Length');
      assert.deepEqual(rows(again.message), rows(r.message));
      assert.deepEqual(again.message.body, r.message.body);
    } else {
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.error.code, v.expectError, r.error.reason);
      if (v.canRespond !== undefined) assert.equal(r.error.canRespond, v.canRespond);
      if (r.error.canRespond) {
        const res = createErrorResponse(r.error);
        assert.ok(res);
        assert.ok(res.serialize().length > 0);
      }
    }
  });
}

void test('wsinv values', () => {
  const m = request('wsinv');
  assert.equal(m.method, 'INVITE');
  const u = m.uri as SipUri;
  assert.equal(u.user, 'vivekg');
  assert.equal(u.params.get('unknownparam'), null);
  assert.equal(m.toTag, '1918181833n');
  assert.equal(m.from().displayName, 'J Rosenberg \\"');
  assert.equal(m.fromTag, '98asjd8');
  assert.equal(m.maxForwards(), 68);
  assert.deepEqual(m.cseq(), { seq: 9, method: 'INVITE' });
  const vias = m.vias();
  assert.equal(vias.length, 3);
  assert.deepEqual(
    vias.map((v) => [v.transport, v.host, v.branch]),
    [
      ['UDP', '192.0.2.2', '390skdjuw'],
      ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ],
  );
  assert.equal(m.get('Subject'), '');
  assert.equal(m.get('newfangledheader'), 'newfangled value continued newfangled value');
  assert.equal(m.get('UnknownHeaderWithUnusualValue'), ';;,,;;,;');
  const [c] = m.contacts();
  assert.ok(c);
  assert.equal(c.displayName, 'Quoted string ""');
  assert.equal(c.params.get('newparam'), 'newvalue');
  assert.equal(c.params.get('secondparam'), null);
  assert.equal(c.q, 0.33);
  assert.equal(m.getAll('Route').length, 1);
  assert.equal(m.body.length, Number(m.get('content-length')));
});

void test('intmeth values', () => {
  const m = request('intmeth');
  assert.equal(m.method, "!interesting-Method0123456789_*+`.%indeed'~");
  const u = m.uri as SipUri;
  assert.equal(u.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
  assert.equal(u.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
  assert.equal(m.topVia()?.branch, "z9hG4bK-.!%66*_+`'~");
  assert.equal(m.to().displayName, 'BEL:\x07 NUL:\x00 DEL:\x7f');
  assert.equal(m.from().displayName, "token1~` token2'+_ token3*%!.-");
  assert.equal(m.fromTag, "_token~1'+`*%!-.");
  assert.equal(m.callId, 'intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
  assert.equal(m.get("extensionHeader-!.%*+_`'~"), '\ufeff\u5927\u505c\u96fb');
});

void test('esc01 values: escapes decoded, re-escaped equivalently', () => {
  const m = request('esc01');
  const u = m.uri as SipUri;
  assert.equal(u.user, 'sips:user@example.com');
  assert.equal(u.host, 'example.net');
  assert.equal((m.to().uri as SipUri).user, 'user');
  assert.equal((m.from().uri as SipUri).user, 'I have spaces');
  const [c] = m.contacts();
  assert.ok(c && isSipUri(c.uri));
  assert.equal(c.uri.user, 'caller');
  assert.equal(c.uri.params.get('lr'), null);
  assert.equal(c.uri.params.get('name'), 'value%41');
  assert.equal(formatUri(c.uri), 'sip:caller@host5.example.net;lr;name=value%2541');
});

void test('escnull: escaped NULs survive', () => {
  const m = request('escnull');
  assert.equal((m.to().uri as SipUri).user, 'null-\x00-null');
  const cs = m.contacts();
  assert.deepEqual(
    cs.map((c) => (c.uri as SipUri).user),
    ['\x00', '\x00\x00'],
  );
  assert.equal(formatUri(cs[1]!.uri), 'sip:%00%00@host5.example.com');
});

void test('esc02: % in method and header name is not an escape', () => {
  const m = request('esc02');
  assert.equal(m.method, 'RE%47IST%45R');
  assert.equal(m.from().displayName, '%Z%45');
  assert.equal(m.contacts().length, 2);
  assert.equal(m.get('C%6Fntact'), '<sip:alias2@host2.example.com>');
});

void test('lwsdisp, semiuri, transports, dblreq, longreq', () => {
  assert.equal(request('lwsdisp').from().displayName, 'caller');
  const s = request('semiuri');
  assert.equal((s.uri as SipUri).user, 'user;par=u@example.net');
  assert.equal(s.getAll('Accept').length, 6);
  assert.deepEqual(
    request('transports')
      .vias()
      .map((v) => v.transport),
    ['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP'],
  );
  const d = request('dblreq');
  assert.equal(d.method, 'REGISTER');
  assert.equal(d.body.length, 0);
  const l = request('longreq');
  assert.equal(l.vias().length, 34);
  assert.ok(l.to().displayName!.length > 70);
});

void test('responses: unreason, noreason, bcast', () => {
  const u = response('unreason');
  assert.equal(u.status, 200);
  assert.ok(u.reason.startsWith('= 2**3 * 5**2 '));
  const n = response('noreason');
  assert.equal(n.status, 100);
  assert.equal(n.reason, '');
  assert.equal(response('bcast').vias()[1]?.host, '255.255.255.255');
});

void test('semantic cases parse with upper-layer flags', () => {
  assert.equal(request('badbranch').topVia()?.branch, 'z9hG4bK');
  assert.equal(request('unkscm').uri.scheme, 'nobodyknowsthisscheme');
  assert.equal(request('novelsc').uri.scheme, 'soap.beep');
  const u2 = request('unksm2');
  assert.equal(u2.to().uri.scheme, 'isbn');
  assert.equal(u2.from().uri.scheme, 'http');
  assert.equal(request('regaut01').get('authorization'), 'NoOneKnowsThisScheme opaque-data=here');
  assert.equal(request('zeromf').maxForwards(), 0);
  assert.deepEqual(request('bext01').getAll('require'), ['nothingSupportsThis', 'nothingSupportsThisEither']);
  // regbadct: Contact with '?' outside <> is flagged when Contact is read
  const rb = request('regbadct').tryContacts();
  assert.equal(rb.ok, false);
  // cparam01: the param belongs to the Contact header; cparam02: to the URI
  const c1 = request('cparam01').contacts()[0]!;
  assert.equal(c1.params.get('unknownparam'), null);
  assert.equal((c1.uri as SipUri).params.size, 0);
  const c2 = request('cparam02').contacts()[0]!;
  assert.equal(c2.params.size, 0);
  assert.equal((c2.uri as SipUri).params.get('unknownparam'), null);
  const re = request('regescrt').contacts()[0]!;
  assert.equal((re.uri as SipUri).headers.get('Route'), '<sip:sip.example.com>');
  const inv = request('inv2543');
  assert.equal(inv.fromTag, undefined);
  assert.equal(inv.to().params.get('user'), 'phone');
  assert.equal(inv.maxForwards(), undefined);
  assert.ok(inv.body.length > 0);
  assert.equal(request('baddate').get('date'), 'Fri, 01 Jan 2010 16:00:00 EST');
});

void test('error details: scalar02 and badvers', () => {
  const s = parseMessage(byName('scalar02'));
  assert.ok(!s.ok);
  assert.equal(s.error.header, 'CSeq');
  assert.equal(s.error.partial?.callId, 'scalar02.23o0pd9vanlq3wnrlnewofjas9ui32');
  const b = parseMessage(byName('badvers'));
  assert.ok(!b.ok);
  assert.equal(b.error.status, 505);
  const res = createErrorResponse(b.error);
  assert.equal(res?.status, 505);
  assert.equal(res?.getAll('via').length, 1);
});
