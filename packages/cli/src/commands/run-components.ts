import type { BeckonConfig } from '@beckon/config';
import type { Logger, MetricsRegistry } from '@beckon/ops';

/** What a running role receives besides its configuration. */
export interface RunComponents {
  /** The process root logger (fields `role`, `pid`); each component takes `log.child({ component })`. */
  log: Logger;
  /** The one metrics registry of the process. */
  metrics: MetricsRegistry;
  /** Aborted on SIGINT/SIGTERM or when --duration elapses: the role stops and resolves. */
  signal: AbortSignal;
}

/**
 * Runs one role (station, device simulator, overlay node) until `components.signal` aborts, then stops
 * cleanly and resolves. Rejections are bugs or fatal start-up failures (port in use, storage unusable).
 */
export type RoleRunner = (config: BeckonConfig, components: RunComponents) => Promise<void>;

/** Resolves when the signal aborts (at once if it already has). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
