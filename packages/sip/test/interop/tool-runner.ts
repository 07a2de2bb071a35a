import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

/** True when `tool` is on PATH. */
export function haveTool(tool: string): boolean {
  const r = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim().length > 0;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Runs a tool with a hard time limit; the child is killed (SIGKILL) when the limit passes. Every child
 * is tracked in `children` so that `after` hooks can kill leftovers.
 */
export class ToolRunner {
  private readonly children = new Set<ChildProcess>();

  run(cmd: string, args: string[], timeoutMs: number, cwd?: string): Promise<RunResult> {
    return new Promise((resolve) => {
      const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      this.children.add(child);
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.on('error', (err) => {
        stderr += String(err);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        this.children.delete(child);
        resolve({ code, signal, stdout, stderr, timedOut });
      });
    });
  }

  /** Starts a long-running tool (a capture); stop it with `stop`. */
  startBackground(cmd: string, args: string[]): { child: ChildProcess; output: () => string } {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.add(child);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', () => this.children.delete(child));
    return { child, output: () => out };
  }

  /** Sends SIGINT and waits (bounded) for the process to exit, then SIGKILL. */
  async stop(child: ChildProcess, graceMs = 3000): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    child.kill('SIGINT');
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await closed;
    clearTimeout(t);
  }

  killAll(): void {
    for (const c of this.children) c.kill('SIGKILL');
    this.children.clear();
  }
}
