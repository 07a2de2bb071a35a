import type { SippRunOptions, SippRunResult } from './sipp-run.js';
import { runSipp } from './sipp-run.js';

export interface FindMaxRateOptions {
  /** A step fails above this failure percentage (default 0.1). */
  maxFailurePct?: number;
  /** A step fails above this p99 response time (default 50 ms). */
  maxP99Ms?: number;
  /** Seconds to let the target settle between steps (default 2). */
  pauseSec?: number;
  onStep?: (r: SippRunResult) => void;
  /** Replaceable for tests. */
  run?: (o: SippRunOptions) => Promise<SippRunResult>;
}

export interface FindMaxRateResult {
  /** Highest rate whose step met both thresholds; undefined if none did. */
  maxRate: number | undefined;
  /** First rate that failed, and why. */
  stoppedAt?: number;
  reason?: string;
  steps: SippRunResult[];
}

/** Steps up through `rates` (ascending) and stops at the first step that misses a threshold. */
export async function findMaxRate(
  base: SippRunOptions,
  rates: readonly number[],
  opts: FindMaxRateOptions = {},
): Promise<FindMaxRateResult> {
  const maxFailurePct = opts.maxFailurePct ?? 0.1;
  const maxP99Ms = opts.maxP99Ms ?? 50;
  const run = opts.run ?? runSipp;
  const steps: SippRunResult[] = [];
  let maxRate: number | undefined;
  const ordered = [...rates].sort((a, b) => a - b);
  for (const [i, rate] of ordered.entries()) {
    if (i > 0) await new Promise((done) => setTimeout(done, (opts.pauseSec ?? 2) * 1000));
    const r = await run({ ...base, rate, label: `${base.label}@${rate}` });
    steps.push(r);
    opts.onStep?.(r);
    const reason =
      r.failurePct > maxFailurePct
        ? `failures ${r.failurePct.toFixed(3)} % > ${maxFailurePct} %`
        : !(r.p99Ms <= maxP99Ms)
          ? `p99 ${r.p99Ms} ms > ${maxP99Ms} ms`
          : undefined;
    if (reason) return { maxRate, stoppedAt: rate, reason, steps };
    maxRate = rate;
  }
  return { maxRate, steps };
}
