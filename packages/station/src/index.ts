export {};
export * from './location/index.js';
export * from './instrument/index.js';
