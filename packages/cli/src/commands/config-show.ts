import { renderConfigJson, renderConfigYaml } from '@beckon/config';
import { ExitCode } from '../cli-io.js';
import type { Command } from '../command.js';
import { configOptions, loadFromArgs, printConfigErrors, stringOption } from './config-options.js';

export const configShowCommand: Command = {
  path: ['config', 'show'],
  summary: 'Print the effective configuration and where each value comes from',
  description:
    'Builds the configuration exactly as the station would (defaults < --config file < BECKON_* environment < --set)\n' +
    'and prints it. YAML output ends each value with a comment naming its source (# default, # file, # env, # cli)\n' +
    'and is itself a valid configuration file. JSON output is {"config": {...}, "sources": {"sip.domain": "cli", ...}}.\n' +
    'Secrets (passwords, communities, database URL) are shown as ******** unless --show-secrets is given.',
  positionals: '',
  arity: [0, 0],
  options: {
    ...configOptions,
    format: {
      type: 'string',
      short: 'f',
      valueName: 'yaml|json',
      description: 'Output format (default: yaml).',
    },
    'show-secrets': { type: 'boolean', description: 'Print secret values instead of masking them.' },
  },
  run(args, io) {
    const format = stringOption(args, 'format') ?? 'yaml';
    if (format !== 'yaml' && format !== 'json') {
      io.err(`beckon config show: --format must be yaml or json, not '${format}'\n`);
      return Promise.resolve(ExitCode.usage);
    }
    const r = loadFromArgs(args, io);
    if (!r.ok) {
      printConfigErrors(io, '', r);
      return Promise.resolve(ExitCode.failure);
    }
    const opts = { showSecrets: args.values['show-secrets'] === true };
    io.out(
      format === 'json'
        ? renderConfigJson(r.config, r.sources, opts)
        : renderConfigYaml(r.config, r.sources, opts),
    );
    return Promise.resolve(ExitCode.ok);
  },
};
