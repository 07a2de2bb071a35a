import { formatConfigError, loadConfig, type LoadConfigResult } from '@beckon/config';
import type { CliIo } from '../cli-io.js';
import type { OptionSpec, ParsedArgs } from '../command.js';

/** `--config FILE` and `--set PATH=VALUE`, shared by every command that builds a configuration. */
export const configOptions: Record<string, OptionSpec> = {
  config: {
    type: 'string',
    short: 'c',
    valueName: 'FILE',
    description: 'YAML configuration file (default: none, built-in defaults).',
  },
  set: {
    type: 'string',
    multiple: true,
    valueName: 'PATH=VALUE',
    description:
      'Override one setting, value parsed as YAML (sip.domain=example.com, sip.listen.0.port=5070).',
  },
};

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function listOption(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  return Array.isArray(v) ? v : [];
}

/** Loads defaults < file < BECKON_* environment < --set, as every running command does. */
export function loadFromArgs(args: ParsedArgs, io: CliIo): LoadConfigResult {
  return loadConfig({ file: stringOption(args, 'config'), sets: listOption(args, 'set'), env: io.env });
}

export function printConfigErrors(io: CliIo, what: string, r: LoadConfigResult): void {
  if (r.ok) return;
  io.err(`beckon: invalid configuration${what ? ` (${what})` : ''}:\n`);
  for (const e of r.errors) io.err(`  ${formatConfigError(e)}\n`);
}
