export * from './challenge-threads.js';
export type { ChallengeThreadInit, ThreadCredentials } from './challenge-thread-protocol.js';
export { hasHeader } from './has-header.js';
export { VerifiedDatagrams } from './verified-datagrams.js';
