import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const SCENARIOS = join(dirname(fileURLToPath(import.meta.url)), 'sipp');

/** A UDP+TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const sock = createSocket('udp4');
    const port = await new Promise<number>((resolve) =>
      sock.bind(0, '127.0.0.1', () => resolve(sock.address().port)),
    );
    sock.close();
    const tcpFree = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (tcpFree) return port;
  }
  throw new Error('no free port');
}

export interface ChildRun {
  readonly child: ChildProcess;
  readonly done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  kill(): void;
}

/** Spawns a process with a hard time limit (SIGKILL); output is collected. */
export function runBounded(
  cmd: string,
  args: string[],
  opts: { cwd?: string; timeoutMs: number; env?: NodeJS.ProcessEnv },
): ChildRun {
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    if (stdout.length < 2_000_000) stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 2_000_000) stderr += d.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return {
    child,
    done,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** The MAC of instrument `i` (12 uppercase hex digits, as a provisioning system would write it). */
export function macOf(i: number): string {
  return (0x001122000000 + i).toString(16).toUpperCase().padStart(12, '0');
}

/**
 * SIPp injection file: `user;user/MAC;password;domain`, two consecutive users per instrument
 * (users 1000+2k and 1001+2k are the two line appearances of instrument k).
 */
export function instrumentUsersCsv(
  count: number,
  domain: string,
): { csv: string; users: { username: string; password: string }[] } {
  const lines = ['SEQUENTIAL'];
  const users: { username: string; password: string }[] = [];
  for (let i = 0; i < count; i++) {
    const user = String(1000 + i);
    const password = 'pw' + i.toString(36);
    lines.push(`${user};${user}/${macOf(i >> 1)};${password};${domain}`);
    users.push({ username: user, password });
  }
  return { csv: lines.join('\n') + '\n', users };
}

/**
 * Arguments of a bounded SIPp run over UDP on 127.0.0.1: `target` absent for a UAS. `calls` bounds the
 * run (-m), `timeoutSec` its duration (-timeout with -timeout_error for a UAC); `extra` is appended.
 */
export function sippArgs(o: {
  target?: string;
  scenario: string;
  csv?: string;
  localPort: number;
  calls: number;
  timeoutSec: number;
  extra?: readonly string[];
}): string[] {
  return [
    ...(o.target !== undefined ? [o.target] : []),
    '-sf',
    join(SCENARIOS, o.scenario),
    ...(o.csv !== undefined ? ['-inf', o.csv] : []),
    '-t',
    'u1',
    '-i',
    '127.0.0.1',
    '-p',
    String(o.localPort),
    '-m',
    String(o.calls),
    '-timeout',
    `${o.timeoutSec}s`,
    ...(o.target !== undefined ? ['-timeout_error'] : []),
    '-nostdin',
    ...(o.extra ?? []),
  ];
}
