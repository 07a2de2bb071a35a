import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from './annotations.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const LogSection = Type.Object(
  {
    level: StringEnum(LOG_LEVELS, {
      default: 'info',
      description: 'Lowest level written to the log.',
      'x-reason':
        'info records every significant state transition (seed 003 Appendix A) without per-message noise; use debug to trace one problem.',
    }),
    format: StringEnum(['json'] as const, {
      default: 'json',
      description: 'Log line format: one JSON object per line on standard output.',
      'x-reason':
        'Structured lines can be shipped to any collector and searched by field without parsing prose.',
    }),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'Structured logging.',
    'x-reason': 'Defaults suit a process run under a supervisor that collects standard output.',
  },
);
export type LogConfig = Static<typeof LogSection>;
