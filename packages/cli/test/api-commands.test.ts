import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, type BeckonConfig } from '@beckon/config';
import { DeviceSimulator, deviceSimulatorInit } from '@beckon/device';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { startStationWithServices, type RunningStation } from '@beckon/station';
import { main, type CliIo } from '@beckon/cli';
import { runBeckon } from './cli-spawn.js';

/** Runs `beckon ARGS` in this process; output collected. */
async function beckon(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), env: {} };
  const code = await main(argv, io);
  return { code, out, err };
}

const DEVICES = 3;

void describe('REST commands against a running station (instruments, bindings, counters, mgmt)', () => {
  let running: RunningStation | undefined;
  let sim: DeviceSimulator | undefined;
  let apiArgs: string[] = [];

  before(async () => {
    const users = Array.from({ length: DEVICES }, (_, i) => `{username: dev${i}, password: pw}`).join(', ');
    const r = loadConfig({
      sets: [
        'sip.listen=[{transport: udp, host: 127.0.0.1, port: 0}]',
        'snmp.listen=[{transport: udp, host: 127.0.0.1, port: 0}]',
        'http.listen.port=0',
        'management.callHomeListen.port=0',
        'management.notifyMinIntervalSec=0',
        'storage.sqlitePath=:memory:',
        `auth.users=[${users}]`,
        'device.password=pw',
      ],
      env: {},
    });
    assert.ok(r.ok);
    const config: BeckonConfig = r.config;
    const log = silentLogger();
    running = await startStationWithServices(config, { log, metrics: new MetricsRegistry() });
    const a = running.services.addresses();
    const udp = a.sip[0];
    assert.ok(udp && a.http);
    apiArgs = ['--api', `http://127.0.0.1:${a.http.port}`];
    sim = new DeviceSimulator(
      { log, metrics: new MetricsRegistry() },
      deviceSimulatorInit(config, {
        count: DEVICES,
        stationHost: '127.0.0.1',
        stationPort: udp.port,
        callHomeAllowed: [a.advertisedCallHome],
      }),
    );
    await sim.start();
    assert.ok(await sim.waitSubscribed(10_000));
  });

  after(async () => {
    await sim?.stop();
    await running?.stop();
  });

  void it('instruments lists every instrument; --instrument shows its lines', async () => {
    const all = await beckon(['instruments', ...apiArgs]);
    assert.equal(all.code, 0, all.err);
    assert.match(all.out, /^02bec1000000 +sip:dev0@localhost$/m);
    assert.match(all.out, /3 instrument\(s\)/);
    const one = await beckon(['instruments', '--instrument', '02:BE:C1:00:00:02', ...apiArgs]);
    assert.equal(one.code, 0, one.err);
    assert.match(one.out, /instrument 02bec1000002: 1 line\(s\)/);
    const json = await beckon(['instruments', '--json', ...apiArgs]);
    assert.equal((JSON.parse(json.out) as { count: number }).count, DEVICES);
    const none = await beckon(['instruments', '--instrument', '02:00:00:00:00:99', ...apiArgs]);
    assert.equal(none.code, 1);
    assert.match(none.err, /has no binding/);
  });

  void it('bindings lists bindings, filtered by --aor', async () => {
    const r = await beckon(['bindings', '--aor', 'sip:dev1@localhost', ...apiArgs]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^sip:dev1@localhost +02bec1000001 +sip:MAC%3A02BEC1000001@/m);
    assert.match(r.out, /1 binding\(s\)/);
    const bad = await beckon(['bindings', '--aor', 'nope', ...apiArgs]);
    assert.equal(bad.code, 1);
  });

  void it('counters shows the subscriptions gauge', async () => {
    const r = await beckon(['counters', '--match', 'subscriptions_active', ...apiArgs]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^sip_subscriptions_active\{event=management-req\} +3$/m);
  });

  void it('mgmt request --wait follows the request to done; mgmt show and mgmt list find it', async () => {
    const r = await beckon(['mgmt', 'request', '--device', '02:be:c1:00:00:01', '--wait', '10', ...apiArgs]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /^state {5}done/m);
    const id = /^request {3}(\S+)/m.exec(r.out)?.[1];
    assert.ok(id);
    const show = await beckon(['mgmt', 'show', id, '--json', ...apiArgs]);
    assert.equal(show.code, 0);
    assert.equal((JSON.parse(show.out) as { request: { state: string } }).request.state, 'done');
    const list = await beckon(['mgmt', 'list', '--state', 'done', ...apiArgs]);
    assert.ok(list.out.includes(id), list.out);
    const bad = await beckon([
      'mgmt',
      'request',
      '--device',
      '02:be:c1:00:00:01',
      '--protocol',
      'nope',
      ...apiArgs,
    ]);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /unknown protocol nope/);
    const usage = await beckon(['mgmt', 'request', ...apiArgs]);
    assert.equal(usage.code, 2);
    const missing = await beckon(['mgmt', 'show', 'no-such-id', ...apiArgs]);
    assert.equal(missing.code, 1);
  });

  void it('every REST command has --help; an unreachable station is a failure (exit 1)', async () => {
    for (const c of [
      ['instruments'],
      ['bindings'],
      ['counters'],
      ['mgmt', 'request'],
      ['mgmt', 'show'],
      ['mgmt', 'list'],
    ]) {
      const h = await beckon([...c, '--help']);
      assert.equal(h.code, 0);
      assert.ok(h.out.startsWith(`Usage: beckon ${c.join(' ')}`));
      assert.ok(h.out.includes('--api URL'));
    }
    const down = await beckon(['counters', '--api', 'http://127.0.0.1:1']);
    assert.equal(down.code, 1);
    assert.match(down.err, /cannot reach/);
  });
});

void describe('beckon demo (spawned)', () => {
  void it('demo --duration 8 exits 0 after registrations, subscriptions and a call-home', async () => {
    const r = await runBeckon(['demo', '--duration', '8'], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /registered 20\/20/);
    assert.match(r.stdout, /subscribed 20\/20/);
    assert.match(r.stdout, /management request -> NOTIFY -> call-home ok in \d+ ms/);
    assert.match(r.stdout, /snmpwalk -v2c -c public 127\.0\.0\.1:\d+ 1\.3\.6\.1\.2\.1\.149/);
    assert.match(r.stdout, /http:\/\/127\.0\.0\.1:\d+\/metrics/);
  });
});

void describe('beckon task against a station with call-home SNMP configured', () => {
  let running: RunningStation | undefined;
  let api = '';

  before(async () => {
    const r = loadConfig({
      sets: [
        'sip.listen=[{transport: udp, host: 127.0.0.1, port: 0}]',
        'snmp.listen=[{transport: udp, host: 127.0.0.1, port: 0}]',
        'http.listen.port=0',
        'management.callHomeListen.port=0',
        'storage.sqlitePath=:memory:',
        'management.callHomeSnmp.tcpCommunity=labs',
      ],
      env: {},
    });
    assert.ok(r.ok);
    running = await startStationWithServices(r.config, {
      log: silentLogger(),
      metrics: new MetricsRegistry(),
    });
    assert.ok(running.services.tasks, 'task service wired');
    api = `http://127.0.0.1:${running.services.addresses().http?.port ?? 0}`;
  });

  after(async () => {
    await running?.stop();
  });

  void it('task list and task recipes talk to /api/v1/tasks', async () => {
    const list = await beckon(['task', 'list', '--api', api]);
    assert.equal(list.code, 0, list.out + list.err);
    const recipes = await beckon(['task', 'recipes', '--api', api]);
    assert.equal(recipes.code, 0, recipes.err);
    assert.ok(recipes.out.trim().length > 0);
    const help = await beckon(['task', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /beckon task create --device X/);
  });
});
