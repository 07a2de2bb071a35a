export { main, commands } from './main.js';
export { ExitCode, processIo, type CliIo } from './cli-io.js';
export type { Command, OptionSpec, ParsedArgs } from './command.js';
export type { RoleRunner, RunComponents } from './commands/run-components.js';
export { runRole, type RoleStart } from './commands/run-role.js';
export { demoSummary } from './commands/demo-command.js';
