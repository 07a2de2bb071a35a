// serializeResponse gives the bytes of createResponse(...).serialize() (the stateless registrar sends those).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createResponse, parseMessage, serializeResponse, type SipRequest } from '../../src/index.js';

function req(text: string): SipRequest {
  const r = parseMessage(Buffer.from(text.replace(/\n/g, '\r\n')));
  assert.ok(r.ok && r.message.kind === 'request');
  return r.message as SipRequest;
}

const REGISTER = `REGISTER sip:bench.local SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5091;branch=z9hG4bK-1;received=10.0.0.1, SIP/2.0/TCP 10.0.0.2;branch=z9hG4bK-2
v: SIP/2.0/UDP 10.0.0.3;branch=z9hG4bK-3
Max-Forwards: 70
f: "Zoë" <sip:u1@bench.local>;tag=abc
To: <sip:u1@bench.local>
i: 1-1@127.0.0.1
CSeq: 1 REGISTER
Timestamp: 54
Contact: <sip:u1@127.0.0.1:5091;transport=UDP>
Expires: 3600
Content-Length: 0

`;

void test('serializeResponse equals createResponse().serialize() byte for byte', () => {
  const tagged = REGISTER.replace('To: <sip:u1@bench.local>', 'To: <sip:u1@bench.local>;tag=given');
  const cases: [string, number, string | undefined, Parameters<typeof createResponse>[3]][] = [
    [
      REGISTER,
      200,
      undefined,
      {
        toTag: 'x1',
        headers: [
          ['Contact', '<sip:u1@h>;expires=60'],
          ['Date', 'Sat, 21 Nov 2026 08:00:00 GMT'],
        ],
      },
    ],
    [
      REGISTER,
      401,
      'Unauthorized',
      {
        toTag: 'x2',
        headers: [
          ['WWW-Authenticate', 'Digest realm="r", nonce="n"'],
          ['Server', 'Beckon'],
        ],
      },
    ],
    [REGISTER, 100, undefined, {}],
    [
      REGISTER,
      423,
      undefined,
      {
        headers: [
          ['min-expires', '60'],
          ['X-Custom', 'é'],
          ['content-length', '99'],
          ['m', '<sip:a@b>'],
        ],
      },
    ],
    [tagged, 500, 'Out Of Order CSeq', { toTag: 'ignored', headers: [['Retry-After', '1']] }],
    [
      REGISTER,
      200,
      undefined,
      { toTag: 't', body: Buffer.from('hello'), headers: [['Content-Type', 'text/plain']] },
    ],
    [REGISTER, 200, undefined, undefined],
  ];
  for (const [text, status, reason, options] of cases) {
    const r = req(text);
    const expected = createResponse(r, status, reason, options).serialize();
    assert.deepEqual(serializeResponse(r, status, reason, options), expected);
  }
});

void test('serializeResponse refuses what createResponse refuses', () => {
  const r = req(REGISTER);
  assert.throws(() => serializeResponse(r, 99), TypeError);
  assert.throws(() => serializeResponse(r, 200, 'OK\r\nX: y'), TypeError);
  assert.throws(() => serializeResponse(r, 200, undefined, { headers: [['Contact', 'a\r\nb']] }), TypeError);
  assert.throws(() => serializeResponse(r, 200, undefined, { headers: [['Bad Name', 'x']] }), TypeError);
});
