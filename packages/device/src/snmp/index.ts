// The device's SNMP agent over call-home sessions (issue 6).
export * from './device-snmp-agent.js';
export * from './device-snmp-session-handler.js';
export * from './ua-registration.js';
export * from './snmp-managed-device.js';
export * from './snmp-device-fleet.js';
