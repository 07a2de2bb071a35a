import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDatabase, type SqliteMigration } from '../src/index.js';

const migrations: SqliteMigration[] = [
  { version: 1, name: 'create t', up: 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)' },
  {
    version: 2,
    name: 'seed t',
    up: (db) => {
      db.run('INSERT INTO t (id, v) VALUES (?, ?)', [1, 'a']);
    },
  },
];

function withDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'beckon-sqlite-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void describe('SqliteDatabase', () => {
  void it('opens a file in WAL mode with the configured synchronous level', () => {
    withDir((dir) => {
      const db = new SqliteDatabase({}, { path: join(dir, 'a.db') });
      assert.equal(db.journalMode(), 'wal');
      assert.equal(db.raw.pragma('synchronous', { simple: true }), 1); // NORMAL
      db.close();
      const full = new SqliteDatabase({}, { path: join(dir, 'b.db'), synchronous: 'full' });
      assert.equal(full.raw.pragma('synchronous', { simple: true }), 2); // FULL
      full.close();
    });
  });

  void it('runs migrations once, in order, and records them', () => {
    withDir((dir) => {
      const path = join(dir, 'm.db');
      const db = new SqliteDatabase({}, { path });
      const r = db.migrate(migrations);
      assert.deepEqual(r, { ok: true, applied: [1, 2], current: 2 });
      db.close();
      const again = new SqliteDatabase({}, { path });
      assert.deepEqual(again.migrate(migrations), { ok: true, applied: [], current: 2 });
      const more = [...migrations, { version: 3, name: 'add col', up: 'ALTER TABLE t ADD COLUMN w TEXT' }];
      assert.deepEqual(again.migrate(more), { ok: true, applied: [3], current: 3 });
      assert.deepEqual(
        again.appliedMigrations().map((m) => [m.version, m.name]),
        [
          [1, 'create t'],
          [2, 'seed t'],
          [3, 'add col'],
        ],
      );
      assert.equal(again.get<{ v: string }>('SELECT v FROM t WHERE id = ?', [1])?.v, 'a');
      // Older build against the newer schema: refused as a value, nothing changed.
      const r2 = again.migrate(migrations.slice(0, 1));
      assert.equal(r2.ok, false);
      again.close();
    });
  });

  void it('rolls back a failing migration and reports it', () => {
    const db = new SqliteDatabase({}, { path: ':memory:' });
    const r = db.migrate([
      ...migrations,
      { version: 3, name: 'broken', up: 'CREATE TABLE u (x); INSERT INTO nowhere VALUES (1)' },
    ]);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.code, 'failed');
    assert.equal(db.appliedMigrations().length, 2);
    assert.equal(db.get('SELECT name FROM sqlite_master WHERE name = ?', ['u']), undefined);
    db.close();
  });

  void it('caches prepared statements', () => {
    const db = new SqliteDatabase({}, { path: ':memory:', statementCacheSize: 2 });
    const a = db.statement('SELECT 1');
    assert.equal(db.statement('SELECT 1'), a);
    db.statement('SELECT 2');
    db.statement('SELECT 3'); // evicts 'SELECT 1'
    assert.notEqual(db.statement('SELECT 1'), a);
    db.close();
  });
});
