import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/** A TCP port that is also free for UDP on 127.0.0.1 (SIP listens on both). */
export async function freePort(udpToo = true): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const a = s.address();
        s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
      });
    });
    if (!udpToo) return port;
    const ok = await new Promise<boolean>((resolve) => {
      const u = createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free port');
}

/** A free UDP port on 127.0.0.1. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = createSocket('udp4');
    u.once('error', reject);
    u.bind(0, '127.0.0.1', () => {
      const p = u.address().port;
      u.close(() => resolve(p));
    });
  });
}

/** A `beckon` child process whose stdout is collected (JSON log lines and text). */
export class BeckonProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[]) {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('BECKON_')) env[k] = v;
    this.child = spawn(process.execPath, ['bin/beckon.js', ...args], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) =>
      this.child.on('close', (code, signal) => resolve({ code, signal })),
    );
  }

  /** Resolves with the first JSON log line whose msg is `msg`; rejects after `timeoutMs` or on exit. */
  async waitLog(msg: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    for (;;) {
      for (const line of this.stdout.split('\n')) {
        if (!line.startsWith('{') || !line.includes(`"msg":"${msg}"`)) continue;
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          /* a partial line: read again */
        }
      }
      if (exited) throw new Error(`process exited before "${msg}":\n${this.stdout}\n${this.stderr}`);
      if (Date.now() > deadline)
        throw new Error(`no "${msg}" within ${timeoutMs} ms:\n${this.stdout.slice(-4000)}`);
      await sleep(50);
    }
  }

  /** Sends `signal` and waits for the exit (SIGKILL after `graceMs`). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<{ code: number | null }> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.exited;
    this.child.kill(signal);
    const t = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const r = await this.exited;
    clearTimeout(t);
    return r;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `fn` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(100);
  }
}

export function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).status === 0;
}

/** The value of one Prometheus sample (`name{labels}`), or undefined. */
export function promSample(text: string, sample: string): number | undefined {
  for (const line of text.split('\n'))
    if (line.startsWith(`${sample} `)) return Number(line.slice(sample.length + 1));
  return undefined;
}

/** The station configuration of the integration tests: every listener on the given ports, N users. */
export function stationYaml(p: {
  dir: string;
  sip: number;
  snmp: number;
  http: number;
  callHome: number;
  devices: number;
}): string {
  const users = Array.from({ length: p.devices }, (_, i) => `    - { username: dev${i}, password: pw-${i} }`);
  return [
    'log:',
    '  level: info',
    'sip:',
    '  listen:',
    `    - { transport: udp, host: 127.0.0.1, port: ${p.sip} }`,
    `    - { transport: tcp, host: 127.0.0.1, port: ${p.sip} }`,
    'snmp:',
    `  listen: [{ transport: udp, host: 127.0.0.1, port: ${p.snmp} }]`,
    'http:',
    `  listen: { host: 127.0.0.1, port: ${p.http} }`,
    'management:',
    `  callHomeListen: { host: 127.0.0.1, port: ${p.callHome} }`,
    '  notifyMinIntervalSec: 0',
    'storage:',
    `  sqlitePath: ${JSON.stringify(join(p.dir, 'var', 'beckon.db'))}`,
    'auth:',
    '  users:',
    ...users,
    'device:',
    `  count: ${p.devices}`,
    `  stationPort: ${p.sip}`,
    "  password: 'pw-{i}'",
    '  sockets: 2',
    '',
  ].join('\n');
}

/** JSON over HTTP. */
export async function api<T>(
  base: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    signal: AbortSignal.timeout(10_000),
    ...(body !== undefined
      ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
      : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}
