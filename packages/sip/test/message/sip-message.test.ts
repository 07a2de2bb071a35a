import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createResponse,
  formatUri,
  isSipUri,
  parseMessage,
  SipRequest,
  SipResponse,
  type SipRequest as Req,
} from '../../src/index.js';

const CRLF = '\r\n';
export const REGISTER =
  [
    'REGISTER sip:registrar.example.com SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport',
    'Max-Forwards: 70',
    'To: Bob <sip:bob@example.com>',
    'From: "Bob" <sip:bob@example.com>;tag=456248',
    'Call-ID: 843817637684230@998sdasdh09',
    'CSeq: 1826 REGISTER',
    'Contact: <sip:bob@192.0.2.10:5060;transport=udp>;expires=3600;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>";reg-id=1',
    'Expires: 7200',
    'Content-Length: 0',
  ].join(CRLF) +
  CRLF +
  CRLF;

function req(text: string): Req {
  const r = parseMessage(Buffer.from(text));
  assert.ok(r.ok, r.ok ? '' : JSON.stringify(r.error));
  assert.equal(r.message.kind, 'request');
  return r.message as Req;
}

void test('parses a REGISTER', () => {
  const m = req(REGISTER);
  assert.equal(m.method, 'REGISTER');
  assert.equal(m.rawUri, 'sip:registrar.example.com');
  assert.ok(isSipUri(m.uri));
  assert.equal(m.callId, '843817637684230@998sdasdh09');
  assert.deepEqual(m.cseq(), { seq: 1826, method: 'REGISTER' });
  assert.equal(m.fromTag, '456248');
  assert.equal(m.toTag, undefined);
  assert.equal(m.from().displayName, 'Bob');
  assert.equal(m.to().displayName, 'Bob');
  assert.equal(m.maxForwards(), 70);
  assert.equal(m.expires(), 7200);
  const v = m.topVia();
  assert.ok(v);
  assert.equal(v.transport, 'UDP');
  assert.equal(v.host, '192.0.2.10');
  assert.equal(v.port, 5060);
  assert.equal(v.branch, 'z9hG4bK776asdhds');
  assert.equal(v.params.get('rport'), null);
  const [c] = m.contacts();
  assert.ok(c);
  assert.equal(c.expires, 3600);
  assert.equal(c.instance, '<urn:uuid:00000000-0000-1000-8000-000A95A0E128>');
  assert.equal(c.regId, 1);
  assert.equal(formatUri(c.uri), 'sip:bob@192.0.2.10:5060;transport=udp');
});

void test('serialize round trip', () => {
  const m = req(REGISTER);
  assert.equal(m.serialize().toString(), REGISTER);
});

void test('createResponse copies headers and adds a To tag', () => {
  const m = req(REGISTER);
  const r = createResponse(m, 200, undefined, { toTag: 'abc' });
  assert.ok(r instanceof SipResponse);
  assert.equal(r.reason, 'OK');
  assert.equal(r.toTag, 'abc');
  assert.equal(r.callId, m.callId);
  assert.deepEqual(r.getAll('via'), m.getAll('via'));
  const p = parseMessage(r.serialize());
  assert.ok(p.ok);
});

void test('builds a request from scratch', () => {
  const r = new SipRequest('OPTIONS', 'sip:example.com');
  r.add('Via', 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx');
  r.add('f', '<sip:a@example.com>;tag=1');
  r.add('t', '<sip:example.com>');
  r.add('i', 'abc');
  r.add('CSeq', '1 OPTIONS');
  r.add('Max-Forwards', '70');
  const text = r.toString();
  assert.match(text, /^OPTIONS sip:example.com SIP\/2.0\r\n/);
  assert.match(text, /\r\nFrom: <sip:a@example.com>;tag=1\r\n/);
  assert.match(text, /\r\nContent-Length: 0\r\n\r\n$/);
  assert.ok(parseMessage(r.serialize()).ok);
});
