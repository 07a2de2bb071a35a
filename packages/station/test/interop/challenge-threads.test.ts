// Registrar challenge threads (registrar.challengeThreads): SIPp registers 2,000 users with digest over UDP
// against a station whose UDP socket is shared by one challenge thread. Every registration succeeds, the
// thread answered part of the credential-less first legs and handed the rest over, and the station's one
// metrics registry holds every count (the thread's included). Bounded: SIPp has a hard time limit.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, type BeckonConfig } from '@beckon/config';
import { Counter, MetricsRegistry, silentLogger } from '@beckon/ops';
import { loadUdpMmsg } from '@beckon/udp-mmsg';
import { Station } from '../../src/index.js';
import { hasHeader } from '../../src/registrar/index.js';
import { freePort, instrumentUsersCsv, runBounded, sippArgs, type ChildRun } from './interop-helpers.js';
import { UdpClient } from './udp-client.js';

const USERS = 2_000;
const DOMAIN = 'example.net';
let dir: string;
let station: Station;
let metrics: MetricsRegistry;
let port: number;
const children: ChildRun[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'beckon-challenge-'));
  const gen = instrumentUsersCsv(USERS, DOMAIN);
  writeFileSync(join(dir, 'users.csv'), gen.csv);
  const c = defaultConfig();
  const config: BeckonConfig = {
    ...c,
    sip: { ...c.sip, domain: DOMAIN, listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] },
    auth: { ...c.auth, algorithms: ['MD5'], users: gen.users },
    // The thread also writes the main thread's datagrams (off by default), to cover that path here.
    registrar: { ...c.registrar, challengeThreads: 1, challengeThreadsWrite: true },
    storage: { ...c.storage, driver: 'sqlite', sqlitePath: join(dir, 'beckon.db') },
  };
  metrics = new MetricsRegistry();
  station = new Station({ log: silentLogger(), metrics }, config);
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

void test('2,000 SIPp digest registrations through a station with a challenge thread', async () => {
  const sippPort = await freePort();
  const run = runBounded(
    'sipp',
    sippArgs({
      target: `127.0.0.1:${port}`,
      scenario: 'reg-instrument.xml',
      csv: join(dir, 'users.csv'),
      localPort: sippPort,
      calls: USERS,
      timeoutSec: 60,
      extra: ['-r', '500', '-rp', '1000', '-trace_err'],
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

  // A REGISTER without credentials from a plain client is challenged (by whichever thread read it), and
  // the nonce verifies in the main thread whichever thread issued it (checked by SIPp's second legs).
  const ua = await UdpClient.open();
  try {
    for (let i = 0; i < 20; i++) {
      const res = await ua.register(port, { user: 'nobody', domain: DOMAIN }, undefined);
      assert.equal(res.status, 401);
    }
  } finally {
    ua.sock.close();
  }

  // Counts of the thread arrive every 250 ms; wait for them to settle.
  let answered = 0;
  for (let i = 0; i < 150; i++) {
    answered = counter('registrar_challenge_thread_messages', 'answered');
    if (counter('sip_requests_in', 'REGISTER') >= 2 * USERS) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(
    counter('sip_requests_in', 'REGISTER') >= 2 * USERS,
    'every REGISTER counted once in the registry',
  );
  assert.ok(answered > 0, 'the challenge thread answered some first legs');
  // SIPp's first leg is the common REGISTER: the thread builds its 401 from the request text, counted
  // as the registrar counts a challenge.
  assert.ok(counter('registrar_quick_challenges') > 0, 'quick challenges answered');
  assert.ok(counter('registrar_quick_challenges') <= answered);
  assert.ok(counter('registrar_rejected_registrations', 'unauthenticated') >= USERS);
  assert.ok(counter('sip_responses_out', 'REGISTER', '401') >= USERS);
  assert.ok(counter('sip_auth_challenges') >= USERS, 'challenges of both threads counted');
  assert.equal(counter('registrar_accepted_registrations'), USERS);
  // registrar.challengeThreadsVerify (default on): the thread checked the responses of the authenticated
  // legs it read (with auth.users), and the main thread accepted them on that check.
  assert.ok(
    counter('registrar_challenge_thread_messages', 'handed-over-verified') >= USERS / 2,
    `verified ${counter('registrar_challenge_thread_messages', 'handed-over-verified')}`,
  );
  assert.equal(counter('sip_auth_results', 'ok'), USERS);
  // The 200s the main thread sent were written by the thread (registrar.challengeThreadsWrite, set above)
  // and counted once, where they were queued.
  for (let i = 0; i < 40 && counter('registrar_challenge_thread_writes', 'written') < USERS; i++)
    await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(counter('registrar_challenge_thread_writes', 'written') >= USERS, 'the thread wrote the 200s');
  assert.equal(counter('registrar_challenge_thread_writes', 'failed'), 0);
  assert.equal(counter('sip_responses_out', 'REGISTER', '200'), USERS);
  // sip.udpBatchIo is on by default: with the helper built (always in CI) the listener reads and writes in
  // batches, on the main thread and on the challenge thread alike, and says so.
  const helper = loadUdpMmsg();
  if (process.env['CI']) assert.ok(helper.ok, helper.ok ? '' : helper.reason);
  assert.equal(metrics.toJSON()['sip_transport_udp_batched_listeners']?.samples[0]?.value, helper.ok ? 1 : 0);
  // The load of the main thread, the challenge thread and the SQLite writer thread is exposed (values appear once a window closed).
  let threads: string[] = [];
  for (let i = 0; i < 40 && threads.length < 3; i++) {
    const g = metrics.toJSON()['event_loop_utilization'];
    threads = (g?.samples ?? []).map((x) => x.labels['thread'] as string);
    if (threads.length < 3) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(threads.includes('main'), threads.join());
  assert.ok(threads.includes('sqlite-writer'), threads.join());
  assert.ok(
    threads.some((t) => t.startsWith('registrar-challenge-')),
    threads.join(),
  );
  for (const x of metrics.toJSON()['event_loop_utilization']?.samples ?? [])
    assert.ok(x.value >= 0 && x.value <= 1, `${x.labels['thread']} ${x.value}`);
});

void test('hasHeader finds a header by name in the raw bytes, any case, not in the body', () => {
  const msg = (headers: string, body = ''): Buffer =>
    Buffer.from(`REGISTER sip:a SIP/2.0\r\n${headers}\r\n${body}`);
  assert.equal(hasHeader(msg('Via: x\r\nAuthorization: Digest a\r\n'), 'authorization'), true);
  assert.equal(hasHeader(msg('authorization : Digest a\r\n'), 'authorization'), true);
  assert.equal(hasHeader(msg('AUTHORIZATION:Digest a\r\n'), 'authorization'), true);
  assert.equal(hasHeader(msg('Proxy-Authorization: Digest a\r\n'), 'authorization'), false);
  assert.equal(hasHeader(msg('Authorizations: x\r\n'), 'authorization'), false);
  assert.equal(hasHeader(msg('Via: x\r\n', 'Authorization: in the body\r\n'), 'authorization'), false);
  assert.equal(hasHeader(Buffer.from('REGISTER'), 'authorization'), false);
});
