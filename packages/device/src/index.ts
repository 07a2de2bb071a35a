export * from '@beckon/mgmt';
export * from './mac-address.js';
export * from './management-uri.js';
export * from './call-home-client.js';
export * from './device-session-handler.js';
export * from './managed-device.js';
export * from './device-simulator.js';
export * from './run-device.js';
