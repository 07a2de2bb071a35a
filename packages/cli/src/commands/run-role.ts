import { configHash, formatConfigError, type BeckonConfig, type ConfigSource } from '@beckon/config';
import { createLogger, MetricsRegistry, type Logger } from '@beckon/ops';
import { ExitCode, type CliIo } from '../cli-io.js';
import type { OptionSpec, ParsedArgs } from '../command.js';
import { configOptions, listOption, loadFromArgs, stringOption } from './config-options.js';
import type { RoleRunner } from './run-components.js';

export const runOptions: Record<string, OptionSpec> = {
  ...configOptions,
  duration: {
    type: 'string',
    valueName: 'SEC',
    description: 'Stop by itself after SEC seconds (default: run until SIGINT/SIGTERM).',
  },
};

export interface RoleStart {
  role: string;
  runner: RoleRunner;
  /** Called after the configuration is loaded and before the runner starts (the demo prints its banner). */
  beforeRun?: (config: BeckonConfig, sources: ReadonlyMap<string, ConfigSource>, log: Logger) => void;
}

/**
 * The common life of `beckon station|device|overlay|demo`: load and validate the configuration once,
 * create the root logger and the metrics registry, run the role until SIGINT/SIGTERM or --duration,
 * and turn the outcome into an exit code.
 */
export async function runRole(args: ParsedArgs, io: CliIo, start: RoleStart): Promise<number> {
  const durationText = stringOption(args, 'duration');
  const duration = durationText === undefined ? undefined : Number(durationText);
  if (duration !== undefined && !(Number.isFinite(duration) && duration >= 0)) {
    io.err(`beckon ${start.role}: --duration must be a number of seconds, not '${durationText}'\n`);
    return ExitCode.usage;
  }
  const loaded = loadFromArgs(args, io);
  if (!loaded.ok) {
    io.err(`beckon ${start.role}: invalid configuration:\n`);
    for (const e of loaded.errors) io.err(`  ${formatConfigError(e)}\n`);
    return ExitCode.failure;
  }
  const { config, sources } = loaded;
  const root = createLogger({ level: config.log.level, base: { role: start.role, pid: process.pid } });
  const log = root.child({ component: 'cli' });
  const overridden = [...sources.values()].filter((s) => s !== 'default').length;
  log.info(
    {
      file: stringOption(args, 'config') ?? null,
      sets: listOption(args, 'set').length,
      overridden,
      hash: configHash(config),
    },
    'configuration loaded',
  );
  start.beforeRun?.(config, sources, log);

  const metrics = new MetricsRegistry();
  const controller = new AbortController();
  const stop = (reason: string) => {
    if (controller.signal.aborted) return;
    log.info({ reason }, 'stopping');
    controller.abort(reason);
  };
  const onSigint = () => stop('SIGINT');
  const onSigterm = () => stop('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  const timer =
    duration === undefined ? undefined : setTimeout(() => stop('duration elapsed'), duration * 1000);
  // Signal listeners do not keep Node running; this timer does, until the role has stopped.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    await start.runner(config, {
      log: root,
      metrics,
      signal: controller.signal,
    });
    log.info('exiting');
    return ExitCode.ok;
  } catch (e) {
    log.fatal({ err: e }, `${start.role} failed`);
    return ExitCode.failure;
  } finally {
    if (timer) clearTimeout(timer);
    clearInterval(keepAlive);
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }
}
