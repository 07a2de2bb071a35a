import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

export interface LoggerInit {
  level?: string;
  /** Where JSON lines go; defaults to stdout. */
  destination?: DestinationStream;
  /** Fields added to every line (for example the process role). */
  base?: Record<string, unknown>;
}

/**
 * The root structured logger of a process. Components take `root.child({ component: 'sip.transport' })`
 * and never create loggers of their own.
 */
export function createLogger(init: LoggerInit = {}): Logger {
  const opts: LoggerOptions = {
    level: init.level ?? 'info',
    base: init.base ?? {},
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return init.destination ? pino(opts, init.destination) : pino(opts);
}

/** A logger that drops everything: for tests and for libraries used without a host. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
