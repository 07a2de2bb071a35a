import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry } from '@beckon/ops';
import { GroupCommit, SqliteDatabase } from '../src/index.js';

void describe('GroupCommit', () => {
  void it('commits writes of one event-loop turn in one batch and resolves after commit', async () => {
    const batches: number[][] = [];
    const metrics = new MetricsRegistry();
    const gc = new GroupCommit<number>({ metrics }, { name: 't', commit: (b) => void batches.push([...b]) });
    const done: number[] = [];
    const ps = [1, 2, 3].map((n) => gc.submit(n).then(() => done.push(n)));
    assert.equal(batches.length, 0, 'nothing committed synchronously');
    await Promise.all(ps);
    assert.deepEqual(batches, [[1, 2, 3]]);
    assert.deepEqual(done, [1, 2, 3]);
    await gc.submit(4);
    assert.deepEqual(batches, [[1, 2, 3], [4]]);
    assert.equal(metrics.counter('store_group_commits', '').get('t'), 2);
    assert.equal(metrics.counter('store_group_commit_writes', '').get('t'), 4);
  });

  void it('collects writes submitted while a commit is in flight into the next batch', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const gc = new GroupCommit<number>(
      {},
      {
        commit: async (b) => {
          batches.push([...b]);
          if (batches.length === 1) await new Promise<void>((r) => (release = r));
        },
      },
    );
    const p1 = gc.submit(1);
    await new Promise((r) => setImmediate(r));
    const p2 = gc.submit(2);
    const p3 = gc.submit(3);
    release();
    await Promise.all([p1, p2, p3]);
    assert.deepEqual(batches, [[1], [2, 3]]);
  });

  void it('splits batches at maxBatch', async () => {
    const sizes: number[] = [];
    const gc = new GroupCommit<number>({}, { maxBatch: 10, commit: (b) => void sizes.push(b.length) });
    await Promise.all(Array.from({ length: 25 }, (_, i) => gc.submit(i)));
    assert.deepEqual(sizes, [10, 10, 5]);
  });

  void it('waits up to maxDelayMs to gather writes', async () => {
    const batches: number[][] = [];
    // A generous delay so the test does not depend on machine speed (a registrar would use <= 2 ms).
    const gc = new GroupCommit<number>({}, { maxDelayMs: 200, commit: (b) => void batches.push([...b]) });
    const p1 = gc.submit(1);
    await new Promise((r) => setImmediate(r));
    const p2 = gc.submit(2);
    await Promise.all([p1, p2]);
    assert.deepEqual(batches, [[1, 2]]);
  });

  void it('isolates a failing write: only its submitter is rejected', async () => {
    const committed: number[] = [];
    const gc = new GroupCommit<number>(
      {},
      {
        commit: (b) => {
          if (b.includes(13)) throw new Error('unlucky');
          committed.push(...b);
        },
      },
    );
    const results = await Promise.allSettled([1, 13, 2].map((n) => gc.submit(n)));
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.deepEqual(committed, [1, 2]);
  });

  void it('flush waits for everything; close refuses new writes', async () => {
    let n = 0;
    const gc = new GroupCommit<number>({}, { commit: (b) => void (n += b.length) });
    void gc.submit(1);
    void gc.submit(2);
    await gc.flush();
    assert.equal(n, 2);
    await gc.close();
    await assert.rejects(gc.submit(3));
  });

  void it('batches real SQLite transactions', async () => {
    const db = new SqliteDatabase({}, { path: ':memory:' });
    db.exec('CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER)');
    let txns = 0;
    const gc = new GroupCommit<[string, number]>(
      {},
      {
        commit: (batch) => {
          txns++;
          db.transaction(() => {
            for (const [k, v] of batch) db.run('INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)', [k, v]);
          });
        },
      },
    );
    await Promise.all(Array.from({ length: 1000 }, (_, i) => gc.submit([`k${i % 100}`, i])));
    assert.equal(txns, 1);
    assert.equal(db.get<{ c: number }>('SELECT count(*) AS c FROM kv')?.c, 100);
    assert.equal(db.get<{ v: number }>('SELECT v FROM kv WHERE k = ?', ['k5'])?.v, 905);
    db.close();
  });
});
