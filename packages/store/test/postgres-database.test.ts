import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PostgresDatabase, type PostgresMigration } from '../src/index.js';
import { startPostgresTestServer, type PostgresTestServer } from '../src/testing/index.js';

const started = await startPostgresTestServer();
const skip = started.ok ? false : `PostgreSQL unavailable: ${started.reason}`;

const migrations: PostgresMigration[] = [
  { version: 1, name: 'create t', up: 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)' },
  {
    version: 2,
    name: 'seed t',
    up: async (c) => {
      await c.query('INSERT INTO t (id, v) VALUES ($1, $2)', [1, 'a']);
    },
  },
];

void describe('PostgresDatabase', { skip }, () => {
  let server: PostgresTestServer;
  before(() => {
    if (started.ok) server = started.server;
  });
  after(async () => {
    if (started.ok) await started.server.stop();
  });

  void it('runs migrations once, in order, in a schema', async () => {
    const db = new PostgresDatabase({}, { connectionString: server.url, schema: 'm1' });
    try {
      assert.deepEqual(await db.migrate(migrations), { ok: true, applied: [1, 2], current: 2 });
      assert.deepEqual(await db.migrate(migrations), { ok: true, applied: [], current: 2 });
      const r = await db.query<{ v: string }>('SELECT v FROM t WHERE id = $1', [1], 'get-t');
      assert.equal(r.rows[0]?.v, 'a');
      const old = await db.migrate(migrations.slice(0, 1));
      assert.equal(old.ok, false);
    } finally {
      await db.close();
    }
  });

  void it('serialises concurrent migrators with an advisory lock', async () => {
    const a = new PostgresDatabase({}, { connectionString: server.url, schema: 'm2' });
    const b = new PostgresDatabase({}, { connectionString: server.url, schema: 'm2' });
    try {
      const [ra, rb] = await Promise.all([a.migrate(migrations), b.migrate(migrations)]);
      assert.ok(ra.ok && rb.ok);
      if (ra.ok && rb.ok) assert.deepEqual([...ra.applied, ...rb.applied].sort(), [1, 2]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  void it('rolls back a failing migration', async () => {
    const db = new PostgresDatabase({}, { connectionString: server.url, schema: 'm3' });
    try {
      const r = await db.migrate([
        ...migrations,
        { version: 3, name: 'broken', up: 'CREATE TABLE u (x int); INSERT INTO nowhere VALUES (1)' },
      ]);
      assert.equal(r.ok, false);
      assert.equal((await db.appliedMigrations()).length, 2);
      const u = await db.query("SELECT to_regclass('m3.u') AS r");
      assert.equal(u.rows[0]?.['r'], null);
    } finally {
      await db.close();
    }
  });

  void it('commits or rolls back transactions', async () => {
    const db = new PostgresDatabase({}, { connectionString: server.url, schema: 'm4' });
    try {
      await db.migrate(migrations);
      await assert.rejects(
        db.transaction(async (c) => {
          await c.query('INSERT INTO t (id, v) VALUES (2, $1)', ['b']);
          throw new Error('abort');
        }),
      );
      await db.transaction(async (c) => {
        await c.query('INSERT INTO t (id, v) VALUES (3, $1)', ['c']);
      });
      const r = await db.query<{ id: number }>('SELECT id FROM t ORDER BY id');
      assert.deepEqual(
        r.rows.map((x) => x.id),
        [1, 3],
      );
    } finally {
      await db.close();
    }
  });
});
