import type { Logger } from 'pino';
import type { Counter } from './metrics-registry.js';

/**
 * Bad input is logged at debug one by one and summarised at warn at most once per interval, so that a
 * flood of garbage cannot flood the log. Each report is also counted by reason.
 */
export class BadInputReporter {
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: Logger,
    private readonly counter: Counter,
    private readonly intervalMs = 10_000,
  ) {}

  report(reason: string, detail: Record<string, unknown> = {}): void {
    this.counter.inc([reason]);
    this.log.debug({ reason, ...detail }, 'bad input');
    this.pending.set(reason, (this.pending.get(reason) ?? 0) + 1);
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.intervalMs);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const counts = Object.fromEntries(this.pending);
    this.pending = new Map();
    this.log.warn({ counts, intervalMs: this.intervalMs }, 'bad input received');
  }

  dispose(): void {
    this.flush();
  }
}
