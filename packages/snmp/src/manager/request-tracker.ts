/**
 * Outstanding confirmed requests keyed by request-id, each with a retransmission timer
 * (RFC 3413 §3.1 command generator: responses are matched to requests by request-id; a request
 * without response is retransmitted a configured number of times before giving up).
 */
export enum RequestState {
  Waiting = 'waiting',
  Done = 'done',
}

interface Pending<T> {
  state: RequestState;
  attemptsLeft: number;
  timer: NodeJS.Timeout | undefined;
  resend: () => void;
  resolve: (r: { ok: true; value: T } | { ok: false; error: 'timeout' | 'closed' }) => void;
  timeoutMs: number;
}

export class RequestTracker<T> {
  private readonly pending = new Map<number, Pending<T>>();
  private nextId: number;

  constructor(seed = Math.floor(Math.random() * 0x3fffffff) + 1) {
    this.nextId = seed;
  }

  /** A request-id in 1..2^31-1 not currently outstanding. */
  allocateId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = this.nextId >= 0x7ffffffe ? 1 : this.nextId + 1;
      if (!this.pending.has(id)) return id;
    }
  }

  get size(): number {
    return this.pending.size;
  }

  /** Sends with `send` now and again after each timeout, `retries` extra times. */
  start(
    id: number,
    send: () => void,
    timeoutMs: number,
    retries: number,
  ): Promise<{ ok: true; value: T } | { ok: false; error: 'timeout' | 'closed' }> {
    return new Promise((resolve) => {
      const p: Pending<T> = {
        state: RequestState.Waiting,
        attemptsLeft: retries,
        timer: undefined,
        resend: send,
        resolve,
        timeoutMs,
      };
      this.pending.set(id, p);
      this.arm(id, p);
      send();
    });
  }

  private arm(id: number, p: Pending<T>): void {
    p.timer = setTimeout(() => {
      if (p.state !== RequestState.Waiting) return;
      if (p.attemptsLeft > 0) {
        p.attemptsLeft--;
        this.arm(id, p);
        p.resend();
        return;
      }
      this.finish(id, p, { ok: false, error: 'timeout' });
    }, p.timeoutMs);
  }

  private finish(
    id: number,
    p: Pending<T>,
    r: { ok: true; value: T } | { ok: false; error: 'timeout' | 'closed' },
  ): void {
    p.state = RequestState.Done;
    if (p.timer) clearTimeout(p.timer);
    this.pending.delete(id);
    p.resolve(r);
  }

  /** Delivers a response; returns false when nothing waits for `id`. */
  complete(id: number, value: T): boolean {
    const p = this.pending.get(id);
    if (!p) return false;
    this.finish(id, p, { ok: true, value });
    return true;
  }

  has(id: number): boolean {
    return this.pending.has(id);
  }

  /** Fails every outstanding request with 'closed' and clears every timer. */
  dispose(): void {
    for (const [id, p] of [...this.pending]) this.finish(id, p, { ok: false, error: 'closed' });
  }
}
