import type { BeckonConfig } from '@beckon/config';
import type { Logger, MetricsRegistry } from '@beckon/ops';
import { DeviceSimulator, type DeviceSimulatorInit } from './device-simulator.js';

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
 * Runs the device simulator (the `beckon device` role) until `signal` aborts, then unsubscribes and
 * stops. Logs progress (registered/subscribed counts, call-home outcomes).
 */
export async function runDevice(
  config: BeckonConfig,
  components: { log: Logger; metrics: MetricsRegistry; signal: AbortSignal },
  overrides: DeviceRunOverrides = {},
): Promise<void> {
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

function abortPromise(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
