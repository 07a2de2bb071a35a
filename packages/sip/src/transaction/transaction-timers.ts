/**
 * RFC 3261 §17.1.1.1 / Table 4: the base timer values every transaction timer derives from.
 *
 *   "T1  500ms default  RTT Estimate"
 *   "T2  4s             The maximum retransmit interval for non-INVITE requests and INVITE responses"
 *   "T4  5s             Maximum duration a message will remain in the network"
 */
export interface TransactionTimerInit {
  /** RTT estimate, milliseconds (default 500). */
  t1?: number;
  /** Maximum retransmit interval, milliseconds (default 4000). */
  t2?: number;
  /** Maximum lifetime of a message in the network, milliseconds (default 5000). */
  t4?: number;
}

/** Resolved timer values in milliseconds (RFC 3261 Table 4, RFC 6026 Table 1). */
export interface TransactionTimers {
  readonly t1: number;
  readonly t2: number;
  readonly t4: number;
  /** 64*T1: Timers B, F, H, J (unreliable), L, M. */
  readonly t1x64: number;
  /** Timer D over unreliable transports: "> 32s" (RFC 3261 Table 4). */
  readonly timerD: number;
}

export const DEFAULT_T1 = 500;
export const DEFAULT_T2 = 4000;
export const DEFAULT_T4 = 5000;

export function resolveTransactionTimers(init: TransactionTimerInit = {}): TransactionTimers {
  const t1 = positive(init.t1, DEFAULT_T1);
  const t2 = Math.max(positive(init.t2, DEFAULT_T2), t1);
  const t4 = positive(init.t4, DEFAULT_T4);
  return {
    t1,
    t2,
    t4,
    t1x64: 64 * t1,
    // Table 4: Timer D "> 32s for UDP"; with the default T1 that is exactly 64*T1.
    timerD: Math.max(32_000, 64 * t1),
  };
}

function positive(v: number | undefined, dflt: number): number {
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : dflt;
}
