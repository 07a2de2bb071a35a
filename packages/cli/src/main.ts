import { readFileSync } from 'node:fs';
import { ExitCode, processIo, type CliIo } from './cli-io.js';
import { commandHelp, parseCommandArgs, type Command } from './command.js';
import {
  bindingsCommand,
  countersCommand,
  instrumentsCommand,
  mgmtListCommand,
  mgmtRequestCommand,
  mgmtShowCommand,
} from './commands/api-commands.js';
import { configCheckCommand } from './commands/config-check.js';
import { configDiffCommand } from './commands/config-diff.js';
import { configSchemaCommand } from './commands/config-schema.js';
import { configShowCommand } from './commands/config-show.js';
import { demoCommand } from './commands/demo-command.js';
import { taskCommand } from './commands/task-command.js';
import { deviceCommand, overlayCommand, stationCommand } from './commands/role-commands.js';

/** Every command, in help order. */
export const commands: readonly Command[] = [
  demoCommand,
  stationCommand,
  deviceCommand,
  overlayCommand,
  configCheckCommand,
  configShowCommand,
  configDiffCommand,
  configSchemaCommand,
  instrumentsCommand,
  bindingsCommand,
  countersCommand,
  mgmtRequestCommand,
  mgmtShowCommand,
  mgmtListCommand,
  taskCommand,
];

/** One line about each command group (`beckon <group> --help`). */
const GROUPS: Record<string, string> = {
  config: 'Configuration tools.',
  mgmt: 'Management requests of a running station (REST API): the device is NOTIFYed and calls home.',
};

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function groupHelp(prefix: string[]): string {
  const title = prefix.length ? `beckon ${prefix.join(' ')}` : 'beckon';
  const list = commands.filter((c) => prefix.every((w, i) => c.path[i] === w));
  const width = Math.max(...list.map((c) => c.path.join(' ').length)) + 4;
  const lines = [
    `Usage: ${title} <command> [options]`,
    '',
    prefix.length
      ? (GROUPS[prefix[0] ?? ''] ?? '')
      : 'Beckon: management station for fleets of SIP devices and RELOAD nodes behind NATs.',
    '',
    'Commands:',
    ...list.map((c) => `  ${c.path.join(' ').padEnd(width)}${c.summary}`),
    '',
    `Run '${title} <command> --help' for the options of a command.`,
    'Exit codes: 0 success, 1 failure (for example an invalid configuration), 2 wrong usage.',
  ];
  if (!prefix.length) lines.push(`Version ${version()}.`);
  return `${lines.join('\n')}\n`;
}

/**
 * The `beckon` command line. Returns the process exit code (0 success, 1 failure, 2 usage error)
 * instead of exiting, so that it can be called in-process.
 */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const first = argv[0];
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.out(groupHelp([]));
    return first === undefined ? ExitCode.usage : ExitCode.ok;
  }
  if (first === '--version' || first === '-V') {
    io.out(`${version()}\n`);
    return ExitCode.ok;
  }
  // Longest command path that matches the leading words.
  const match = [...commands]
    .sort((a, b) => b.path.length - a.path.length)
    .find((c) => c.path.every((w, i) => argv[i] === w));
  if (!match) {
    const group = commands.some((c) => c.path.length > 1 && c.path[0] === first);
    if (group) {
      const sub = argv[1];
      if (sub === undefined || sub === '--help' || sub === '-h') {
        io.out(groupHelp([first]));
        return sub === undefined ? ExitCode.usage : ExitCode.ok;
      }
      io.err(`beckon ${first}: unknown command '${sub}' (see 'beckon ${first} --help')\n`);
      return ExitCode.usage;
    }
    io.err(`beckon: unknown command '${first}' (see 'beckon --help')\n`);
    return ExitCode.usage;
  }
  const rest = argv.slice(match.path.length);
  if (match.raw) {
    if (rest.length === 0 || (rest.length === 1 && (rest[0] === '--help' || rest[0] === '-h'))) {
      io.out(commandHelp(match));
      return rest.length === 0 ? ExitCode.usage : ExitCode.ok;
    }
    return match.run({ values: {}, positionals: rest }, io);
  }
  const parsed = parseCommandArgs(match, rest);
  if (!parsed.ok) {
    io.err(`${parsed.message}\n`);
    return ExitCode.usage;
  }
  if (parsed.help) {
    io.out(commandHelp(match));
    return ExitCode.ok;
  }
  return match.run(parsed.args, io);
}
