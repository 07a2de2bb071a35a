// Management tasks run in call-home sessions (issue 6).
export * from './oid-name-table.js';
export * from './task-op.js';
export * from './task-values.js';
export * from './task-recipes.js';
export * from './task-record.js';
export * from './task-store.js';
export * from './task-runner.js';
export * from './task-service.js';
export * from './cli-task-commands.js';
export * from './task-http-routes.js';
export * from './task-http-client.js';
