import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BeckonConfig } from '@beckon/config';
import { MetricsRegistry } from '@beckon/ops';
import { DeviceSimulator, deviceSimulatorInit, ManagedDeviceState, type ManagedDevice } from '@beckon/device';
import { startStationWithServices, type StationAddresses } from '@beckon/station';
import type { CliIo } from '../cli-io.js';
import type { Command } from '../command.js';
import { untilAborted, type RunComponents } from './run-components.js';
import { runOptions, runRole } from './run-role.js';

function bracket(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * The configuration the demo runs: every listener on a free loopback port (unless `demo.fixedPorts`),
 * storage in a temporary folder when the default path is configured, and one digest user per
 * simulated device.
 */
export function demoConfig(config: BeckonConfig, tempDir: string | undefined): BeckonConfig {
  const c: BeckonConfig = structuredClone(config);
  if (!c.demo.fixedPorts) {
    c.sip.listen = c.sip.listen
      .filter((l) => l.transport === 'udp' || l.transport === 'tcp')
      .map((l) => ({ ...l, host: '127.0.0.1', port: 0 }));
    if (c.sip.listen.length === 0) c.sip.listen = [{ transport: 'udp', host: '127.0.0.1', port: 0 }];
    c.snmp.listen = c.snmp.listen.map((l) => ({ ...l, host: '127.0.0.1', port: 0 }));
    c.http.listen = { host: '127.0.0.1', port: 0 };
    c.management.callHomeListen = { host: '127.0.0.1', port: 0 };
  }
  if (tempDir !== undefined && c.storage.driver === 'sqlite' && c.storage.sqlitePath === './var/beckon.db')
    c.storage.sqlitePath = join(tempDir, 'beckon.db');
  const users = new Set(c.auth.users.map((u) => u.username));
  const at = c.device.userPattern.indexOf('{i}');
  for (let i = 0; i < c.demo.devices; i++) {
    const username = `${c.device.userPattern.slice(0, at)}${i}`;
    if (!users.has(username))
      c.auth.users.push({ username, password: c.device.password.replaceAll('{i}', String(i)) });
  }
  return c;
}

/** What runs where (resolved addresses), printed once the station is up. */
export function demoSummary(config: BeckonConfig, a: StationAddresses): string {
  const row = (k: string, v: string) => `  ${k.padEnd(12)}${v}`;
  const http = a.http ? `http://${bracket(a.http.host)}:${a.http.port}` : '(http not running)';
  const snmpPort = a.snmp[0];
  const community = config.snmp.communities[0]?.name ?? 'public';
  const storage =
    config.storage.driver === 'sqlite'
      ? `sqlite ${config.storage.sqlitePath}`
      : 'postgres (storage.postgresUrl)';
  return [
    'Beckon demo: a station and simulated devices on loopback',
    '',
    ...a.sip.map((l, i) =>
      row(
        i === 0 ? 'SIP' : '',
        `sip:${config.sip.domain}  on ${l.transport} ${bracket(l.address)}:${l.port}`,
      ),
    ),
    row('Web UI', `${http}/`),
    row('REST API', `${http}/api/v1/health  (instruments, bindings, management-requests, counters)`),
    row('Metrics', `${http}/metrics`),
    ...(snmpPort
      ? [
          row('SNMP agent', `udp ${bracket(snmpPort.address)}:${snmpPort.port}, community ${community}`),
          row(
            '',
            `snmpwalk -v2c -c ${community} ${bracket(snmpPort.address)}:${snmpPort.port} 1.3.6.1.2.1.149`,
          ),
        ]
      : []),
    row(
      'Call home',
      `${a.advertisedCallHome} (at most one NOTIFY per device every ${config.management.notifyMinIntervalSec} s)`,
    ),
    row('Storage', storage),
    row(
      'CLI',
      `npx beckon instruments --api ${http}   (also: bindings, counters, mgmt request --device MAC)`,
    ),
    '',
    `Starting ${config.demo.devices} devices; a management request every ${config.demo.requestIntervalSec} s. Ctrl-C stops.`,
    '',
  ].join('\n');
}

/**
 * The demo: a station with its services and a device simulator in this process. Devices register (with
 * instrument identification), subscribe to management-req; every `demo.requestIntervalSec` one device
 * gets a management request and its call-home is reported, one line per event.
 */
async function runDemo(loaded: BeckonConfig, components: RunComponents, io: CliIo): Promise<void> {
  const { signal } = components;
  // Logs of the parts go to warn and above: the demo's own lines tell the story.
  const quiet = components.log.child({}, { level: loaded.log.level === 'info' ? 'warn' : loaded.log.level });
  const tempDir = mkdtempSync(join(tmpdir(), 'beckon-demo-'));
  const config = demoConfig(loaded, tempDir);
  const t0 = Date.now();
  const stamp = (): string => `[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s]`;
  const say = (line: string): void => io.out(`${stamp()} ${line}\n`);
  let running: Awaited<ReturnType<typeof startStationWithServices>> | undefined;
  let sim: DeviceSimulator | undefined;
  const timers: NodeJS.Timeout[] = [];
  try {
    running = await startStationWithServices(config, { log: quiet, metrics: components.metrics });
    const a = running.services.addresses();
    io.out(demoSummary(config, a));
    const udp = a.sip.find((l) => l.transport === 'udp') ?? a.sip[0];
    if (!udp) throw new Error('the station has no SIP listener');
    const n = config.demo.devices;
    const init = deviceSimulatorInit(config, {
      count: n,
      stationHost: udp.address,
      stationPort: udp.port,
      callHomeAllowed: [a.advertisedCallHome],
    });
    // The devices count in their own registry: the station's /metrics shows the station only.
    sim = new DeviceSimulator(
      { log: quiet, metrics: new MetricsRegistry() },
      { ...init, transport: udp.transport === 'tcp' ? 'tcp' : 'udp' },
    );
    const simRef = sim;
    const management = running.services.management;
    /** Requests made by the demo, by device MAC: when (ms) and the request id. */
    const pending = new Map<string, { at: number; id: string }>();
    let callHomes = 0;
    sim.onCallHome((e, d) => {
      const p = pending.get(d.mac);
      pending.delete(d.mac);
      const ms = p ? e.doneAt - p.at : e.doneAt - e.notifiedAt;
      if (e.result === 'ok') callHomes++;
      say(
        `${d.mac}: management request -> NOTIFY -> call-home ${e.result === 'ok' ? 'ok' : e.result} in ${ms} ms` +
          ` (${e.protocol}${p ? `, request ${p.id}` : ''})${e.detail ? ` ${e.detail}` : ''}`,
      );
    });
    let lastReg = -1;
    let lastSub = -1;
    const progress = (): void => {
      let reg = 0;
      let sub = 0;
      for (const d of simRef.devices) {
        if (d.state === ManagedDeviceState.Subscribing || d.state === ManagedDeviceState.Subscribed) reg++;
        if (d.state === ManagedDeviceState.Subscribed) sub++;
      }
      if (reg !== lastReg) say(`registered ${reg}/${n}`);
      if (sub !== lastSub)
        say(
          `subscribed ${sub}/${n}  (station: ${running?.services.notifier.size ?? 0} management-req subscriptions)`,
        );
      lastReg = reg;
      lastSub = sub;
    };
    timers.push(setInterval(progress, 250));
    let next = 0;
    const requestOne = async (): Promise<void> => {
      const subscribed = simRef.devices.filter((d) => d.state === ManagedDeviceState.Subscribed);
      if (subscribed.length === 0) return;
      const d = subscribed[next++ % subscribed.length] as ManagedDevice;
      const r = await management.request({ target: d.mac, requestedBy: 'demo' });
      if (!r.ok) {
        say(`${d.mac}: management request refused: ${r.error.message}`);
        return;
      }
      pending.set(d.mac, { at: Date.now(), id: r.request.id });
      say(`${d.mac}: management request ${r.request.id} queued`);
    };
    const started = sim.start().catch((err: unknown) => {
      say(`device simulator failed: ${String(err)}`);
    });
    // First request once a device is subscribed, then one every requestIntervalSec.
    const first = setInterval(() => {
      if (simRef.subscribedCount() === 0) return;
      clearInterval(first);
      progress();
      void requestOne();
      timers.push(setInterval(() => void requestOne(), config.demo.requestIntervalSec * 1000));
    }, 100);
    timers.push(first);
    await Promise.race([started, untilAborted(signal)]);
    await untilAborted(signal);
    progress();
    say(`stopping: ${callHomes} call-home(s) seen`);
  } finally {
    for (const t of timers) clearInterval(t);
    await sim?.stop().catch(() => undefined);
    await running?.stop();
    rmSync(tempDir, { recursive: true, force: true });
  }
}

export const demoCommand: Command = {
  path: ['demo'],
  summary: 'Run a self-contained demo on this machine',
  description:
    'Runs a station and demo.devices simulated devices (default 20) in this process, on free loopback ports\n' +
    '(demo.fixedPorts=true keeps the configured ones) with storage in a temporary folder, and prints where\n' +
    'everything is served. Devices register and subscribe to management-req; every demo.requestIntervalSec\n' +
    'one device gets a management request and calls home. Runs until Ctrl-C, or for --duration seconds.',
  positionals: '',
  arity: [0, 0],
  options: runOptions,
  run: (args, io) =>
    runRole(args, io, {
      role: 'demo',
      runner: (config, components) => runDemo(config, components, io),
    }),
};
