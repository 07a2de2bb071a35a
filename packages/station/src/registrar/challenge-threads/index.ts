export * from './challenge-threads.js';
export type { ChallengeThreadInit } from './challenge-thread-protocol.js';
export { hasHeader } from './has-header.js';
