export * from './proxy-endpoint.js';
export * from './best-response.js';
export * from './loop-detection.js';
export * from './resolve-targets.js';
export * from './next-hop.js';
export * from './forking-proxy.js';
