export * from './metrics-registry.js';
export * from './logger.js';
export * from './bad-input-reporter.js';
export * from './spawn-module-worker.js';
export * from './counter-deltas.js';
export * from './sharded-map.js';
export * from './busy-poll.js';
export * from './turn-budget-queue.js';
