import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  api,
  BeckonProcess,
  freePort,
  freeUdpPort,
  hasTool,
  promSample,
  stationYaml,
  until,
} from './integration-helpers.js';

/**
 * The whole station as `beckon station` runs it (SIP core, notifier, management service, call-home
 * listener, SNMP agent, HTTP API) and a `beckon device` fleet of 50, each in its own process: the devices
 * register and subscribe, a management request made over REST ends in a call-home, /metrics and the SIP
 * MIB count them; after kill -9 and a restart on the same ports, a request still ends in a call-home.
 */
const DEVICES = 50;
/** sipServerRegCurrentUsers (SIP-SERVER-MIB, RFC 4780): sipServerRegCfgEntry 3. */
const REG_CURRENT_USERS = '1.3.6.1.2.1.151.1.5.1.1.3';

interface MgmtRequest {
  id: string;
  state: string;
  device: string | null;
  detail: string | null;
}

void describe('station integration (station + 50 simulated devices, separate processes)', () => {
  let dir = '';
  let cfg = '';
  let base = '';
  let snmpPort = 0;
  let station: BeckonProcess | undefined;
  let devices: BeckonProcess | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'beckon-integration-'));
    const sip = await freePort();
    const http = await freePort(false);
    const callHome = await freePort(false);
    snmpPort = await freeUdpPort();
    cfg = join(dir, 'beckon.yaml');
    writeFileSync(cfg, stationYaml({ dir, sip, snmp: snmpPort, http, callHome, devices: DEVICES }));
    base = `http://127.0.0.1:${http}`;
  });

  after(async () => {
    await devices?.stop('SIGTERM');
    await station?.stop('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  async function startStation(): Promise<void> {
    station = new BeckonProcess(['station', '--config', cfg]);
    await station.waitLog('station ready');
  }

  async function subscriptionsActive(): Promise<number | undefined> {
    const r = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5000) });
    return promSample(await r.text(), 'beckon_sip_subscriptions_active{event="management-req"}');
  }

  /** Makes a management request over REST and waits for its call-home (state done). */
  async function requestCallHome(target: string): Promise<MgmtRequest> {
    const created = await api<{ request: MgmtRequest }>(base, '/api/v1/management-requests', { target });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.request.id;
    return until(
      `request ${id} done`,
      async () => {
        const r = await api<{ request: MgmtRequest }>(base, `/api/v1/management-requests/${id}`);
        const s = r.body.request.state;
        if (s === 'failed' || s === 'expired') throw new Error(`request ${s}: ${r.body.request.detail}`);
        return s === 'done' ? r.body.request : undefined;
      },
      20_000,
    );
  }

  void it('50 devices register and subscribe; a REST management request ends in a call-home', async () => {
    await startStation();
    devices = new BeckonProcess(['device', '--config', cfg]);
    await devices.waitLog('devices started');
    const active = await until(
      '50 management-req subscriptions',
      async () => ((await subscriptionsActive()) === DEVICES ? DEVICES : undefined),
      30_000,
    );
    assert.equal(active, DEVICES);
    const instruments = await api<{ count: number }>(base, '/api/v1/instruments');
    assert.equal(instruments.body.count, DEVICES);

    const done = await requestCallHome('02:be:c1:00:00:05');
    assert.equal(done.device, 'inst:02bec1000005');
    assert.match(done.detail ?? '', /call-home/);
    await until('device logged the call-home', async () =>
      devices?.stdout.includes('"msg":"call home"') && devices.stdout.includes('"result":"ok"')
        ? true
        : undefined,
    );
    const list = await api<{ count: number; requests: MgmtRequest[] }>(base, '/api/v1/management-requests');
    assert.ok(list.body.requests.some((r) => r.id === done.id && r.state === 'done'));
  });

  void it('the SIP MIB counts the registered users (snmpwalk/snmpget sipServerRegCurrentUsers)', (t) => {
    if (!hasTool('snmpget')) return t.skip('Net-SNMP tools not installed');
    const walk = spawnSync(
      'snmpwalk',
      ['-v2c', '-c', 'public', '-On', '-t', '2', '-r', '1', `127.0.0.1:${snmpPort}`, REG_CURRENT_USERS],
      { encoding: 'utf8', timeout: 10_000 },
    );
    assert.equal(walk.status, 0, walk.stderr);
    const oid = /^(\.[0-9.]+) =/m.exec(walk.stdout)?.[1];
    assert.ok(oid, walk.stdout);
    const get = spawnSync(
      'snmpget',
      ['-v2c', '-c', 'public', '-On', '-Oqv', '-t', '2', '-r', '1', `127.0.0.1:${snmpPort}`, oid],
      { encoding: 'utf8', timeout: 10_000 },
    );
    assert.equal(get.status, 0, get.stderr);
    assert.equal(Number(get.stdout.trim()), DEVICES, get.stdout);
  });

  void it('after kill -9 and a restart, subscriptions are restored and a request still ends in a call-home', async () => {
    const old = station as BeckonProcess;
    await old.stop('SIGKILL');
    await startStation();
    const restored = await (station as BeckonProcess).waitLog('subscriptions restored');
    assert.equal(restored['restored'], DEVICES);
    assert.equal(await subscriptionsActive(), DEVICES);
    const done = await requestCallHome('02:be:c1:00:00:11');
    assert.equal(done.device, 'inst:02bec1000011');
  });
});
