export * from './sip-endpoint.js';
export * from './server-context.js';
export * from './uac-request.js';
export * from './flow-channel.js';
export * from './response-channel.js';
export * from './request-checks.js';
export * from './stamp-via.js';
export * from './endpoint-metrics.js';
