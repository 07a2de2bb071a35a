export * from './metrics-registry.js';
export * from './logger.js';
export * from './bad-input-reporter.js';
