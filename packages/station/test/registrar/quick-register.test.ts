import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { DigestClient, DigestServer, InMemoryCredentialStore } from '@beckon/sip';
import { seededRandom } from '@beckon/testkit';
import { recordingUdp } from './recording-udp.js';
import { LocationService } from '../../src/location/index.js';
import { MemoryLocationStore } from '../snmp/helpers/memory-location-store.js';
import {
  QuickRegisterScanner,
  Registrar,
  StatelessRegisterFront,
  VerifiedDatagrams,
} from '../../src/registrar/index.js';
import { verifiedRecord } from '../../src/registrar/challenge-threads/verified-record.js';

const SOURCE = { address: '10.0.0.9', port: 5062 };
const SECRET = Buffer.alloc(32, 9);

interface Sent {
  data: string;
  overFlow: boolean;
}

/**
 * One registrar stack (front, registrar, location service, digest server): with the quick path or
 * without, or 'scanned': with the quick path and a challenge thread's work done before each request
 * reaches the front (the record of an authenticated REGISTER whose response a registrar of the same
 * configuration, with its own DigestServer on the same key, verified; see VerifiedDatagrams). Stacks built
 * alike, fed the same requests at the same clock, must answer and store alike.
 */
async function stack(
  quick: boolean | 'scanned',
  clock: () => number,
  opts: { digest: boolean; any: boolean },
) {
  const log = silentLogger();
  const metrics = new MetricsRegistry();
  const credentials = new InMemoryCredentialStore();
  for (const u of ['u1', 'alice', 'a.b-c', '+4930'])
    for (const realm of ['example.net']) credentials.set(realm, u, { kind: 'password', password: 'secret' });
  credentials.set('example.net', 'u1/0004f2aabbcc', { kind: 'password', password: 'secret' });
  const digest = opts.digest
    ? new DigestServer(
        { log, metrics, credentials },
        { realm: 'example.net', algorithms: ['MD5'], secret: SECRET },
      )
    : undefined;
  // No expiry sweep during a test: it runs on real time, the stacks' clock is a fake one, and stacks
  // sweeping at different real moments would count different expirations.
  const location = new LocationService(
    { store: new MemoryLocationStore(), log, metrics },
    { now: clock, expiryTickMs: 3_600_000 },
  );
  await location.start();
  const domains = ['example.net', 'Other.Example'];
  const registrar = new Registrar(
    { log, metrics, location, ...(digest ? { digest } : {}) },
    { domains, acceptAnyDomain: opts.any, now: clock, minExpires: 60 },
  );
  const sent: Sent[] = [];
  const { flow, transport } = recordingUdp(SOURCE, (data, overFlow) =>
    sent.push({ data: data.toString('latin1'), overFlow }),
  );
  const scanner = new QuickRegisterScanner({ domains, acceptAnyDomain: opts.any });
  const verified = new VerifiedDatagrams();
  const front = new StatelessRegisterFront(
    {
      log,
      registrar,
      transport,
      ...(quick !== false ? { quick: scanner } : {}),
      ...(quick === 'scanned' ? { verified } : {}),
    },
    { serverHeader: 'Beckon' },
  );
  // The challenge thread's side: its own registrar and DigestServer (same key and store), no location.
  const threadLog = silentLogger();
  const threadMetrics = new MetricsRegistry();
  const threadRegistrar =
    quick === 'scanned' && opts.digest
      ? new Registrar(
          {
            log: threadLog,
            metrics: threadMetrics,
            location: {} as LocationService,
            digest: new DigestServer(
              { log: threadLog, metrics: threadMetrics, credentials },
              { realm: 'example.net', algorithms: ['MD5'], secret: SECRET },
            ),
          },
          { domains, acceptAnyDomain: opts.any, minExpires: 60 },
        )
      : undefined;
  let recordsMade = 0;
  return {
    scanner,
    digest,
    location,
    metrics,
    /** Requests that reached the front with a thread's record. */
    get recordsMade(): number {
      return recordsMade;
    },
    /** What the stack sent for `data` (after its commit). */
    async feed(data: Buffer): Promise<Sent[]> {
      sent.length = 0;
      if (threadRegistrar !== undefined) {
        const r = verifiedRecord(scanner, threadRegistrar, data, SOURCE.address, SOURCE.port);
        if (r !== undefined) {
          verified.mark(data, r);
          recordsMade++;
        }
      }
      front.onMessage(data, flow);
      for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
      return [...sent];
    },
    async stop() {
      await location.stop();
    },
  };
}

/** To tags differ per response by design; nonces of challenges too. */
function normalise(s: string): string {
  return s.replace(/nonce="[^"]*"/g, 'nonce="N"').replace(/^(To: .*);tag=[^;\r\n]*\r$/m, '$1;tag=T\r');
}

function bindingsOf(location: LocationService, aors: Iterable<string>): unknown[] {
  const out: unknown[] = [];
  for (const aor of aors)
    for (const b of location.lookup(aor)) {
      // The flow id and indexes are the stack's own; everything the registrar decided must match.
      const { contactIndex: _c, userIndex: _u, ...rest } = b;
      out.push(rest);
    }
  return out;
}

function counters(metrics: MetricsRegistry): string {
  return metrics
    .toPrometheus()
    .split('\n')
    .filter((l) => !l.startsWith('#') && !/_seconds|location_/.test(l))
    .join('\n');
}

const LINES = (auth: string): string[] => [
  'REGISTER sip:example.net SIP/2.0',
  'Via: SIP/2.0/UDP 10.0.0.9:5062;branch=z9hG4bK-1-0',
  'Max-Forwards: 70',
  'From: <sip:u1@example.net>;tag=1SIPpTag001',
  'To: <sip:u1@example.net>',
  'Call-ID: 1-4242@10.0.0.9',
  'CSeq: 2 REGISTER',
  'Contact: <sip:u1@10.0.0.9:5062;transport=UDP>',
  'Expires: 3600',
  ...(auth === '' ? [] : ['Authorization: ' + auth]),
  'User-Agent: sipp-bench',
  'Content-Length: 0',
];

function message(lines: readonly string[]): Buffer {
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
}

/** Issues the nonces of the test's credentials: same key as the stacks' servers, counted apart. */
const issuer = new DigestServer(
  { log: silentLogger(), metrics: new MetricsRegistry(), credentials: new InMemoryCredentialStore() },
  { realm: 'example.net', algorithms: ['MD5'], secret: SECRET },
);

function authorization(_digest: unknown, user: string, uri = 'sip:example.net'): string {
  const client = new DigestClient({}, { maxNonces: 1 });
  const r = client.authorize({
    challenges: [issuer.challenge()[0] as string],
    username: user,
    password: 'secret',
    method: 'REGISTER',
    uri,
  });
  if (!r.ok) throw new Error('no credentials');
  return r.value;
}

void test('quick register: the SIPp REGISTER with credentials is read without the parser and stored as the full path stores it', async () => {
  let now = 1_800_000_000_000;
  const clock = (): number => now;
  const a = await stack(true, clock, { digest: true, any: false });
  const b = await stack(false, clock, { digest: true, any: false });
  try {
    const auth = authorization(a.digest as DigestServer, 'u1');
    const data = message(LINES(auth));
    const q = a.scanner.scan(data, SOURCE.address, SOURCE.port);
    assert.ok(q, 'read quickly');
    assert.equal(q.aor, 'sip:u1@example.net');
    assert.equal(q.cseq, 2);
    const ra = await a.feed(data);
    const rb = await b.feed(data);
    assert.equal(ra.length, 1);
    assert.match(ra[0]?.data ?? '', /^SIP\/2\.0 200 OK\r\n/);
    assert.deepEqual(
      ra.map((s) => ({ ...s, data: normalise(s.data) })),
      rb.map((s) => ({ ...s, data: normalise(s.data) })),
    );
    assert.deepEqual(
      bindingsOf(a.location, ['sip:u1@example.net']),
      bindingsOf(b.location, ['sip:u1@example.net']),
    );
    assert.equal(a.location.lookup('sip:u1@example.net').length, 1);
    // The retransmission is answered from the stored binding, as the full path does.
    now += 1000;
    assert.deepEqual(
      (await a.feed(data)).map((s) => normalise(s.data)),
      (await b.feed(data)).map((s) => normalise(s.data)),
    );
    assert.equal(counters(a.metrics), counters(b.metrics));
  } finally {
    await a.stop();
    await b.stop();
  }
});

void test('quick register: what it leaves to the full path', async () => {
  const a = await stack(true, Date.now, { digest: true, any: false });
  try {
    const auth = authorization(a.digest as DigestServer, 'u1');
    const base = LINES(auth);
    const cases: [string, readonly string[]][] = [
      ['two Contact lines', [...base.slice(0, 8), 'Contact: <sip:u1@10.0.0.9:5064>', ...base.slice(8)]],
      ['a Supported header', [...base, 'Supported: path']],
      ['a Path header', [...base, 'Path: <sip:p.example.net;lr>']],
      ['Require', [...base, 'Require: gruu']],
      ['compact Contact', base.map((l) => l.replace(/^Contact:/, 'm:'))],
      ['To with a port', base.map((l) => (l.startsWith('To:') ? 'To: <sip:u1@example.net:5060>' : l))],
      ['To with a parameter', base.map((l) => (l.startsWith('To:') ? l + ';x=1' : l))],
      ['bad Expires', base.map((l) => (l.startsWith('Expires:') ? 'Expires: soon' : l))],
      ['two Authorization lines', [...base, 'Authorization: ' + auth]],
      ['white space before a colon', base.map((l) => l.replace(/^Expires:/, 'Expires :'))],
      ['bare LF', base.map((l) => (l.startsWith('Expires:') ? 'Expires: 60\nX: y' : l))],
    ];
    for (const [what, lines] of cases)
      assert.equal(a.scanner.scan(message(lines), SOURCE.address, SOURCE.port), undefined, what);
  } finally {
    await a.stop();
  }
});

/**
 * The property: fed the same requests at the same clock, a stack with the quick path and one without
 * send the same responses (To tags and nonces aside) to the same place, count the same, and hold the same
 * bindings. Requests: authenticated REGISTERs varied (users, instrument tokens, contacts with parameters,
 * expiry forms, header order and case) and mutated byte by byte, so that many are near misses.
 */
void test('quick register: equals the full path over 4,000 generated and mutated REGISTERs', async () => {
  const rnd = seededRandom(11);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const vary = <T>(xs: readonly T[]): T => (rnd() < 0.8 ? (xs[0] as T) : pick(xs));
  let now = 1_800_000_000_000;
  const clock = (): number => now;
  for (const opts of [
    { digest: true, any: false },
    { digest: false, any: false },
    { digest: true, any: true },
  ]) {
    const a = await stack(true, clock, opts);
    const b = await stack(false, clock, opts);
    const c = await stack('scanned', clock, opts);
    const aors = new Set<string>();
    let quick = 0;
    try {
      for (let i = 0; i < 4000 / 3; i++) {
        now += Math.floor(rnd() * 2000);
        const user = vary(['u1', 'alice', 'a.b-c', '+4930', 'nobody', 'u1/0004f2aabbcc']);
        const toUser = user.includes('/') ? 'u1' : user;
        const host = vary(['example.net', 'EXAMPLE.NET', 'other.example', 'elsewhere.org']);
        aors.add('sip:' + toUser + '@' + host.toLowerCase());
        const auth = opts.digest
          ? vary([
              authorization(a.digest as DigestServer, user),
              authorization(a.digest as DigestServer, user, 'sip:other.example'),
              '',
              'Digest username="' +
                user +
                '", realm="example.net", nonce="x", uri="sip:example.net", response="0"',
            ])
          : vary(['', 'Digest username="x"']);
        const cseq = vary([String(2 + i), '1', String(2 + i)]);
        const callId = vary([i + '-x@10.0.0.9', 'same-call@10.0.0.9']);
        const lines = [
          vary(['REGISTER sip:' + host + ' SIP/2.0', 'REGISTER sip:' + host + ':5060 SIP/2.0']),
          vary(['Via', 'VIA', 'v']) +
            ': SIP/2.0/UDP ' +
            vary(['10.0.0.9:5062', '10.0.0.9', '192.168.1.2:5060']) +
            vary([';branch=z9hG4bK' + i, ';rport;branch=z9hG4bK' + i, ';branch=z9hG4bK' + i + ';rport']),
          vary(['Max-Forwards: 70', 'Max-Forwards: 300']),
          vary(['From', 'from', 'f']) + ': <sip:' + toUser + '@' + host + '>;tag=' + i,
          vary(['To', 'TO', 't']) + ': ' + vary(['', '"Bob" ']) + '<sip:' + toUser + '@' + host + '>',
          'Call-ID: ' + callId,
          'CSeq: ' + cseq + ' REGISTER',
          vary(['Contact', 'contact']) +
            ': ' +
            vary([
              '<sip:' + toUser + '@10.0.0.9:5062;transport=UDP>',
              '<sip:' + toUser + '@10.0.0.9:5064>;expires=120',
              '<sip:' + toUser + '@10.0.0.9:5064>;expires=0',
              '<sip:' + toUser + '@10.0.0.9:5066>;expires=10',
              '*',
              '<sip:' + toUser + '@10.0.0.9:5068>;q=0.5, <sip:' + toUser + '@10.0.0.9:5070>',
              '<sip:' +
                toUser +
                '@10.0.0.9:5072>;+sip.instance="<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>";reg-id=1',
              '"Desk" <sip:' + toUser + '@10.0.0.9:5074;user=phone>;x-y=z',
              '<sip:' + toUser + '@10.0.0.9:5076',
            ]),
          vary(['Expires: 3600', 'Expires: 0', 'Expires: 30', 'Expires: 99999999', 'Expires: 007']),
          ...(auth === '' ? [] : [vary(['Authorization', 'authorization']) + ': ' + auth]),
          vary(['User-Agent: sipp-bench', 'User-Agent: Desk Phone 1.0', 'Supported: gruu']),
          vary(['Content-Length: 0', 'Content-Length:  0 ', 'l: 0']),
        ];
        for (let k = lines.length - 1; k > 1 && rnd() < 0.15; k--) {
          const j = 1 + Math.floor(rnd() * k);
          [lines[k], lines[j]] = [lines[j] as string, lines[k] as string];
        }
        let text = lines.join('\r\n') + '\r\n\r\n';
        const mutations = rnd() < 0.7 ? 0 : 1 + Math.floor(rnd() * 2);
        for (let m = 0; m < mutations; m++) {
          const at = Math.floor(rnd() * text.length);
          const r = rnd();
          const ins = pick([' ', ';', ',', '<', '>', '"', '@', ':', '\r', '\n', '\t', 'x', '0', '=', '\x80']);
          if (r < 0.4) text = text.slice(0, at) + ins + text.slice(at);
          else if (r < 0.7) text = text.slice(0, at) + text.slice(at + 1);
          else text = text.slice(0, at) + ins + text.slice(at + 1);
        }
        const data = Buffer.from(text, 'latin1');
        if (a.scanner.scan(data, SOURCE.address, SOURCE.port) !== undefined) quick++;
        const ra = await a.feed(data);
        const rb = await b.feed(data);
        const rc = await c.feed(data);
        const normalised = (r: Sent[]): Sent[] => r.map((s) => ({ ...s, data: normalise(s.data) }));
        assert.deepEqual(normalised(ra), normalised(rb), JSON.stringify(text));
        assert.deepEqual(normalised(rc), normalised(rb), 'scanned: ' + JSON.stringify(text));
      }
      assert.deepEqual(bindingsOf(a.location, aors), bindingsOf(b.location, aors));
      assert.deepEqual(bindingsOf(c.location, aors), bindingsOf(b.location, aors));
      assert.equal(counters(a.metrics), counters(b.metrics));
      assert.equal(counters(c.metrics), counters(b.metrics));
      // The property must not hold vacuously.
      assert.ok(quick > 400, `quick requests: ${quick} (${JSON.stringify(opts)})`);
      if (opts.digest) assert.ok(c.recordsMade > 200, `records: ${c.recordsMade} (${JSON.stringify(opts)})`);
    } finally {
      await a.stop();
      await b.stop();
      await c.stop();
    }
  }
});
