// Transport Security Model (RFC 5591) and secure transport models: TLS (RFC 6353), SSH (RFC 5592).
export * from './tm-state-reference.js';
export * from './tsm-stats.js';
export * from './tsm-stats-mib.js';
export * from './local-engine-id.js';
export * from './transport-security-model.js';
export * from './secure-session-transport.js';
export * from './context-engine-discovery.js';
export * from './tls/snmp-tls-fingerprint.js';
export * from './tls/cert-to-tsn-table.js';
export * from './tls/tls-transport-model.js';
export * from './ssh/ssh-host-key.js';
export * from './ssh/ssh-server-role.js';
export * from './ssh/ssh-client-role.js';
