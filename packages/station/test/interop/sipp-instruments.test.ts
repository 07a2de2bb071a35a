// SIPp acceptance (issue 3): 10,000 users register with digest usernames NNN/MAC; the station lists each
// instrument with its two lines; `~~in~MAC` reaches both line appearances of one instrument played by two
// SIPp UAS, `~~in~USER&MAC` only one. Bounded: every child has a hard time limit and is killed in `after`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, type BeckonConfig } from '@beckon/config';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { Station } from '../../src/index.js';
import {
  freePort,
  instrumentUsersCsv,
  macOf,
  runBounded,
  SCENARIOS,
  type ChildRun,
} from './interop-helpers.js';
import { UdpClient } from './udp-client.js';

const USERS = 10_000;
const DOMAIN = 'example.net';
let dir: string;
let station: Station;
let port: number;
const children: ChildRun[] = [];
let users: { username: string; password: string }[];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'beckon-sipp-'));
  const gen = instrumentUsersCsv(USERS, DOMAIN);
  users = gen.users;
  writeFileSync(join(dir, 'users.csv'), gen.csv);
  const c = defaultConfig();
  const config: BeckonConfig = {
    ...c,
    sip: { ...c.sip, domain: DOMAIN, listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] },
    auth: {
      ...c.auth,
      algorithms: ['MD5'],
      users: [...users, { username: '20001', password: 'a' }, { username: '20002', password: 'b' }],
    },
    storage: { ...c.storage, driver: 'sqlite', sqlitePath: join(dir, 'beckon.db') },
  };
  station = new Station({ log: silentLogger(), metrics: new MetricsRegistry() }, config);
  await station.start();
  port = station.listeners()[0]!.port;
});

after(async () => {
  for (const c of children) c.kill();
  await station?.stop();
  rmSync(dir, { recursive: true, force: true });
});

void test('10,000 SIPp registrations with NNN/MAC digest usernames: every instrument with its two lines', async () => {
  const sippPort = await freePort();
  const run = runBounded(
    'sipp',
    [
      `127.0.0.1:${port}`,
      '-sf',
      join(SCENARIOS, 'reg-instrument.xml'),
      '-inf',
      join(dir, 'users.csv'),
      '-t',
      'u1',
      '-i',
      '127.0.0.1',
      '-p',
      String(sippPort),
      '-m',
      String(USERS),
      '-r',
      '1000',
      '-rp',
      '1000',
      '-l',
      '2000',
      '-timeout',
      '60s',
      '-timeout_error',
      '-nostdin',
      '-trace_err',
      '-max_recv_loops',
      '10000',
    ],
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

  const view = station.instruments();
  assert.equal(view.length, USERS / 2);
  for (const v of view) assert.equal(v.lines.length, 2);
  const first = view.find((v) => v.instrument === macOf(0).toLowerCase());
  assert.deepEqual(
    first?.lines.map((l) => l.aor),
    [`sip:1000@${DOMAIN}`, `sip:1001@${DOMAIN}`],
  );
  assert.equal(station.location.size.bindings, USERS);
});

void test('~~in~MAC forks to both SIPp line appearances; ~~in~USER&MAC reaches one', async () => {
  const mac = 'A0B1C2D3E4F5';
  const p1 = await freePort();
  const p2 = await freePort();
  // Register lines 20001 and 20002 of instrument A0B1C2D3E4F5 from the ports the SIPp UAS will then use.
  for (const [p, user, pw] of [
    [p1, '20001', 'a'],
    [p2, '20002', 'b'],
  ] as const) {
    const ua = await UdpClient.open(p);
    try {
      const res = await ua.register(
        port,
        { user, domain: DOMAIN },
        { username: `${user}/${mac}`, password: pw },
      );
      assert.equal(res.status, 200);
    } finally {
      ua.close();
    }
  }
  const uas = (p: number, calls: number): ChildRun => {
    const run = runBounded(
      'sipp',
      [
        '-sf',
        join(SCENARIOS, 'uas-answer.xml'),
        '-t',
        'u1',
        '-i',
        '127.0.0.1',
        '-p',
        String(p),
        '-m',
        String(calls),
        '-timeout',
        '20s',
        '-nostdin',
        '-trace_msg',
        '-message_file',
        join(dir, `uas-${p}.log`),
      ],
      { cwd: dir, timeoutMs: 30_000 },
    );
    children.push(run);
    return run;
  };
  const a = uas(p1, 2);
  const b = uas(p2, 2);
  await new Promise((r) => setTimeout(r, 500));
  const caller = await UdpClient.open();
  try {
    let res = await caller.send(port, caller.request('OPTIONS', `sip:~~in~${mac}@${DOMAIN}`));
    assert.equal(res.status, 200);
    res = await caller.send(port, caller.request('OPTIONS', `sip:~~in~20001&${mac.toLowerCase()}@${DOMAIN}`));
    assert.equal(res.status, 200);
  } finally {
    caller.close();
  }
  const ra = await a.done; // line 20001 answered both requests, so it ends by itself
  assert.equal(ra.code, 0, ra.stdout.slice(-1000));
  b.kill();
  await b.done;
  const count = (p: number): number =>
    (readFileSync(join(dir, `uas-${p}.log`), 'utf8').match(/^OPTIONS sip:/gm) ?? []).length;
  assert.equal(count(p1), 2, 'line 20001 got both OPTIONS');
  assert.equal(count(p2), 1, 'line 20002 got only the instrument-wide OPTIONS');
});
