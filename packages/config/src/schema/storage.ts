import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from './annotations.js';

export const StorageSection = Type.Object(
  {
    driver: StringEnum(['sqlite', 'postgres'] as const, {
      default: 'sqlite',
      description: 'Where persistent state (registrations, subscriptions, devices) is kept.',
      'x-reason': 'SQLite needs no server, so a fresh install runs with nothing else set up.',
    }),
    sqlitePath: Type.String({
      minLength: 1,
      default: './var/beckon.db',
      description: 'SQLite database file (relative to the working directory); ":memory:" keeps nothing.',
      'x-reason': 'A local folder next to the working directory, easy to find and to back up.',
    }),
    sqliteWriterThread: Type.Boolean({
      default: true,
      description:
        'Commit SQLite writes on a worker thread with its own connection, so that commits and WAL checkpoints never pause SIP and SNMP handling; false: commit on the event loop.',
      'x-reason':
        'Durability is the same either way (a write is acknowledged after its commit). On by default: it relieves the event loop, which is what runs out first without challenge threads, and a slow disk never pauses it. Off costs less CPU per write (no hand-over between threads); with challenge threads on a two-core host that let a registrar take more digest registrations per second (README, high registration rates).',
    }),
    postgresUrl: Type.Optional(
      Type.String({
        minLength: 1,
        pattern: '^postgres(ql)?://',
        description:
          'PostgreSQL connection URL (postgres://user:password@host:5432/db); required when driver is postgres.',
        'x-reason': 'No default: the database server belongs to the deployment.',
        'x-secret': true,
      }),
    ),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'Persistent storage.',
    'x-reason': 'Embedded SQLite by default.',
  },
);
export type StorageConfig = Static<typeof StorageSection>;
