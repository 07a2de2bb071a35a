// The station's SNMP agent (issue 5): engine, access control, SIP MIB sources over the live state.
export * from './engine-state-file.js';
export * from './audited-mib-registry.js';
export * from './location-registrar-source.js';
export * from './station-sip-service.js';
export * from './station-snmp-access.js';
export * from './station-snmp.js';
export * from './station-snmp-from-config.js';
