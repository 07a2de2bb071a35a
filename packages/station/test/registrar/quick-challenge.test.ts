import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { DigestServer } from '@beckon/sip';
import { seededRandom } from '@beckon/testkit';
import { recordingUdp } from './recording-udp.js';
import type { LocationService } from '../../src/location/index.js';
import { Registrar } from '../../src/registrar/index.js';
import { QuickChallenge } from '../../src/registrar/challenge-threads/quick-challenge.js';
import { StatelessRegisterFront } from '../../src/registrar/stateless-register-front.js';

const SOURCE = { address: '10.0.0.9', port: 5062 };

/** What the full path sent: the bytes and whether they went back over the request's flow. */
interface Sent {
  data: Buffer;
  overFlow: boolean;
}

/** The full path of a challenge thread: front, registrar without a location service, digest server. */
function fullPath(domains: string[], acceptAnyDomain = false) {
  const log = silentLogger();
  const metrics = new MetricsRegistry();
  const digest = new DigestServer(
    { log, metrics, credentials: { lookup: () => undefined } },
    { realm: 'example.net', algorithms: ['SHA-256', 'MD5'], secret: Buffer.alloc(32, 7) },
  );
  const registrar = new Registrar(
    { log, metrics, location: {} as LocationService, digest },
    { domains, acceptAnyDomain },
  );
  const sent: Sent[] = [];
  const { flow, transport } = recordingUdp(SOURCE, (data, overFlow) => sent.push({ data, overFlow }));
  const front = new StatelessRegisterFront({ log, registrar, transport }, { serverHeader: 'Beckon' });
  const quick = new QuickChallenge(
    { challenge: () => digest.challenge() },
    { domains, acceptAnyDomain, serverHeader: 'Beckon' },
  );
  return {
    quick,
    /** The full path's answers to `data` (none when it handed the request on or dropped it). */
    full(data: Buffer): Sent[] {
      sent.length = 0;
      front.onMessage(data, flow);
      return [...sent];
    },
  };
}

/** The full path answers `data` once, over the request's flow, with the bytes of the quick answer `q`. */
function assertSameAsFull(p: ReturnType<typeof fullPath>, data: Buffer, q: Buffer, context = ''): void {
  const full = p.full(data);
  assert.equal(full.length, 1, `full path answered once${context}`);
  assert.equal(full[0]?.overFlow, true, `same destination${context}`);
  assert.equal(normalise(q), normalise(full[0]?.data as Buffer), `same bytes${context}`);
}

/** Nonce and To tag replaced by fixed text (they differ per response by design). */
function normalise(b: Buffer): string {
  return b
    .toString('latin1')
    .replace(/nonce="[^"]*"/g, 'nonce="N"')
    .replace(/^(To: .*);tag=[^;\r\n]*\r$/m, '$1;tag=T\r');
}

const SIPP = [
  'REGISTER sip:example.net SIP/2.0',
  'Via: SIP/2.0/UDP 10.0.0.9:5062;branch=z9hG4bK-1-0',
  'Max-Forwards: 70',
  'From: <sip:u0000001@example.net>;tag=1SIPpTag001',
  'To: <sip:u0000001@example.net>',
  'Call-ID: 1-4242@10.0.0.9',
  'CSeq: 1 REGISTER',
  'Contact: <sip:u0000001@10.0.0.9:5062;transport=UDP>',
  'Expires: 3600',
  'User-Agent: sipp-bench',
  'Content-Length: 0',
];

function message(lines: readonly string[]): Buffer {
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
}

void test('quick challenge: the common REGISTER gets the same 401 as the full path, to the same place', () => {
  const p = fullPath(['example.net']);
  const data = message(SIPP);
  const q = p.quick.answer(data, SOURCE.address, SOURCE.port);
  assert.ok(q, 'answered quickly');
  const text = q.toString('latin1');
  assert.match(
    text,
    /^SIP\/2\.0 401 Unauthorized\r\nVia: SIP\/2\.0\/UDP 10\.0\.0\.9:5062;branch=z9hG4bK-1-0\r\n/,
  );
  assert.match(text, /\r\nTo: <sip:u0000001@example\.net>;tag=[0-9a-f]{8}[0-9a-z]+\r\n/);
  assert.match(
    text,
    /\r\nWWW-Authenticate: Digest realm="example\.net", nonce="[^"]+", algorithm=SHA-256, qop="auth"\r\n/,
  );
  assert.match(text, /\r\nServer: Beckon\r\nContent-Length: 0\r\n\r\n$/);
  assertSameAsFull(p, data, q);
});

void test('quick challenge: rport (RFC 3581) gets its value and received, as the full path stamps it', () => {
  const p = fullPath(['example.net']);
  // A device behind a NAT: sent-by is its private address, the request comes from the NAT's mapping.
  const data = message(
    SIPP.map((l) => (l.startsWith('Via:') ? 'Via: SIP/2.0/UDP 192.168.1.20:5060;rport;branch=z9hG4bK-7' : l)),
  );
  const q = p.quick.answer(data, SOURCE.address, SOURCE.port);
  assert.ok(q, 'answered quickly');
  assert.match(
    q.toString('latin1'),
    /\r\nVia: SIP\/2\.0\/UDP 192\.168\.1\.20:5060;rport=5062;branch=z9hG4bK-7;received=10\.0\.0\.9\r\n/,
  );
  assertSameAsFull(p, data, q);
});

void test('quick challenge: what it leaves to the full path', () => {
  const p = fullPath(['example.net']);
  const cases: [string, readonly string[]][] = [
    ['rport with a value', SIPP.map((l) => (l.startsWith('Via:') ? l + ';rport=1' : l))],
    ['received already there', SIPP.map((l) => (l.startsWith('Via:') ? l + ';received=10.0.0.9' : l))],
    [
      'sent-by is not the source',
      SIPP.map((l) => l.replace('Via: SIP/2.0/UDP 10.0.0.9', 'Via: SIP/2.0/UDP 10.0.0.8')),
    ],
    [
      'sent-by port is not the source port',
      SIPP.map((l) => l.replace('10.0.0.9:5062;branch', '10.0.0.9:5063;branch')),
    ],
    ['two Vias', [...SIPP.slice(0, 2), 'Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx', ...SIPP.slice(2)]],
    ['compact header', SIPP.map((l) => l.replace(/^Call-ID:/, 'i:'))],
    ['folded header', [...SIPP.slice(0, 4), ' ;x=1', ...SIPP.slice(4)]],
    ['To with a tag', SIPP.map((l) => (l.startsWith('To:') ? l + ';tag=abc' : l))],
    ['foreign To domain', SIPP.map((l) => (l.startsWith('To:') ? 'To: <sip:u0000001@other.org>' : l))],
    ['foreign Request-URI', ['REGISTER sip:other.org SIP/2.0', ...SIPP.slice(1)]],
    ['Require', [...SIPP, 'Require: gruu']],
    ['a body', SIPP.map((l) => (l.startsWith('Content-Length') ? 'Content-Length: 4' : l))],
    ['credentials', [...SIPP, 'Authorization: Digest username="u"']],
  ];
  for (const [what, lines] of cases)
    assert.equal(p.quick.answer(message(lines), SOURCE.address, SOURCE.port), undefined, what);
});

/**
 * The property: whenever the quick path answers, the full path answers the same 401 (nonce and To tag
 * aside) over the same flow. Requests: the common REGISTER varied (header order, name case, display
 * names, parameters) and then mutated byte by byte, so that most are near misses of the accepted form.
 */
void test('quick challenge: equals the full path on 20,000 generated and mutated REGISTERs', () => {
  const rnd = seededRandom(3);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  // Mostly the first (accepted) choice, so that many requests are accepted and many are near misses.
  const vary = <T>(xs: readonly T[]): T => (rnd() < 0.85 ? (xs[0] as T) : pick(xs));
  const paths = [fullPath(['example.net', 'Other.Example']), fullPath([], true)];
  const INSERTS = [
    ' ',
    ';',
    ',',
    '<',
    '>',
    '"',
    '@',
    ':',
    '\r',
    '\n',
    '\t',
    'x',
    '0',
    '=',
    '\x80',
    '\x00',
    '\\',
    'rport',
    'received=1.2.3.4',
    '%41',
    '[',
    ']',
    'tag=1',
    'SIP/2.0/UDP',
  ];
  let quick = 0;
  for (let i = 0; i < 20_000; i++) {
    const user = vary(['u1', 'alice', 'a.b-c', 'x%20y', '+4930', 'u&p;x=1', '']);
    const host = vary(['example.net', 'EXAMPLE.NET', 'other.example', 'elsewhere.org', '10.0.0.9', '']);
    const viaHost = vary(['10.0.0.9', '10.0.0.9', '10.0.0.10', 'host.example', '[::1]']);
    const viaPort = vary([':5062', ':5062', '', ':5060', ':99999']);
    const lines = [
      vary([
        'REGISTER sip:' + host + ' SIP/2.0',
        'REGISTER sip:' + host + ':5060 SIP/2.0',
        'REGISTER sips:' + host + ' SIP/2.0',
        'REGISTER  sip:' + host + ' SIP/2.0',
      ]),
      vary(['Via', 'VIA', 'via', 'v']) +
        ': SIP/2.0/' +
        vary(['UDP', 'udp', 'TCP', 'FOO']) +
        ' ' +
        viaHost +
        viaPort +
        vary([
          ';branch=z9hG4bK' + i,
          ';branch=z9hG4bK' + i + ';rport',
          ';rport;branch=z9hG4bK' + i,
          ';RPORT;branch=a',
          ';rport=5;branch=a',
          ';branch=a;branch=b',
          ';Branch=a',
          ';x;rport;y=1',
          ';received=10.0.0.9;branch=z9hG4bKa',
          '',
          ';branch="q"',
        ]),
      vary([
        'Max-Forwards: 70',
        'Max-Forwards: 70',
        'Max-Forwards: x',
        'Max-Forwards: 70\r\nMax-Forwards: 69',
      ]),
      vary(['From', 'FROM', 'f']) +
        ': ' +
        vary(['', '"Alice" ', '"A B" ', 'Alice ', '"" ']) +
        '<sip:' +
        user +
        '@' +
        host +
        vary(['', ':5060', ';user=phone', ';lr']) +
        '>' +
        vary([';tag=' + i, '', ';tag=' + i + ';x', ' ;tag=1']),
      vary(['To', 'to', 't']) +
        ': ' +
        vary(['', '"Bob" ']) +
        '<sip:' +
        user +
        '@' +
        host +
        vary(['', ':5070', ';transport=udp']) +
        '>' +
        vary(['', '', ';tag=9', ';x=y']),
      vary(['Call-ID', 'call-id', 'CALL-ID', 'i']) +
        ': ' +
        vary([i + '-x@10.0.0.9', 'abc', 'a b', 'a@b@c', '(x)', '']),
      vary(['CSeq', 'cseq']) +
        ': ' +
        vary([
          '1 REGISTER',
          '2 REGISTER',
          '1 INVITE',
          '1  REGISTER',
          'x REGISTER',
          '4294967296 REGISTER',
          '1 register',
        ]),
      'Contact: <sip:' + user + '@10.0.0.9:5062>',
      vary([
        'Expires: 3600',
        'Expires: 0',
        'User-Agent: x',
        'Supported: path',
        'Require: path',
        'Timestamp: 1',
      ]),
      vary([
        'Content-Length: 0',
        'Content-Length: 0',
        'Content-Length: 00',
        'Content-Length: 1',
        'Content-Length:0',
        'l: 0',
      ]),
    ];
    for (let k = lines.length - 1; k > 0 && rnd() < 0.2; k--) {
      const j = 1 + Math.floor(rnd() * k);
      [lines[k], lines[j]] = [lines[j] as string, lines[k] as string];
    }
    let text = lines.join('\r\n') + '\r\n\r\n';
    const mutations = rnd() < 0.5 ? 0 : 1 + Math.floor(rnd() * 3);
    for (let m = 0; m < mutations; m++) {
      const at = Math.floor(rnd() * text.length);
      const r = rnd();
      if (r < 0.4) text = text.slice(0, at) + pick(INSERTS) + text.slice(at);
      else if (r < 0.7) text = text.slice(0, at) + text.slice(at + 1);
      else text = text.slice(0, at) + pick(INSERTS) + text.slice(at + 1);
    }
    const data = Buffer.from(text, 'latin1');
    const p = pick(paths);
    const q = p.quick.answer(data, SOURCE.address, SOURCE.port);
    if (q === undefined) continue;
    quick++;
    assertSameAsFull(p, data, q, `: ${JSON.stringify(text)}`);
  }
  // The property must not hold vacuously.
  assert.ok(quick > 1000, `quick answers: ${quick}`);
});
