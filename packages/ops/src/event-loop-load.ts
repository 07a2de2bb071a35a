import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { MetricSample, MetricsRegistry } from './metrics-registry.js';

/** Reads a thread's cumulative event-loop utilisation (`performance` or `worker.performance`). */
export type EventLoopUtilizationReader = (
  a?: EventLoopUtilization,
  b?: EventLoopUtilization,
) => EventLoopUtilization;

export interface EventLoopLoadInit {
  /** Length of the window each value covers, ms (default 1000). */
  readonly intervalMs?: number;
}

interface Tracked {
  readonly read: EventLoopUtilizationReader;
  last: EventLoopUtilization;
  value: number;
}

/**
 * How busy each thread's event loop was over the last window (0-1: the share of the time it ran
 * callbacks rather than waiting for I/O), as the gauge `event_loop_utilization{thread}`. One value per
 * thread that answers traffic (the main thread, the registrar's challenge threads): a loop near 1 cannot
 * take more load, and its queue (socket buffer, hand-over queue) grows. Sampled every window by a timer
 * that does not keep the process alive; stopped by `stop()`.
 */
export class EventLoopLoad {
  private readonly tracked = new Map<string, Tracked>();
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(components: { readonly metrics: MetricsRegistry }, init: EventLoopLoadInit = {}) {
    this.intervalMs = init.intervalMs ?? 1000;
    components.metrics.gauge(
      'event_loop_utilization',
      'Share of the last window each thread spent running rather than waiting for I/O (0-1)',
      () => this.samples(),
      ['thread'],
    );
  }

  /** Starts sampling; the main thread is tracked as `main`. */
  start(): void {
    if (this.timer) return;
    this.track('main', performance.eventLoopUtilization.bind(performance));
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Adds a thread (a worker: `(a, b) => worker.performance.eventLoopUtilization(a, b)`). */
  track(thread: string, read: EventLoopUtilizationReader): void {
    this.tracked.set(thread, { read, last: read(), value: 0 });
  }

  untrack(thread: string): void {
    this.tracked.delete(thread);
  }

  /** Closes the current window: each thread's value becomes its utilisation since the previous one. */
  sample(): void {
    for (const t of this.tracked.values()) {
      const now = t.read();
      t.value = t.read(now, t.last).utilization;
      t.last = now;
    }
  }

  private samples(): MetricSample[] {
    const out: MetricSample[] = [];
    for (const [thread, t] of this.tracked) out.push({ labels: [thread], value: t.value });
    return out;
  }
}
