import { parseArgs } from 'node:util';
import type { CliIo } from './cli-io.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Shown in help: `--config FILE`. */
  valueName?: string;
  description: string;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** One leaf command of `beckon` (for example `config show`). */
export interface Command {
  /** Words after `beckon`: `['config', 'show']`. */
  path: string[];
  summary: string;
  /** Longer text for `--help`. */
  description: string;
  /** `FILE`, `A B`, or '' when the command takes no positional arguments. */
  positionals: string;
  /** How many positionals it needs [min, max]. */
  arity: [number, number];
  options: Record<string, OptionSpec>;
  /** The arguments go to `run` unparsed (as positionals): the command parses them itself. */
  raw?: boolean;
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}

export const helpOption: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', description: 'Show this help and exit.' },
};

export function commandHelp(cmd: Command): string {
  const name = `beckon ${cmd.path.join(' ')}`;
  const lines = [
    `Usage: ${name}${cmd.positionals ? ` ${cmd.positionals}` : ''} [options]`,
    '',
    cmd.description,
    '',
    'Options:',
  ];
  const all = { ...cmd.options, ...helpOption };
  const left = Object.entries(all).map(([n, o]) => {
    const short = o.short ? `-${o.short}, ` : '    ';
    return `  ${short}--${n}${o.valueName ? ` ${o.valueName}` : ''}`;
  });
  const width = Math.max(...left.map((l) => l.length)) + 2;
  Object.values(all).forEach((o, i) => {
    const l = left[i]!;
    lines.push(`${l.padEnd(width)}${o.description}${o.multiple ? ' (repeatable)' : ''}`);
  });
  return `${lines.join('\n')}\n`;
}

export type ParseOutcome = { ok: true; args: ParsedArgs; help: boolean } | { ok: false; message: string };

/** Parses a command's arguments with node:util parseArgs; usage problems come back as messages. */
export function parseCommandArgs(cmd: Command, argv: string[]): ParseOutcome {
  const name = `beckon ${cmd.path.join(' ')}`;
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [n, o] of Object.entries({ ...cmd.options, ...helpOption }))
    options[n] = {
      type: o.type,
      ...(o.short ? { short: o.short } : {}),
      ...(o.multiple ? { multiple: true } : {}),
    };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    const err = e as { code?: string; message: string };
    const opt = /(--[\w-]+)/.exec(err.message)?.[1] ?? /'(-[^']*)'/.exec(err.message)?.[1];
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
      return { ok: false, message: `${name}: unknown option '${opt ?? '?'}' (see '${name} --help')` };
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
      return {
        ok: false,
        message: `${name}: option '${opt ?? '?'}' ${/argument missing/.test(err.message) ? 'needs a value' : 'takes no value'} (see '${name} --help')`,
      };
    return { ok: false, message: `${name}: ${err.message}` };
  }
  const values = parsed.values as ParsedArgs['values'];
  if (values['help'] === true)
    return { ok: true, args: { values, positionals: parsed.positionals }, help: true };
  const [min, max] = cmd.arity;
  const n = parsed.positionals.length;
  if (n < min || n > max) {
    const what =
      n < min
        ? `missing argument ${cmd.positionals}`
        : `unexpected argument '${parsed.positionals[max] ?? ''}'`;
    return { ok: false, message: `${name}: ${what} (see '${name} --help')` };
  }
  return { ok: true, args: { values, positionals: parsed.positionals }, help: false };
}
