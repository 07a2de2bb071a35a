// The station's HTTP server: Prometheus /metrics, REST API, web UI, route plug-ins.
export * from './binding-view.js';
export * from './http-api-schemas.js';
export * from './http-api.js';
