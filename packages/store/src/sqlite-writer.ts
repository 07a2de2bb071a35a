import type { EventLoopUtilization } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import { spawnModuleWorker, type Logger } from '@beckon/ops';
import type { SqliteValue, SqliteWriterOpen, WriterReply, WriterRequest } from './sqlite-writer-protocol.js';

/** One statement run of a write batch. */
export interface SqliteWrite {
  readonly sql: string;
  readonly params: readonly SqliteValue[];
}

export interface SqliteWriterComponents {
  readonly log?: Logger;
}

export type SqliteWriterInit = SqliteWriterOpen;

interface InFlight {
  readonly resolve: (changes: number[]) => void;
  readonly reject: (err: Error) => void;
}

/**
 * Writes to a SQLite file from a worker thread with a connection of its own. Each `write` call is one
 * transaction, executed in call order; it resolves with the number of rows each statement changed once
 * the transaction committed, and rejects (nothing applied) if any statement failed.
 *
 * Why: better-sqlite3 is synchronous, so on the main thread every commit, and every WAL checkpoint SQLite
 * runs at the end of a commit (an fsync of the WAL and the database file), stops the event loop that
 * answers SIP for its whole duration. Here the event loop only posts the batch and later receives the
 * acknowledgement; durability is unchanged (the caller acknowledges its own client only after the
 * promise resolved). Reads stay on the caller's connection: in WAL mode they see every committed batch.
 *
 * If the worker dies, pending and later writes reject; the owner decides what to do (see SqliteDatabase,
 * which falls back to writing on its own connection).
 */
export class SqliteWriter {
  private readonly worker: Worker;
  private readonly log: Logger | undefined;
  private readonly statementIds = new Map<string, number>();
  private readonly inFlight = new Map<number, InFlight>();
  private nextBatch = 1;
  private broken: Error | undefined;
  private closing: (() => void) | undefined;

  private constructor(worker: Worker, log: Logger | undefined) {
    this.worker = worker;
    this.log = log;
  }

  /** Starts the worker and opens its connection; rejects if the file cannot be opened there. */
  static start(components: SqliteWriterComponents, init: SqliteWriterInit): Promise<SqliteWriter> {
    const log = components.log?.child({ component: 'store.sqlite-writer' });
    const self = import.meta.url;
    const entry = new URL(
      self.endsWith('.ts') ? './sqlite-writer-worker.ts' : './sqlite-writer-worker.js',
      self,
    );
    const worker = spawnModuleWorker(entry, init);
    const writer = new SqliteWriter(worker, log);
    return new Promise<SqliteWriter>((resolve, reject) => {
      const onEarlyError = (err: Error): void => reject(err);
      worker.once('error', onEarlyError);
      const onFirst = (msg: WriterReply): void => {
        worker.off('error', onEarlyError);
        if (msg.t === 'ready') {
          writer.attach();
          log?.debug({ path: init.path }, 'sqlite writer thread ready');
          resolve(writer);
        } else {
          void worker.terminate();
          reject(new Error(msg.t === 'open-failed' ? msg.message : `unexpected ${msg.t}`));
        }
      };
      worker.once('message', onFirst);
    });
  }

  /** The writer thread's cumulative event-loop utilisation (`worker.performance.eventLoopUtilization`). */
  eventLoopUtilization(a?: EventLoopUtilization, b?: EventLoopUtilization): EventLoopUtilization {
    return this.worker.performance.eventLoopUtilization(a, b);
  }

  /** True once the worker failed; every write rejects from then on. */
  get failed(): boolean {
    return this.broken !== undefined;
  }

  /** Runs the statements in one transaction on the worker's connection. */
  write(ops: readonly SqliteWrite[]): Promise<number[]> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.closing) return Promise.reject(new Error('SqliteWriter is closed'));
    const id = this.nextBatch++;
    const prepare: [number, string][] = [];
    const encoded: (readonly [number, ...SqliteValue[]])[] = new Array(ops.length);
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as SqliteWrite;
      let sid = this.statementIds.get(op.sql);
      if (sid === undefined) {
        sid = this.statementIds.size + 1;
        this.statementIds.set(op.sql, sid);
        prepare.push([sid, op.sql]);
      }
      encoded[i] = [sid, ...op.params];
    }
    return new Promise<number[]>((resolve, reject) => {
      this.inFlight.set(id, { resolve, reject });
      const req: WriterRequest = { t: 'batch', id, prepare, ops: encoded };
      this.worker.postMessage(req);
    });
  }

  /** Waits for every write already posted, then closes the worker's connection and ends the thread. */
  async close(): Promise<void> {
    if (this.broken) {
      await this.worker.terminate();
      return;
    }
    if (this.closing) return;
    await new Promise<void>((resolve) => {
      this.closing = resolve;
      this.worker.postMessage({ t: 'close' } satisfies WriterRequest);
    });
  }

  private attach(): void {
    this.worker.on('message', (msg: WriterReply) => {
      switch (msg.t) {
        case 'done': {
          const f = this.inFlight.get(msg.id);
          this.inFlight.delete(msg.id);
          f?.resolve(msg.changes as number[]);
          return;
        }
        case 'failed': {
          const f = this.inFlight.get(msg.id);
          this.inFlight.delete(msg.id);
          f?.reject(new Error(msg.message));
          return;
        }
        case 'closed': {
          const done = this.closing;
          this.closing = undefined;
          this.broken = new Error('SqliteWriter is closed');
          done?.();
          return;
        }
        default:
          return;
      }
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => {
      if (!this.broken) this.fail(new Error(`sqlite writer thread exited with code ${code}`));
      const done = this.closing;
      this.closing = undefined;
      done?.();
    });
  }

  private fail(err: Error): void {
    if (this.broken) return;
    this.broken = err;
    this.log?.error({ err, pending: this.inFlight.size }, 'sqlite writer thread failed');
    for (const f of this.inFlight.values()) f.reject(err);
    this.inFlight.clear();
  }
}
