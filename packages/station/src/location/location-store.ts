import type { BindingKey, BindingRecord } from './binding.js';

/**
 * One atomic change to the location table. Operations apply in this order: upserts, removals, then
 * (if `expireUpTo` is set) deletion of every binding with expiresAt <= expireUpTo.
 */
export interface LocationWrite {
  readonly upsert?: readonly BindingRecord[];
  readonly remove?: readonly BindingKey[];
  readonly expireUpTo?: number;
  /**
   * With `expireUpTo`: the bindings known to have expired. A store may delete only those (each still
   * only if its stored expiresAt <= expireUpTo) instead of sweeping the table; one that keeps an index
   * on the expiry may ignore the list and sweep. Rows an expiry missed (a failed write) are left for the
   * sweep at the next start.
   */
  readonly expireCandidates?: readonly BindingKey[];
}

/**
 * Persistence of the location service. Implementations group-commit: `write` resolves only after the
 * transaction holding the change committed (durable per the back-end's settings), and writes commit in
 * call order. Every method rejects only on storage failure.
 */
export interface LocationStore {
  /** Applies one change atomically (batched with concurrent calls into one transaction). */
  write(change: LocationWrite): Promise<void>;
  /** Inserts or replaces bindings (one row per (aor, contactKey), which keeps its contactIndex). */
  upsert(bindings: readonly BindingRecord[]): Promise<void>;
  /** Removes bindings (SQLite finds them by contactIndex, PostgreSQL by (aor, contactKey)); unknown keys are ignored. */
  remove(keys: readonly BindingKey[]): Promise<void>;
  /** Every stored binding (expired ones included), ordered by (userIndex, contactIndex). */
  loadAll(): Promise<BindingRecord[]>;
  /**
   * Deletes bindings with expiresAt <= now, or only those among `candidates` (see
   * `LocationWrite.expireCandidates`); resolves with how many were deleted.
   */
  removeExpired(now: number, candidates?: readonly BindingKey[]): Promise<number>;
  /** Flushes pending writes and releases the store's resources (not a database it was given). */
  close(): Promise<void>;
}
