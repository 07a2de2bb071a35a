import type { Logger, MetricsRegistry, CounterChild } from '@beckon/ops';

export interface GroupCommitInit<W> {
  /**
   * Commits one batch atomically (one transaction). Must throw (or reject) if nothing was committed.
   * Calls never overlap: the next batch starts after the previous one settled, so writes commit in
   * submission order.
   */
  readonly commit: (batch: readonly W[]) => void | Promise<void>;
  /**
   * 0 (default): flush at `setImmediate`, i.e. after the I/O callbacks of the current event-loop turn,
   * so every write submitted while handling one turn's packets shares a transaction.
   * > 0: wait up to this many milliseconds (at most 2 is sensible for a registrar) to collect more.
   */
  readonly maxDelayMs?: number;
  /** Largest batch per transaction (default 2000); a fuller queue is split into several commits. */
  readonly maxBatch?: number;
  /** Label for metrics and logs (default 'default'). */
  readonly name?: string;
}

export interface GroupCommitComponents {
  readonly log?: Logger;
  readonly metrics?: MetricsRegistry;
}

interface Pending<W> {
  readonly write: W;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Group commit: collects writes submitted close together into one transaction and resolves each
 * submitter's promise only after that transaction committed. A caller that awaits `submit()` before
 * acknowledging (the registrar before its 200 OK) therefore never acknowledges a write that is not
 * durable, while the cost of a commit (and its fsync, if any) is shared by the whole batch.
 *
 * If a batch fails, its writes are retried one per transaction, so one bad write rejects only its own
 * submitter.
 */
export class GroupCommit<W> {
  private queue: Pending<W>[] = [];
  private scheduled = false;
  private running = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private readonly commitFn: (batch: readonly W[]) => void | Promise<void>;
  private readonly maxDelayMs: number;
  private readonly maxBatch: number;
  private readonly log: Logger | undefined;
  private readonly commits: CounterChild | undefined;
  private readonly writes: CounterChild | undefined;
  private readonly failures: CounterChild | undefined;
  private readonly runBound = (): void => void this.run();

  constructor(components: GroupCommitComponents, init: GroupCommitInit<W>) {
    const name = init.name ?? 'default';
    this.commitFn = init.commit;
    this.maxDelayMs = Math.max(0, init.maxDelayMs ?? 0);
    this.maxBatch = Math.max(1, init.maxBatch ?? 2000);
    this.log = components.log?.child({ component: 'store.group-commit', name });
    const m = components.metrics;
    this.commits = m
      ?.counter('store_group_commits', 'Transactions committed by group commit', ['name'])
      .child(name);
    this.writes = m
      ?.counter('store_group_commit_writes', 'Writes committed through group commit', ['name'])
      .child(name);
    this.failures = m
      ?.counter('store_group_commit_failures', 'Writes whose commit failed', ['name'])
      .child(name);
  }

  /** Number of writes waiting or being committed. */
  get pending(): number {
    return this.queue.length;
  }

  /** Queues a write; resolves after the transaction holding it committed, rejects if it failed. */
  submit(write: W): Promise<void> {
    if (this.closed) return Promise.reject(new Error('GroupCommit is closed'));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ write, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves when everything submitted so far has been committed (or failed). */
  async flush(): Promise<void> {
    if (!this.running && this.queue.length === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Flushes and refuses further writes. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    if (this.maxDelayMs > 0) setTimeout(this.runBound, this.maxDelayMs);
    else setImmediate(this.runBound);
  }

  private async run(): Promise<void> {
    this.scheduled = false;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
        this.queue = this.queue.length <= this.maxBatch ? [] : this.queue.slice(this.maxBatch);
        await this.commitBatch(batch);
      }
    } finally {
      this.running = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async commitBatch(batch: Pending<W>[]): Promise<void> {
    const writes = new Array<W>(batch.length);
    for (let i = 0; i < batch.length; i++) writes[i] = (batch[i] as Pending<W>).write;
    try {
      await this.commitFn(writes);
      this.commits?.inc();
      this.writes?.inc(batch.length);
      for (const p of batch) p.resolve();
      return;
    } catch (err) {
      if (batch.length === 1) {
        this.failures?.inc();
        this.log?.warn({ err }, 'write failed');
        (batch[0] as Pending<W>).reject(err);
        return;
      }
      this.log?.warn({ err, size: batch.length }, 'batch commit failed; retrying writes one by one');
    }
    for (const p of batch) {
      try {
        await this.commitFn([p.write]);
        this.commits?.inc();
        this.writes?.inc();
        p.resolve();
      } catch (err) {
        this.failures?.inc();
        p.reject(err);
      }
    }
  }
}
