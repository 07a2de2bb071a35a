import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteDatabase } from '@beckon/store';
import { SqliteLocationStore } from '../../src/location/index.js';

const child = fileURLToPath(new URL('./fixtures/register-child.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

void it('every acknowledged registration survives SIGKILL (SQLite, WAL, synchronous=NORMAL)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'beckon-durable-'));
  const path = join(dir, 'location.db');
  try {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, path, '10000', '50'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: repoRoot,
    });
    let lastAcked = 0;
    let buf = '';
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      proc.on('exit', (_c, sig) => resolve(sig)),
    );
    const killAt = 3000 + Math.floor(Math.random() * 4000);
    const killTimer = setTimeout(() => proc.kill('SIGKILL'), 60_000); // safety net
    proc.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^acked (\d+)$/.exec(line);
        if (m) {
          lastAcked = Number(m[1]);
          if (lastAcked >= killAt) proc.kill('SIGKILL');
        }
      }
    });
    const sig = await exited;
    clearTimeout(killTimer);
    assert.equal(sig, 'SIGKILL', `child exited on its own: ${stderr}`);
    assert.ok(lastAcked >= killAt && lastAcked < 10_000, `killed mid-stream (acked ${lastAcked})`);

    const db = new SqliteDatabase({}, { path });
    const opened = SqliteLocationStore.open({ db });
    assert.ok(opened.ok);
    if (!opened.ok) return;
    const all = await opened.store.loadAll();
    const aors = new Set(all.map((b) => b.aor));
    for (let j = 0; j < lastAcked; j++)
      assert.ok(aors.has(`sip:u${j}@example.net`), `acked binding ${j} lost`);
    assert.ok(all.length >= lastAcked);
    await opened.store.close();
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
