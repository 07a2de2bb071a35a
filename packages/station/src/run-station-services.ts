import type { BeckonConfig } from '@beckon/config';
import type { Logger, MetricsRegistry } from '@beckon/ops';
import { raiseYoungGeneration } from './run-station.js';
import { Station } from './station.js';
import type { StationOptions } from './station-options.js';
import type { StationServices, StationServicesOptions } from './station-services.js';

/** A station with its services, started together and stopped in reverse order. */
export interface RunningStation {
  readonly station: Station;
  readonly services: StationServices;
  /** Ends the subscriptions (management.shutdown), stops the services, then the SIP core. */
  stop(): Promise<void>;
}

/**
 * Starts the SIP core (`Station`) and then its services (notifier, management, call-home listener, SNMP
 * agent, HTTP API). Rejects when something cannot start; what was started is stopped again.
 */
export async function startStationWithServices(
  config: BeckonConfig,
  components: { log: Logger; metrics: MetricsRegistry },
  options: StationOptions & { services?: StationServicesOptions } = {},
): Promise<RunningStation> {
  const { services: servicesOptions, ...stationOptions } = options;
  // The Station starts its services itself (before its SIP listeners open) when asked to.
  const station = new Station(components, config, {
    ...stationOptions,
    services: {
      ...(stationOptions.authenticate !== undefined ? { authenticate: stationOptions.authenticate } : {}),
      ...(stationOptions.credentials ? { credentials: stationOptions.credentials } : {}),
      ...(stationOptions.recordRoute !== undefined ? { recordRoute: stationOptions.recordRoute } : {}),
      ...servicesOptions,
    },
  });
  await station.start();
  const services = station.services as StationServices;
  const a = services.addresses();
  components.log.child({ component: 'station' }).info(
    {
      sip: a.sip.map((l) => `${l.transport}:${l.address}:${l.port}`),
      http: a.http ? `http://${a.http.host}:${a.http.port}/` : null,
      snmp: a.snmp.map((l) => `udp:${l.address}:${l.port}`),
      callHome: a.advertisedCallHome,
    },
    'station ready',
  );
  return {
    station,
    services,
    async stop() {
      // Station.stop ends the subscriptions and stops the services before the SIP core.
      await station.stop();
    },
  };
}

/** `beckon station`: runs the station with its services until `signal` aborts. */
export async function runStationWithServices(
  config: BeckonConfig,
  components: { log: Logger; metrics: MetricsRegistry; signal: AbortSignal },
  options: StationOptions & { services?: StationServicesOptions } = {},
): Promise<void> {
  raiseYoungGeneration();
  const running = await startStationWithServices(config, components, options);
  await new Promise<void>((resolve) => {
    if (components.signal.aborted) resolve();
    else components.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await running.stop();
}
