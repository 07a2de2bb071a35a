// SIPp as a reg event watcher (RFC 3680) against a Station with its services: user 1000 registers a
// line of instrument 0011220000AA; SIPp subscribes (digest) to sip:1000@example.net and to
// sip:~~in~0011220000AA@example.net and expects 200 and a full-state NOTIFY with an active registration.
// Bounded: SIPp has a hard time limit and is killed in `after`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@beckon/config';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { DigestClient } from '@beckon/sip';
import { startStationWithServices, type RunningStation } from '../../src/index.js';
import { freePort, runBounded, sippArgs, type ChildRun } from './interop-helpers.js';
import { UdpClient } from './udp-client.js';

const DOMAIN = 'example.net';
const MAC = '0011220000AA';
let dir: string;
let running: RunningStation | undefined;
let port = 0;
const children: ChildRun[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'beckon-reg-sipp-'));
  const r = loadConfig({
    sets: [
      `sip.domain=${DOMAIN}`,
      'sip.listen=[{transport: udp, host: 127.0.0.1, port: 0}]',
      'snmp.listen=[{transport: udp, host: 127.0.0.1, port: 0}]',
      'http.listen.port=0',
      'management.callHomeListen.port=0',
      'storage.sqlitePath=:memory:',
      'auth.algorithms=[MD5]',
      'auth.users=[{username: "1000", password: pw-1000}]',
    ],
    env: {},
  });
  assert.ok(r.ok);
  running = await startStationWithServices(r.config, { log: silentLogger(), metrics: new MetricsRegistry() });
  port = running.services.addresses().sip[0]?.port ?? 0;
});

after(async () => {
  for (const c of children) c.kill();
  await running?.stop();
  rmSync(dir, { recursive: true, force: true });
});

void test('SIPp subscribes to reg for an AOR and an instrument and gets the full-state NOTIFY', async () => {
  // The line: 1000 registers from instrument MAC (digest username 1000/MAC).
  const phone = await UdpClient.open();
  try {
    const contact = `Contact: <sip:1000@127.0.0.1:${phone.port}>`;
    const first = await phone.send(
      port,
      phone.request('REGISTER', `sip:${DOMAIN}`, [contact, 'Expires: 3600'], { from: `sip:1000@${DOMAIN}` }),
    );
    assert.equal(first.status, 401);
    const a = new DigestClient().authorize({
      challenges: first.getRows('www-authenticate'),
      username: `1000/${MAC}`,
      password: 'pw-1000',
      method: 'REGISTER',
      uri: `sip:${DOMAIN}`,
    });
    assert.ok(a.ok);
    const ok = await phone.send(
      port,
      phone.request('REGISTER', `sip:${DOMAIN}`, [contact, 'Expires: 3600', `Authorization: ${a.value}`], {
        from: `sip:1000@${DOMAIN}`,
        cseq: 2,
      }),
    );
    assert.equal(ok.status, 200);
  } finally {
    phone.close();
  }

  writeFileSync(
    join(dir, 'watch.csv'),
    ['SEQUENTIAL', `1000;1000;pw-1000;${DOMAIN}`, `~~in~${MAC};1000;pw-1000;${DOMAIN}`, ''].join('\n'),
  );
  const sippPort = await freePort();
  const run = runBounded(
    'sipp',
    sippArgs({
      target: `127.0.0.1:${port}`,
      scenario: 'reg-subscribe.xml',
      csv: join(dir, 'watch.csv'),
      localPort: sippPort,
      calls: 2,
      timeoutSec: 20,
      extra: ['-l', '1'],
    }),
    { cwd: dir, timeoutMs: 30_000 },
  );
  children.push(run);
  const r = await run.done;
  assert.equal(r.code, 0, `${r.stdout.slice(-1500)}\n${r.stderr.slice(-1500)}`);
});
