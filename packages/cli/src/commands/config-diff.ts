import { diffConfigs, loadConfig } from '@beckon/config';
import { stringify } from 'yaml';
import { ExitCode } from '../cli-io.js';
import type { Command } from '../command.js';
import { printConfigErrors } from './config-options.js';

const show = (v: unknown): string => stringify(v, { flow: true }).trimEnd();

export const configDiffCommand: Command = {
  path: ['config', 'diff'],
  summary: 'Show the effective differences between two configuration files',
  description:
    'Loads A and B (each with defaults filled in) and prints every setting whose effective value differs:\n' +
    '  path: valueA -> valueB     changed\n' +
    '  - path: valueA             only in A (a list item B does not have)\n' +
    '  + path: valueB             only in B\n' +
    'A setting written out in one file but equal to the default in the other is not a difference.',
  positionals: 'A B',
  arity: [2, 2],
  options: {
    'exit-code': {
      type: 'boolean',
      description: 'Exit 1 when there are differences (like diff(1)); default exits 0.',
    },
    'show-secrets': { type: 'boolean', description: 'Print secret values instead of masking them.' },
  },
  run(args, io) {
    const [fa, fb] = args.positionals as [string, string];
    const a = loadConfig({ file: fa });
    const b = loadConfig({ file: fb });
    if (!a.ok || !b.ok) {
      printConfigErrors(io, fa, a);
      printConfigErrors(io, fb, b);
      return Promise.resolve(ExitCode.failure);
    }
    const diffs = diffConfigs(a.config, b.config, { showSecrets: args.values['show-secrets'] === true });
    if (diffs.length === 0) io.out('no differences\n');
    for (const d of diffs) {
      if (d.kind === 'changed') io.out(`${d.path}: ${show(d.a)} -> ${show(d.b)}\n`);
      else if (d.kind === 'removed') io.out(`- ${d.path}: ${show(d.a)}\n`);
      else io.out(`+ ${d.path}: ${show(d.b)}\n`);
    }
    return Promise.resolve(
      diffs.length > 0 && args.values['exit-code'] === true ? ExitCode.failure : ExitCode.ok,
    );
  },
};
