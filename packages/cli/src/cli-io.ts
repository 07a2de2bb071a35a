/** Where a command writes and what it reads from its process (replaceable in tests). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
}

export function processIo(): CliIo {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    env: process.env,
  };
}

/** Exit codes of every `beckon` command. */
export const ExitCode = {
  ok: 0,
  /** The command ran and failed: invalid configuration, runtime error. */
  failure: 1,
  /** The command line itself is wrong: unknown command or option, missing argument. */
  usage: 2,
} as const;
