/** Messages between {@link SqliteWriter} (main thread) and its worker thread. */

/** A value SQLite accepts as a bound parameter. */
export type SqliteValue = string | number | bigint | null | Buffer | Uint8Array;

/** Opening parameters of the worker's own connection. */
export interface SqliteWriterOpen {
  readonly path: string;
  readonly synchronous: string;
  readonly busyTimeoutMs: number;
  readonly walAutocheckpointPages?: number;
}

/** Main -> worker. */
export type WriterRequest =
  | {
      readonly t: 'batch';
      readonly id: number;
      /** Statements first used by this batch: [statement id, SQL]. */
      readonly prepare: readonly (readonly [number, string])[];
      /** One entry per statement run: [statement id, ...parameters]. */
      readonly ops: readonly (readonly [number, ...SqliteValue[]])[];
    }
  | { readonly t: 'close' };

/** Worker -> main. */
export type WriterReply =
  | { readonly t: 'ready' }
  | { readonly t: 'open-failed'; readonly message: string }
  | { readonly t: 'done'; readonly id: number; readonly changes: readonly number[] }
  | { readonly t: 'failed'; readonly id: number; readonly message: string }
  | { readonly t: 'closed' };
