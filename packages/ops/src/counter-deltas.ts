import { Counter, type MetricsRegistry } from './metrics-registry.js';

/** Growth of one counter child since the previous report. */
export interface CounterDelta {
  readonly name: string;
  /** The counter's help text and label names, for a registry that does not have the counter yet. */
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly labels: readonly string[];
  readonly delta: number;
}

/**
 * Reports how the counters of a registry grew since the last call: the way a worker thread, which
 * cannot share the main thread's registry, hands its counts to the one registry every interface reads
 * (see {@link applyCounterDeltas}).
 */
export class CounterDeltaTracker {
  private readonly last = new Map<string, number>();

  constructor(private readonly registry: MetricsRegistry) {}

  take(): CounterDelta[] {
    const out: CounterDelta[] = [];
    for (const m of this.registry.list()) {
      if (!(m instanceof Counter)) continue;
      for (const s of m.samples()) {
        const key = m.name + '\u0001' + s.labels.join('\u0000');
        const before = this.last.get(key) ?? 0;
        if (s.value !== before) {
          out.push({
            name: m.name,
            help: m.help,
            labelNames: m.labelNames,
            labels: s.labels,
            delta: s.value - before,
          });
          this.last.set(key, s.value);
        }
      }
    }
    return out;
  }
}

/**
 * Adds counter growth reported by a worker to `registry`. A counter the registry does not have yet (one
 * only the worker counts) is created with the help text and label names the worker reported.
 */
export function applyCounterDeltas(registry: MetricsRegistry, deltas: readonly CounterDelta[]): void {
  for (const d of deltas) {
    const m = registry.get(d.name);
    const c =
      m instanceof Counter ? m : m === undefined ? registry.counter(d.name, d.help, d.labelNames) : undefined;
    c?.inc(d.labels, d.delta);
  }
}
