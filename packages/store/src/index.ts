export * from './migration.js';
export * from './sqlite-database.js';
export * from './postgres-database.js';
export * from './group-commit.js';
export * from './sqlite-writer.js';
export type { SqliteValue } from './sqlite-writer-protocol.js';
