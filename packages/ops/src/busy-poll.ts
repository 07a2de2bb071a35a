/** Whether a {@link BusyPoll} is keeping the event loop awake. */
export enum BusyPollState {
  /** The loop sleeps in the kernel until the next event (the normal state). */
  Idle = 'idle',
  /** The loop polls without sleeping until the window after the last request closes. */
  Polling = 'polling',
}

export interface BusyPollInit {
  /**
   * How long after each request the loop keeps polling, in microseconds; 0 turns busy polling off.
   * It should cover the peer's think time between a response and its next request (an SNMP walker
   * needs a few tens of microseconds).
   */
  readonly windowMicros: number;
  /** Monotonic clock in microseconds (tests). */
  readonly nowMicros?: () => number;
  /** Schedules the next poll turn (tests); default setImmediate. */
  readonly schedule?: (turn: () => void) => { unref?: () => void } | void;
}

const hrMicros = (): number => performance.now() * 1000;

/**
 * Adaptive busy polling of the event loop, the user-space counterpart of Linux's SO_BUSY_POLL, for
 * request/response peers that send their next request as soon as they have the answer (an SNMP manager
 * walking a table: one GetBulk in flight at a time).
 *
 * Measured on a 2-core virtual machine: when the loop sleeps in epoll between two requests, waking it up
 * again costs about 40 µs of a 120 µs round trip; polling instead (setImmediate turns, each an epoll
 * with no timeout) cut the round trip to about 75 µs. The price is CPU while requests keep coming
 * (the loop spins through the peer's think time), and at most one window after the last request. Other
 * I/O is served as usual during the turns, so nothing else on the loop is delayed.
 *
 * On a single CPU polling would only take time from the peer, so the station turns it off there (see
 * {@link busyPollWindowFor}).
 */
export class BusyPoll {
  private readonly windowMicros: number;
  private readonly nowMicros: () => number;
  private readonly schedule: (turn: () => void) => { unref?: () => void } | void;
  private deadline = 0;
  private stateValue = BusyPollState.Idle;
  private disposed = false;
  private pollingSince = 0;
  private spentMicros = 0;
  private windowsOpened = 0;
  private readonly turn = (): void => this.onTurn();

  constructor(init: BusyPollInit) {
    this.windowMicros = Math.max(0, Math.floor(init.windowMicros));
    this.nowMicros = init.nowMicros ?? hrMicros;
    this.schedule = init.schedule ?? setImmediate;
  }

  get state(): BusyPollState {
    return this.stateValue;
  }

  get enabled(): boolean {
    return this.windowMicros > 0 && !this.disposed;
  }

  /** Total time spent polling, in seconds (for the metrics registry). */
  get secondsPolling(): number {
    const open = this.stateValue === BusyPollState.Polling ? this.nowMicros() - this.pollingSince : 0;
    return (this.spentMicros + open) / 1e6;
  }

  /** How many times polling started after an idle period. */
  get windows(): number {
    return this.windowsOpened;
  }

  /** A request arrived: keep polling for the window from now. */
  touch(): void {
    if (this.windowMicros === 0 || this.disposed) return;
    const now = this.nowMicros();
    this.deadline = now + this.windowMicros;
    if (this.stateValue === BusyPollState.Polling) return;
    this.stateValue = BusyPollState.Polling;
    this.pollingSince = now;
    this.windowsOpened++;
    this.schedule(this.turn);
  }

  /** Stops polling for good (the owner is closing). */
  dispose(): void {
    this.disposed = true;
    this.stop(this.nowMicros());
  }

  private onTurn(): void {
    if (this.stateValue !== BusyPollState.Polling) return;
    const now = this.nowMicros();
    if (this.disposed || now >= this.deadline) {
      this.stop(now);
      return;
    }
    this.schedule(this.turn);
  }

  private stop(now: number): void {
    if (this.stateValue === BusyPollState.Polling) this.spentMicros += now - this.pollingSince;
    this.stateValue = BusyPollState.Idle;
  }
}

/**
 * The window to use: `configured` microseconds, or 0 when the process may run on one CPU only (CPU
 * affinity included), where polling would take the CPU from the very peer it waits for.
 */
export function busyPollWindowFor(configured: number, availableCpus: number): number {
  return availableCpus > 1 ? configured : 0;
}
