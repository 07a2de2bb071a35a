import { configHash, loadConfig } from '@beckon/config';
import { ExitCode } from '../cli-io.js';
import type { Command } from '../command.js';
import { printConfigErrors } from './config-options.js';

export const configCheckCommand: Command = {
  path: ['config', 'check'],
  summary: 'Validate a configuration file',
  description:
    'Validates FILE against the configuration schema (defaults filled in; environment and --set are not applied).\n' +
    'Prints each problem as "path: message" and exits 1 if there is any.',
  positionals: 'FILE',
  arity: [1, 1],
  options: {},
  run(args, io) {
    const file = args.positionals[0]!;
    const r = loadConfig({ file });
    if (!r.ok) {
      printConfigErrors(io, file, r);
      return Promise.resolve(ExitCode.failure);
    }
    const set = [...r.sources.values()].filter((s) => s === 'file').length;
    io.out(
      `${file}: valid (${set} settings from the file, the rest defaults; hash ${configHash(r.config)})\n`,
    );
    return Promise.resolve(ExitCode.ok);
  },
};
