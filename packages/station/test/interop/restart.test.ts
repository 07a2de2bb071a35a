// Restart acceptance (issue 3): a `beckon station` child with SQLite; 10,000 SIPp registrations;
// kill -9; restart; every binding is back (startup log) and routable (OPTIONS to ~~in~MAC and to an AOR
// reach a SIPp UAS on the port the registrations came from). Bounded; children killed in `after`.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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
const REPO = resolve(fileURLToPath(import.meta.url), '../../../../..');
const children: ChildRun[] = [];
const dir = mkdtempSync(join(tmpdir(), 'beckon-restart-'));

after(() => {
  for (const c of children) c.kill();
  rmSync(dir, { recursive: true, force: true });
});

function startStation(cfg: string): { run: ChildRun; ready: Promise<string> } {
  const run = runBounded(process.execPath, [join(REPO, 'bin/beckon.js'), 'station', '--config', cfg], {
    cwd: dir,
    timeoutMs: 120_000,
  });
  children.push(run);
  const ready = new Promise<string>((resolveReady, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error(`station not ready: ${buf.slice(-2000)}`)), 30_000);
    run.child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('"SIP listening"')) {
        clearTimeout(t);
        resolveReady(buf);
      }
    });
    run.child.on('close', () => reject(new Error(`station exited: ${buf.slice(-2000)}`)));
  });
  ready.catch(() => undefined);
  return { run, ready };
}

void test('10,000 bindings survive kill -9 and stay routable', { timeout: 180_000 }, async () => {
  const port = await freePort();
  const sippPort = await freePort();
  const gen = instrumentUsersCsv(USERS, DOMAIN);
  writeFileSync(join(dir, 'users.csv'), gen.csv);
  const cfg = join(dir, 'beckon.yaml');
  // JSON is YAML.
  writeFileSync(
    cfg,
    JSON.stringify({
      log: { level: 'info' },
      sip: { domain: DOMAIN, listen: [{ transport: 'udp', host: '127.0.0.1', port }] },
      auth: { algorithms: ['MD5'], users: gen.users },
      storage: { driver: 'sqlite', sqlitePath: join(dir, 'beckon.db') },
      // Ports of their own: other suites run stations at the same time.
      http: { listen: { host: '127.0.0.1', port: 0 } },
      snmp: { listen: [] },
      management: {
        callHomeListen: { host: '127.0.0.1', port: 0 },
        callHomeTls: { listen: { host: '127.0.0.1', port: 0 } },
      },
    }),
  );

  const first = startStation(cfg);
  await first.ready;
  const reg = runBounded(
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
      '-max_recv_loops',
      '10000',
    ],
    { cwd: dir, timeoutMs: 90_000 },
  );
  children.push(reg);
  const r = await reg.done;
  assert.equal(r.code, 0, r.stdout.slice(-1500));

  // Every 200 was sent after the commit: kill -9 now loses nothing.
  first.run.child.kill('SIGKILL');
  await first.run.done;

  const second = startStation(cfg);
  const log = await second.ready;
  const started = log.split('\n').find((l) => l.includes('"location service started"'));
  assert.ok(started, 'startup log line');
  assert.equal((JSON.parse(started) as { bindings: number }).bindings, USERS);

  // Routable: the registrations came from sippPort; a SIPp UAS there answers the forwarded OPTIONS.
  const uas = runBounded(
    'sipp',
    [
      '-sf',
      join(SCENARIOS, 'uas-answer.xml'),
      '-t',
      'u1',
      '-i',
      '127.0.0.1',
      '-p',
      String(sippPort),
      '-m',
      '3',
      '-timeout',
      '20s',
      '-nostdin',
    ],
    { cwd: dir, timeoutMs: 30_000 },
  );
  children.push(uas);
  await new Promise((res) => setTimeout(res, 500));
  const caller = await UdpClient.open();
  try {
    let res = await caller.send(port, caller.request('OPTIONS', `sip:~~in~${macOf(0)}@${DOMAIN}`));
    assert.equal(res.status, 200, 'instrument 0: both lines');
    res = await caller.send(port, caller.request('OPTIONS', `sip:${1000 + USERS - 1}@${DOMAIN}`));
    assert.equal(res.status, 200, 'last AOR');
  } finally {
    caller.close();
  }
  const u = await uas.done;
  assert.equal(u.code, 0, u.stdout.slice(-1000));
  second.run.child.kill('SIGTERM');
  const end = await second.run.done;
  assert.equal(end.code, 0);
  assert.ok(readFileSync(join(dir, 'beckon.db')).length > 0);
});
