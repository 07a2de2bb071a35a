import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * Test support: a PostgreSQL server to run tests against. Either the one named by the environment
 * variable BECKON_TEST_PG_URL (a fresh database is created in it and dropped afterwards), or a
 * throwaway cluster made with initdb in a temporary directory, listening on 127.0.0.1 and a free
 * port, stopped and deleted by `stop()`. When running as root the cluster commands run as the
 * `postgres` operating-system user (PostgreSQL refuses to run as root).
 */
export interface PostgresTestServer {
  /** Connection string of a database the caller owns for the duration of the test. */
  readonly url: string;
  /** 'env' when BECKON_TEST_PG_URL was used, 'throwaway' for a temporary cluster. */
  readonly kind: 'env' | 'throwaway';
  stop(): Promise<void>;
}

export type PostgresTestServerOutcome =
  | { readonly ok: true; readonly server: PostgresTestServer }
  | { readonly ok: false; readonly reason: string };

export interface PostgresTestServerInit {
  /** Directory with initdb and pg_ctl; default /usr/lib/postgresql/15/bin or BECKON_TEST_PG_BIN. */
  readonly binDir?: string;
  /** Environment to read BECKON_TEST_PG_URL / BECKON_TEST_PG_BIN from (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

const DEFAULT_BIN = '/usr/lib/postgresql/15/bin';

export async function startPostgresTestServer(
  init: PostgresTestServerInit = {},
): Promise<PostgresTestServerOutcome> {
  const env = init.env ?? process.env;
  const url = env['BECKON_TEST_PG_URL'];
  if (url) return { ok: true, server: await fromUrl(url) };
  const bin = init.binDir ?? env['BECKON_TEST_PG_BIN'] ?? DEFAULT_BIN;
  const initdb = join(bin, 'initdb');
  const pgCtl = join(bin, 'pg_ctl');
  if (!existsSync(initdb) || !existsSync(pgCtl))
    return {
      ok: false,
      reason: `PostgreSQL binaries not found in ${bin} (set BECKON_TEST_PG_URL or BECKON_TEST_PG_BIN)`,
    };

  const asRoot = userInfo().uid === 0;
  const wrap = (args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', ...args]] : [args[0] as string, args.slice(1)];
  const dir = mkdtempSync(join(tmpdir(), 'beckon-pg-'));
  const dataDir = join(dir, 'data');
  if (asRoot) {
    const pw = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gr = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (pw.status !== 0 || gr.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      return { ok: false, reason: 'running as root but there is no postgres user to run the cluster as' };
    }
    chownSync(dir, Number(pw.stdout.trim()), Number(gr.stdout.trim()));
  }
  const [c1, a1] = wrap([initdb, '-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const r1 = await runCommand(c1, a1);
  if (r1.code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { ok: false, reason: `initdb failed: ${r1.output.slice(-500)}` };
  }
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
    const [c2, a2] = wrap([
      pgCtl,
      '-D',
      dataDir,
      '-o',
      opts,
      '-l',
      join(dir, 'log'),
      '-w',
      '-t',
      '30',
      'start',
    ]);
    const r2 = await runCommand(c2, a2);
    if (r2.code === 0) {
      const stop = async (): Promise<void> => {
        const [c3, a3] = wrap([pgCtl, '-D', dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop']);
        await runCommand(c3, a3);
        rmSync(dir, { recursive: true, force: true });
      };
      return {
        ok: true,
        server: { url: `postgres://postgres@127.0.0.1:${port}/postgres`, kind: 'throwaway', stop },
      };
    }
    lastError = r2.output.slice(-500);
  }
  rmSync(dir, { recursive: true, force: true });
  return { ok: false, reason: `pg_ctl start failed: ${lastError}` };
}

async function fromUrl(url: string): Promise<PostgresTestServer> {
  const name = `beckon_test_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = '/' + name;
  return {
    url: u.toString(),
    kind: 'env',
    stop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

function runCommand(cmd: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (err) => resolve({ code: -1, output: output + String(err) }));
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
