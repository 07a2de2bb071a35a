// SNMP over call-home sessions (issue 6), station side.
export * from './device-trust-store.js';
export * from './snmp-session-client.js';
export * from './snmp-call-home-handler.js';
export * from './call-home-protocols.js';
export * from './call-home-stack.js';
