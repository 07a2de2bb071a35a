// Register threads (registrar.challengeThreads with registrar.threadsProcessRegister), authentication off:
// SIPp registers 2,000 users over UDP against a station whose UDP socket is read by one thread that
// parses, checks and answers the REGISTERs while the main thread applies the changes. Every binding is
// stored, every REGISTER is counted once in the one registry, and what a thread cannot answer (a query,
// a retransmission of an applied REGISTER) is answered right. Bounded: SIPp has a hard time limit.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, type BeckonConfig } from '@beckon/config';
import { Counter, MetricsRegistry, silentLogger } from '@beckon/ops';
import { Station } from '../../src/index.js';
import { instrumentUsersCsv, freePort, runBounded, sippArgs, type ChildRun } from './interop-helpers.js';
import { UdpClient } from './udp-client.js';

const USERS = 2_000;
const DOMAIN = 'example.net';
let dir: string;
let station: Station;
let metrics: MetricsRegistry;
let port: number;
const children: ChildRun[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'beckon-register-threads-'));
  writeFileSync(join(dir, 'users.csv'), instrumentUsersCsv(USERS, DOMAIN).csv);
  const c = defaultConfig();
  const config: BeckonConfig = {
    ...c,
    sip: { ...c.sip, domain: DOMAIN, listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] },
    registrar: { ...c.registrar, challengeThreads: 1, threadsProcessRegister: true },
    storage: { ...c.storage, driver: 'sqlite', sqlitePath: join(dir, 'beckon.db') },
  };
  metrics = new MetricsRegistry();
  station = new Station({ log: silentLogger(), metrics }, config, { authenticate: false });
  await station.start();
  port = station.listeners()[0]!.port;
});

after(async () => {
  for (const c of children) c.kill();
  await station?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function counter(name: string, ...labels: string[]): number {
  const m = metrics.get(name);
  return m instanceof Counter ? (labels.length ? m.get(...labels) : m.total()) : 0;
}

/** Waits for the thread's counts (reported every 250 ms) to reach `want`. */
async function settle(read: () => number, want: number): Promise<number> {
  let v = read();
  for (let i = 0; i < 150 && v < want; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    v = read();
  }
  return v;
}

void test('2,000 SIPp registrations answered by a register thread, applied by the main thread', async () => {
  const sippPort = await freePort();
  const run = runBounded(
    'sipp',
    sippArgs({
      target: `127.0.0.1:${port}`,
      scenario: 'reg-plain.xml',
      csv: join(dir, 'users.csv'),
      localPort: sippPort,
      calls: USERS,
      timeoutSec: 60,
      extra: ['-r', '1000', '-rp', '1000', '-trace_err'],
    }),
    { cwd: dir, timeoutMs: 90_000 },
  );
  children.push(run);
  const r = await run.done;
  const errs = readdirSync(dir).filter((f) => f.endsWith('_errors.log'));
  assert.equal(
    r.code,
    0,
    `sipp exit ${r.code}: ${r.stdout.slice(-2000)} ${errs.map((f) => readFileSync(join(dir, f), 'utf8').slice(0, 2000)).join('')}`,
  );
  assert.equal(station.location.size.bindings, USERS);
  assert.equal(
    await settle(() => counter('sip_requests_in', 'REGISTER'), USERS),
    USERS,
    'every REGISTER counted once in the registry',
  );
  assert.equal(await settle(() => counter('registrar_accepted_registrations'), USERS), USERS);
  assert.equal(
    counter('registrar_challenge_thread_messages', 'answered'),
    USERS,
    'all answered by the thread',
  );
});

void test('a retransmission gets the same 200, a query is answered from the location service', async () => {
  const ua = await UdpClient.open();
  try {
    const aor = `sip:alice@${DOMAIN}`;
    const text = ua.request(
      'REGISTER',
      `sip:${DOMAIN}`,
      [`Contact: <sip:alice@127.0.0.1:${ua.port}>`, 'Expires: 600'],
      {
        from: aor,
        callId: 'rt-1',
        cseq: 7,
      },
    );
    const first = await ua.send(port, text);
    assert.equal(first.status, 200);
    // The very same datagram again: applied before, so answered unchanged (not 500 Out Of Order).
    const again = await ua.send(port, text);
    assert.equal(again.status, 200);
    assert.equal(again.getRows('contact').length, 1);
    assert.equal(station.location.lookup(aor).length, 1);
    // No Contact: a query, handed over to the main thread, listing the binding.
    const query = await ua.send(
      port,
      ua.request('REGISTER', `sip:${DOMAIN}`, [], { from: aor, callId: 'rt-1', cseq: 8 }),
    );
    assert.equal(query.status, 200);
    assert.match(query.getRows('contact').join(','), new RegExp(`sip:alice@127.0.0.1:${ua.port}`));
    // Expires 0 removes it; an older CSeq of the same Call-ID is refused (§10.3 step 7).
    const old = await ua.send(
      port,
      ua.request('REGISTER', `sip:${DOMAIN}`, [`Contact: <sip:alice@127.0.0.1:${ua.port}>`, 'Expires: 600'], {
        from: aor,
        callId: 'rt-1',
        cseq: 3,
      }),
    );
    assert.equal(old.status, 500);
    const gone = await ua.send(
      port,
      ua.request('REGISTER', `sip:${DOMAIN}`, [`Contact: <sip:alice@127.0.0.1:${ua.port}>`, 'Expires: 0'], {
        from: aor,
        callId: 'rt-1',
        cseq: 9,
      }),
    );
    assert.equal(gone.status, 200);
    assert.equal(station.location.lookup(aor).length, 0);
    // A bad REGISTER is still refused by the thread with the registrar's 4xx.
    const foreign = await ua.send(
      port,
      ua.request('REGISTER', 'sip:elsewhere.example', [`Contact: <sip:bob@127.0.0.1:${ua.port}>`], {
        from: 'sip:bob@elsewhere.example',
      }),
    );
    assert.equal(foreign.status, 404);
  } finally {
    ua.close();
  }
});
