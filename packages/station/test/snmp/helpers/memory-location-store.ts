import type { BindingKey, BindingRecord, LocationStore, LocationWrite } from '../../../src/location/index.js';

/** A LocationStore kept in a Map (tests and benchmarks: no disk, writes commit at once). */
export class MemoryLocationStore implements LocationStore {
  readonly rows = new Map<string, BindingRecord>();

  write(change: LocationWrite): Promise<void> {
    for (const b of change.upsert ?? []) this.rows.set(`${b.aor}\u0000${b.contactKey}`, b);
    for (const k of change.remove ?? []) this.rows.delete(`${k.aor}\u0000${k.contactKey}`);
    if (change.expireUpTo !== undefined)
      for (const [k, b] of this.rows) if (b.expiresAt <= change.expireUpTo) this.rows.delete(k);
    return Promise.resolve();
  }

  upsert(bindings: readonly BindingRecord[]): Promise<void> {
    return this.write({ upsert: bindings });
  }

  remove(keys: readonly BindingKey[]): Promise<void> {
    return this.write({ remove: keys });
  }

  loadAll(): Promise<BindingRecord[]> {
    return Promise.resolve(
      [...this.rows.values()].sort((a, b) => a.userIndex - b.userIndex || a.contactIndex - b.contactIndex),
    );
  }

  removeExpired(now: number): Promise<number> {
    let n = 0;
    for (const [k, b] of this.rows)
      if (b.expiresAt <= now) {
        this.rows.delete(k);
        n++;
      }
    return Promise.resolve(n);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
