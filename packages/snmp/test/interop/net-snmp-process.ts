import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free UDP port on 127.0.0.1 (bound then released). */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

/** A free TCP port on 127.0.0.1 (listened on then released). */
export async function freeTcpPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const a = srv.address();
  const p = typeof a === 'object' && a ? a.port : 0;
  await new Promise<void>((r) => srv.close(() => r()));
  return p;
}

export interface NetSnmpDaemonInit {
  /** 'snmpd' or 'snmptrapd'. */
  program: 'snmpd' | 'snmptrapd';
  /** Configuration file text (a persistentDir line is prepended). */
  config: string;
  /** Extra arguments before the listening address. */
  args?: readonly string[];
  /** Listening address, e.g. `udp:127.0.0.1:1161`. */
  listen: string;
  /** Text in the output that says the daemon is ready. */
  readyText?: string;
}

/**
 * A Net-SNMP daemon (snmpd or snmptrapd) in the foreground with a private temp directory for its
 * configuration, pid file and persistent state; restartable; collects its output.
 */
export class NetSnmpDaemon {
  readonly dir: string;
  output = '';
  private child: ChildProcess | undefined;

  constructor(private readonly init: NetSnmpDaemonInit) {
    this.dir = mkdtempSync(join(tmpdir(), `beckon-${init.program}-`));
    mkdirSync(join(this.dir, 'persist'));
    writeFileSync(
      join(this.dir, `${init.program}.conf`),
      `[snmp] persistentDir ${join(this.dir, 'persist')}\n${init.config}`,
    );
  }

  /** Adds lines to the configuration file (before `start`). */
  appendConfig(text: string): void {
    appendFileSync(join(this.dir, `${this.init.program}.conf`), `\n${text}`);
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    const p = this.init.program;
    const child = spawn(
      p,
      [
        '-f',
        '-Lo',
        '-C',
        '-c',
        join(this.dir, `${p}.conf`),
        '-p',
        join(this.dir, `${p}.pid`),
        '-M',
        '/dev/null',
        ...(this.init.args ?? []),
        this.init.listen,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, SNMP_PERSISTENT_DIR: join(this.dir, 'persist'), MIBS: '', HOME: this.dir },
      },
    );
    this.child = child;
    const ready = this.init.readyText ?? 'NET-SNMP version';
    const from = this.output.length;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${p} did not start: ${this.output}`)), 10_000);
      const onData = (d: Buffer): void => {
        this.output += d.toString();
        if (this.output.indexOf(ready, from) >= 0) {
          clearTimeout(t);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(t);
        reject(new Error(`${p} exited ${code}: ${this.output}`));
      });
    });
  }

  /** Waits until `text` appears in the output after `from` (or the timeout). */
  async waitFor(text: string | RegExp, timeoutMs = 5000, from = 0): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const tail = this.output.slice(from);
      if (typeof text === 'string' ? tail.includes(text) : text.test(tail)) return true;
      if (Date.now() > end) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    const c = this.child;
    this.child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(t);
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs a Net-SNMP command-line tool; resolves with its exit code and output. */
export function runTool(
  cmd: string,
  args: readonly string[],
  timeoutMs = 20_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MIBS: '' } });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
    c.once('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}
