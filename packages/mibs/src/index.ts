// @beckon/mibs public API: RFC 4780 SIP MIB modules (SIP-COMMON-MIB, SIP-SERVER-MIB, SIP-UA-MIB) and the
// NETWORK-SERVICES-MIB applTable, as plug-ins of @beckon/snmp's MibRegistry fed by live source interfaces.
export * from './oids.js';
export * from './smi-values.js';
export * from './registration.js';
export * from './appl-indexed-source.js';
export * from './sip-common-sources.js';
export * from './sip-metric-reader.js';
export * from './appl-table.js';
export * from './status-code-table.js';
export * from './sip-common-mib.js';
export * from './sip-common-notifier.js';
export * from './sip-server-sources.js';
export * from './sip-server-mib.js';
export * from './sip-ua-mib.js';
