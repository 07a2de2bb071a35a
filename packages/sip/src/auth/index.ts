export * from './digest-header.js';
export * from './digest-algorithm.js';
export * from './credential-store.js';
export * from './nonce-manager.js';
export * from './digest-server.js';
export * from './digest-client.js';
