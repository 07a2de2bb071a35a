// A reg subscription outlives a station restart (SQLite files, same SIP port): after the restart a
// change of the watched AOR still reaches the watcher, in the same dialog, with a higher version.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type BeckonConfig } from '@beckon/config';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { DigestClient, SipEndpoint, TransportLayer, type SipRequest } from '@beckon/sip';
import { decodeReginfo, type Reginfo } from '../../src/reg-event/index.js';
import { startStationWithServices, type RunningStation } from '../../src/index.js';
import { freePort } from '../interop/interop-helpers.js';
import { UdpClient } from '../interop/udp-client.js';

const DOMAIN = 'example.net';
let dir: string;
let config: BeckonConfig;
let sipPort = 0;
let running: RunningStation | undefined;
let watcher: SipEndpoint | undefined;
let watcherPort = 0;
let phone: UdpClient | undefined;
const seen: { req: SipRequest; doc: Reginfo }[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'beckon-reg-restart-'));
  sipPort = await freePort();
  const r = loadConfig({
    sets: [
      `sip.domain=${DOMAIN}`,
      `sip.listen=[{transport: udp, host: 127.0.0.1, port: ${sipPort}}]`,
      'snmp.listen=[{transport: udp, host: 127.0.0.1, port: 0}]',
      'http.listen.port=0',
      'management.callHomeListen.port=0',
      `storage.sqlitePath=${join(dir, 'beckon.db')}`,
      'auth.algorithms=[MD5]',
      'auth.users=[{username: "1000", password: pw-1000}]',
    ],
    env: {},
  });
  assert.ok(r.ok, JSON.stringify(!r.ok && r));
  config = r.config;
  assert.equal(config.storage.sqlitePath, join(dir, 'beckon.db'));
  const transport = new TransportLayer(
    { log: silentLogger(), metrics: new MetricsRegistry() },
    { listeners: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] },
  );
  watcher = new SipEndpoint({ log: silentLogger(), metrics: new MetricsRegistry(), transport });
  watcher.onRequest('NOTIFY', (ctx) => {
    const d = decodeReginfo(ctx.request.body);
    if (d.ok) seen.push({ req: ctx.request, doc: d.value });
    ctx.respond(200);
  });
  assert.ok((await watcher.start()).ok);
  watcherPort = transport.listeners()[0]?.port ?? 0;
  phone = await UdpClient.open();
});

after(async () => {
  phone?.close();
  await watcher?.stop();
  await running?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<void> {
  running = await startStationWithServices(config, { log: silentLogger(), metrics: new MetricsRegistry() });
}

async function register(cseq: number): Promise<void> {
  const p = phone as UdpClient;
  const contact = `Contact: <sip:1000@127.0.0.1:${p.port}>`;
  const opts = { from: `sip:1000@${DOMAIN}`, callId: 'reg-restart', cseq };
  const first = await p.send(
    sipPort,
    p.request('REGISTER', `sip:${DOMAIN}`, [contact, 'Expires: 3600'], opts),
  );
  assert.equal(first.status, 401);
  const a = new DigestClient().authorize({
    challenges: first.getRows('www-authenticate'),
    username: '1000',
    password: 'pw-1000',
    method: 'REGISTER',
    uri: `sip:${DOMAIN}`,
  });
  assert.ok(a.ok);
  const ok = await p.send(
    sipPort,
    p.request('REGISTER', `sip:${DOMAIN}`, [contact, 'Expires: 3600', `Authorization: ${a.value}`], {
      ...opts,
      cseq: cseq + 1,
    }),
  );
  assert.equal(ok.status, 200);
}

async function until(n: number, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (seen.length < n) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

void test('a reg subscription survives a restart; versions keep growing', async () => {
  await start();
  const w = watcher as SipEndpoint;
  const req = w.createRequest('SUBSCRIBE', `sip:1000@${DOMAIN}`, {
    from: `<sip:1000@${DOMAIN}>`,
    to: `<sip:1000@${DOMAIN}>`,
    contact: `<sip:watcher@127.0.0.1:${watcherPort}>`,
    headers: [
      ['Event', 'reg'],
      ['Expires', '600'],
    ],
  });
  const res = await w.request(
    req,
    { transport: 'udp', address: '127.0.0.1', port: sipPort },
    { credentials: { username: '1000', password: 'pw-1000' } },
  );
  assert.equal(res.status, 200);
  await until(1, 'initial NOTIFY');
  assert.equal(seen[0]?.doc.registrations[0]?.state, 'init');
  await register(1);
  await until(2, 'NOTIFY after REGISTER');
  assert.equal(seen[1]?.doc.version, 1);
  assert.equal(seen[1]?.doc.registrations[0]?.state, 'active');

  await (running as RunningStation).stop();
  running = undefined;
  await start();
  await register(3);
  await until(3, 'NOTIFY after the restart');
  const last = seen[2] as { req: SipRequest; doc: Reginfo };
  assert.equal(last.req.callId, res.callId, 'same dialog');
  assert.ok(last.doc.version > 1, `version ${last.doc.version} after 1`);
  assert.equal(last.doc.registrations[0]?.contacts[0]?.state, 'active');
});
