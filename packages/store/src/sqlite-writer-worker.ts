// Worker-thread side of SqliteWriter: its own better-sqlite3 connection to the same file, running each
// batch in one BEGIN IMMEDIATE transaction. Commits (and the WAL checkpoints SQLite runs automatically at
// the end of a commit, with their fsync) therefore happen on this thread, never on the event loop that
// answers SIP and SNMP.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { SqliteWriterOpen, WriterReply, WriterRequest } from './sqlite-writer-protocol.js';

function post(reply: WriterReply): void {
  parentPort?.postMessage(reply);
}

function start(open: SqliteWriterOpen): void {
  let db: Database.Database;
  try {
    db = new Database(open.path);
    db.pragma(`busy_timeout = ${open.busyTimeoutMs}`);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${open.synchronous.toUpperCase()}`);
    if (open.walAutocheckpointPages !== undefined)
      db.pragma(`wal_autocheckpoint = ${open.walAutocheckpointPages}`);
    db.pragma('foreign_keys = ON');
  } catch (err) {
    post({ t: 'open-failed', message: String(err) });
    return;
  }
  const statements = new Map<number, Database.Statement>();
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');

  parentPort?.on('message', (msg: WriterRequest) => {
    if (msg.t === 'close') {
      db.close();
      post({ t: 'closed' });
      parentPort?.close();
      return;
    }
    try {
      for (const [sid, sql] of msg.prepare) statements.set(sid, db.prepare(sql));
    } catch (err) {
      post({ t: 'failed', id: msg.id, message: `prepare: ${String(err)}` });
      return;
    }
    const changes: number[] = new Array<number>(msg.ops.length);
    begin.run();
    try {
      for (let i = 0; i < msg.ops.length; i++) {
        const op = msg.ops[i] as readonly [number, ...unknown[]];
        const s = statements.get(op[0]);
        if (!s) throw new Error(`unknown statement ${op[0]}`);
        changes[i] = s.run(...op.slice(1)).changes;
      }
      commit.run();
    } catch (err) {
      if (db.inTransaction) rollback.run();
      post({ t: 'failed', id: msg.id, message: String(err) });
      return;
    }
    post({ t: 'done', id: msg.id, changes });
  });
  post({ t: 'ready' });
}

start((workerData as { data: SqliteWriterOpen }).data);
