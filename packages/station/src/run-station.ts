import { getHeapStatistics, setFlagsFromString } from 'node:v8';
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
  raiseYoungGeneration();
  components.log.info(heapSettings(), 'V8 heap settings');
  const station = new Station({ log: components.log, metrics: components.metrics }, config, options);
  await station.start();
  await new Promise<void>((resolve) => {
    if (components.signal.aborted) resolve();
    else components.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await station.stop();
}

/** The young-generation size (MB per semi-space) the station sets when the operator chose none. */
export const DEFAULT_SEMI_SPACE_MB = 32;

/**
 * The registrar allocates short-lived objects per request that live until the SQLite group commit resolves;
 * with V8's default young generation (16 MB) many survive a scavenge and are promoted, and old-space GC then
 * dominates (measured: 76 µs CPU per REGISTER by default, 50 µs with `--max-semi-space-size=64` on the
 * command line, ~64 µs when raised at run time as here). Not larger than 32 MB: every binding a REGISTER
 * creates survives its scavenges whatever the size, so a larger space mostly makes each pause longer (a
 * scavenge at 22,500 digest registrations/s paused the event loop 5-6 ms at 32 MB, 9-10 ms at 64 MB, with
 * the same total; bench/RESULTS.md). Skipped when the operator chose a value.
 */
export function raiseYoungGeneration(): void {
  const chosen = [...process.execArgv, process.env['NODE_OPTIONS'] ?? ''].some((a) =>
    a.includes('--max-semi-space-size'),
  );
  if (!chosen) setFlagsFromString(`--max-semi-space-size=${DEFAULT_SEMI_SPACE_MB}`);
}

/**
 * The V8 heap settings that matter for a registrar holding many bindings, for the start-up log: the
 * young generation (see raiseYoungGeneration), the initial old-generation budget
 * (`--initial-old-space-size`) and whether garbage collection runs on the collecting thread alone
 * (`--single-threaded-gc`; both command line only, README, high registration rates), with V8's defaults
 * named as such.
 */
export function heapSettings(): {
  maxSemiSpaceMb: number | 'v8-default';
  initialOldSpaceMb: number | 'v8-default';
  singleThreadedGc: boolean;
  heapLimitMb: number;
} {
  const flags = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)];
  const value = (name: string): number | 'v8-default' => {
    const f = flags.find((a) => a.startsWith(`--${name}=`));
    const n = f === undefined ? NaN : Number(f.slice(name.length + 3));
    return Number.isFinite(n) ? n : 'v8-default';
  };
  const semi = value('max-semi-space-size');
  return {
    // raiseYoungGeneration sets DEFAULT_SEMI_SPACE_MB at run time when nothing was chosen.
    maxSemiSpaceMb: semi === 'v8-default' ? DEFAULT_SEMI_SPACE_MB : semi,
    initialOldSpaceMb: value('initial-old-space-size'),
    singleThreadedGc: flags.includes('--single-threaded-gc'),
    heapLimitMb: Math.round(getHeapStatistics().heap_size_limit / 2 ** 20),
  };
}
