import type { BeckonConfig } from '@beckon/config';
import type { Logger, MetricsRegistry } from '@beckon/ops';
import { readFileSync } from 'node:fs';
import { DeviceSimulator, type DeviceSimulatorInit } from './device-simulator.js';
import { SnmpDeviceFleet, type SnmpDeviceFleetInit } from './snmp/snmp-device-fleet.js';

/** Overrides of what `device` configures (the demo points the devices at the station it started). */
export interface DeviceRunOverrides {
  count?: number;
  stationHost?: string;
  stationPort?: number;
  /** Call-home destinations the devices accept. */
  callHomeAllowed?: readonly string[];
  /** Least time between two call-homes of one device (ms). */
  callHomeMinIntervalMs?: number;
}

/** The simulator's init from the configuration: `device` section, `sip.domain`, `management.callHomeListen`. */
export function deviceSimulatorInit(config: BeckonConfig, o: DeviceRunOverrides = {}): DeviceSimulatorInit {
  const d = config.device;
  const host = o.stationHost ?? d.stationHost;
  const port = o.stationPort ?? d.stationPort;
  const target = { transport: d.transport, address: host, port } as const;
  const allowed =
    o.callHomeAllowed ??
    (d.callHomeAllowed.length > 0
      ? d.callHomeAllowed
      : [`${host.includes(':') ? `[${host}]` : host}:${config.management.callHomeListen.port}`]);
  // The simulator names device i `${userPrefix}${i}`: the pattern has its one {i} at the end.
  const at = d.userPattern.indexOf('{i}');
  if (at < 0 || at !== d.userPattern.length - 3)
    throw new Error(`device.userPattern must end with {i} (got ${d.userPattern})`);
  return {
    count: o.count ?? d.count,
    macBase: d.macBase,
    userPrefix: d.userPattern.slice(0, at),
    password: (i) => d.password.replaceAll('{i}', String(i)),
    domain: config.sip.domain,
    identification: d.identification,
    sockets: d.sockets,
    transport: d.transport,
    host: host.includes(':') ? '::1' : '127.0.0.1',
    station: target,
    registrar: target,
    managementHost: host.includes(':') ? `[${host}]` : host,
    protocols: d.protocols,
    expiresSec: d.expiresSec,
    callHome: {
      allowed,
      ...(o.callHomeMinIntervalMs !== undefined ? { minIntervalMs: o.callHomeMinIntervalMs } : {}),
    },
    startRatePerSec: d.startRatePerSec,
  };
}

/**
 * The SNMP fleet's init (`device.snmp.enabled`): the simulator's settings plus the agents' credentials
 * (files read here) and system group. The station's security name may read and write the agents.
 */
export function snmpDeviceFleetInit(config: BeckonConfig, o: DeviceRunOverrides = {}): SnmpDeviceFleetInit {
  const base = deviceSimulatorInit(config, o);
  const s = config.device.snmp;
  const station = s.stationName;
  const sessions: SnmpDeviceFleetInit['sessions'] = {};
  if (s.protocol === 'tls') {
    if (!s.certFile || !s.keyFile || s.stationFingerprints.length === 0)
      throw new Error('device.snmp (tls) needs certFile, keyFile and stationFingerprints');
    sessions.tls = {
      cert: readFileSync(s.certFile, 'utf8'),
      key: readFileSync(s.keyFile, 'utf8'),
      ...(s.caFile ? { ca: readFileSync(s.caFile, 'utf8') } : {}),
      stations: s.stationFingerprints.map((fingerprint) => ({ fingerprint, securityName: station })),
    };
  } else {
    if (!s.hostKeyFile || s.authorizedStationKeys.length === 0)
      throw new Error('device.snmp (ssh) needs hostKeyFile and authorizedStationKeys');
    sessions.ssh = {
      hostKeys: [readFileSync(s.hostKeyFile, 'utf8')],
      stations: s.authorizedStationKeys.map((keyFingerprint) => ({ username: station, keyFingerprint })),
    };
  }
  // The fleet shares one password: {i} in device.password is not supported on this path.
  if (config.device.password.includes('{i}'))
    throw new Error('device.snmp: device.password may not contain {i}');
  return {
    count: base.count,
    macBase: base.macBase,
    userPrefix: base.userPrefix,
    password: config.device.password,
    domain: base.domain,
    host: base.host ?? '127.0.0.1',
    sockets: base.sockets,
    station: { address: base.station.address, port: base.station.port },
    registrar: { host: base.station.address, port: base.station.port },
    protocols: base.protocols,
    callHome: base.callHome,
    readers: [station],
    writers: [station],
    sessions,
    ...(s.sysDescr ? { descr: (mac: string) => s.sysDescr.replaceAll('{mac}', mac) } : {}),
    contact: s.sysContact,
    location: s.sysLocation,
  };
}

/**
 * Runs the device simulator (the `beckon device` role) until `signal` aborts, then unsubscribes and
 * stops. Logs progress (registered/subscribed counts, call-home outcomes).
 */
export async function runDevice(
  config: BeckonConfig,
  components: { log: Logger; metrics: MetricsRegistry; signal: AbortSignal },
  overrides: DeviceRunOverrides = {},
): Promise<void> {
  if (config.device.snmp.enabled) return runSnmpDevices(config, components, overrides);
  const log = components.log.child({ component: 'device.run' });
  const init = deviceSimulatorInit(config, overrides);
  const sim = new DeviceSimulator({ log: components.log, metrics: components.metrics }, init);
  sim.onCallHome((e, d) =>
    log.info(
      {
        mac: d.mac,
        request: e.requestId,
        protocol: e.protocol,
        result: e.result,
        ms: e.doneAt - e.notifiedAt,
      },
      'call home',
    ),
  );
  const starting = sim.start().catch((err: unknown) => {
    log.error({ err }, 'device simulator failed to start');
    throw err;
  });
  const progress = setInterval(
    () => log.info({ devices: init.count, subscribed: sim.subscribedCount() }, 'devices'),
    5000,
  );
  progress.unref();
  try {
    await Promise.race([starting, abortPromise(components.signal)]);
    if (!components.signal.aborted) {
      log.info(
        { devices: init.count, station: `${init.station.address}:${init.station.port}` },
        'devices started',
      );
      await abortPromise(components.signal);
    }
  } finally {
    clearInterval(progress);
    await sim.stop();
    log.info({ devices: init.count }, 'devices stopped');
  }
}

/** The `device.snmp.enabled` path: SnmpDeviceFleet (agents behind call home) instead of the simulator. */
async function runSnmpDevices(
  config: BeckonConfig,
  components: { log: Logger; metrics: MetricsRegistry; signal: AbortSignal },
  overrides: DeviceRunOverrides,
): Promise<void> {
  const log = components.log.child({ component: 'device.run' });
  const init = snmpDeviceFleetInit(config, overrides);
  const fleet = new SnmpDeviceFleet({ log: components.log, metrics: components.metrics }, init);
  fleet.onCallHome((e, mac) =>
    log.info(
      { mac, request: e.requestId, protocol: e.protocol, result: e.result, ms: e.doneAt - e.notifiedAt },
      'call home',
    ),
  );
  fleet.onRegistered((mac, server, status) =>
    log.info({ mac, server: `${server.host}:${server.port}`, status }, 'registered'),
  );
  const starting = fleet.start().catch((err: unknown) => {
    log.error({ err }, 'SNMP device fleet failed to start');
    throw err;
  });
  const progress = setInterval(
    () => log.info({ devices: init.count, subscribed: fleet.subscribedCount() }, 'devices'),
    5000,
  );
  progress.unref();
  try {
    await Promise.race([starting, abortPromise(components.signal)]);
    if (!components.signal.aborted) {
      log.info(
        {
          devices: init.count,
          snmp: config.device.snmp.protocol,
          station: `${init.station.address}:${init.station.port}`,
        },
        'devices started',
      );
      await abortPromise(components.signal);
    }
  } finally {
    clearInterval(progress);
    await fleet.stop();
    log.info({ devices: init.count }, 'devices stopped');
  }
}

function abortPromise(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
