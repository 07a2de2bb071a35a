import type { BeckonConfig } from '@beckon/config';
import type { Logger, MetricsRegistry } from '@beckon/ops';
import { Station } from './station.js';
import type { StationOptions } from './station-options.js';

/**
 * Runs a station until `signal` aborts, then stops it (the `beckon station` role). Rejects when the
 * station cannot start.
 */
export async function runStation(
  config: BeckonConfig,
  components: { log: Logger; metrics: MetricsRegistry; signal: AbortSignal },
  options: StationOptions = {},
): Promise<void> {
  const station = new Station({ log: components.log, metrics: components.metrics }, config, options);
  await station.start();
  await new Promise<void>((resolve) => {
    if (components.signal.aborted) resolve();
    else components.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await station.stop();
}
