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
        'Commit SQLite writes on a worker thread with its own connection, so that commits and WAL checkpoints never pause SIP and SNMP handling.',
      'x-reason':
        'Durability is the same (a write is acknowledged after its commit either way) and the event loop keeps answering while SQLite writes; off only to debug.',
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
