import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GroupCommit, SqliteDatabase } from '@beckon/store';

function tempDb(): { path: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'beckon-writer-'));
  return { path: join(dir, 'w.db'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

const INSERT = 'INSERT INTO t (k, v) VALUES (?, ?)';

void test('writer thread: batches commit in order and are visible to the main connection', async () => {
  const f = tempDb();
  const db = new SqliteDatabase({}, { path: f.path });
  try {
    db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)');
    assert.equal(await db.startWriterThread(), true);
    assert.equal(db.writerThread, true);
    const all: Promise<number[]>[] = [];
    for (let i = 0; i < 50; i++)
      all.push(
        db.write([
          { sql: INSERT, params: [`k${i}`, i] },
          { sql: 'UPDATE t SET v = v + 1000 WHERE k = ?', params: ['k0'] },
        ]),
      );
    const changes = await Promise.all(all);
    assert.deepEqual(changes[0], [1, 1]);
    assert.equal(db.get<{ n: number }>('SELECT COUNT(*) AS n FROM t')?.n, 50);
    assert.equal(db.get<{ v: number }>('SELECT v FROM t WHERE k = ?', ['k0'])?.v, 50 * 1000);
  } finally {
    await db.shutdown();
    f.done();
  }
});

void test('writer thread: a failing statement rolls its whole batch back and rejects; later batches still commit', async () => {
  const f = tempDb();
  const db = new SqliteDatabase({}, { path: f.path });
  try {
    db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)');
    await db.startWriterThread();
    await db.write([{ sql: INSERT, params: ['a', 1] }]);
    await assert.rejects(
      db.write([
        { sql: INSERT, params: ['b', 2] },
        { sql: INSERT, params: ['a', 3] }, // duplicate key
      ]),
      /UNIQUE/,
    );
    await assert.rejects(db.write([{ sql: 'INSERT INTO nope VALUES (1)', params: [] }]), /no such table/);
    assert.deepEqual(await db.write([{ sql: INSERT, params: ['c', 4] }]), [1]);
    assert.deepEqual(
      db.all<{ k: string }>('SELECT k FROM t ORDER BY k').map((r) => r.k),
      ['a', 'c'],
    );
  } finally {
    await db.shutdown();
    f.done();
  }
});

void test('group commit over the writer thread: acknowledged writes survive reopening', async () => {
  const f = tempDb();
  try {
    const db = new SqliteDatabase({}, { path: f.path });
    db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)');
    await db.startWriterThread();
    const gc = new GroupCommit<[string, number]>(
      {},
      { commit: async (batch) => void (await db.write(batch.map((w) => ({ sql: INSERT, params: w })))) },
    );
    await Promise.all(Array.from({ length: 500 }, (_, i) => gc.submit([`k${i}`, i])));
    await gc.close();
    await db.shutdown();
    const again = new SqliteDatabase({}, { path: f.path });
    assert.equal(again.get<{ n: number }>('SELECT COUNT(*) AS n FROM t')?.n, 500);
    again.close();
  } finally {
    f.done();
  }
});

void test('in-memory databases keep writing on their own connection', async () => {
  const db = new SqliteDatabase({}, { path: ':memory:' });
  db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)');
  assert.equal(await db.startWriterThread(), false);
  assert.deepEqual(await db.write([{ sql: INSERT, params: ['x', 1] }]), [1]);
  await assert.rejects(db.write([{ sql: INSERT, params: ['x', 2] }]), /UNIQUE/);
  assert.equal(db.get<{ n: number }>('SELECT COUNT(*) AS n FROM t')?.n, 1);
  await db.shutdown();
});
