/**
 * Calls from a register thread to the main thread, batched: every call made in one event-loop turn of
 * the thread leaves in one message, and the answers come back as one message per main-thread turn. Each
 * call resolves with the result of the same id; `failAll` settles what is pending when the thread stops.
 */
export class RemoteCalls<Req extends { id: number }, Res> {
  private nextId = 1;
  private batch: Req[] = [];
  private readonly pending = new Map<number, (r: Res) => void>();
  private readonly flush = (): void => {
    const items = this.batch;
    this.batch = [];
    this.send(items);
  };

  constructor(private readonly send: (items: Req[]) => void) {}

  get inFlight(): number {
    return this.pending.size;
  }

  call(make: (id: number) => Req): Promise<Res> {
    const id = this.nextId++;
    if (this.batch.length === 0) setImmediate(this.flush);
    this.batch.push(make(id));
    return new Promise<Res>((resolve) => this.pending.set(id, resolve));
  }

  /** Settles the calls answered in one message from the main thread. */
  settle<I extends { id: number }>(items: readonly I[], resultOf: (item: I) => Res): void {
    for (const it of items) {
      const resolve = this.pending.get(it.id);
      if (!resolve) continue;
      this.pending.delete(it.id);
      resolve(resultOf(it));
    }
  }

  /** Settles every pending call with `result` (the thread is stopping). */
  failAll(result: Res): void {
    for (const resolve of this.pending.values()) resolve(result);
    this.pending.clear();
  }
}
