export * from './normalize-instrument.js';
export * from './split-digest-username.js';
export * from './instrument-from-sip-instance.js';
export * from './identify-instrument.js';
export * from './parse-instrument-uri.js';
