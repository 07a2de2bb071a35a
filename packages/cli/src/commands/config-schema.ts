import { BeckonConfigSchema } from '@beckon/config';
import { ExitCode } from '../cli-io.js';
import type { Command } from '../command.js';

export const configSchemaCommand: Command = {
  path: ['config', 'schema'],
  summary: 'Print the configuration JSON Schema',
  description:
    'Prints the JSON Schema (draft-07) that validates configuration files, with descriptions, defaults,\n' +
    'ranges and the reason for each default (x-reason). Editors can use it for completion and checking.',
  positionals: '',
  arity: [0, 0],
  options: {},
  run(_args, io) {
    const schema = { $schema: 'http://json-schema.org/draft-07/schema#', ...BeckonConfigSchema };
    io.out(`${JSON.stringify(schema, null, 2)}\n`);
    return Promise.resolve(ExitCode.ok);
  },
};
