export * from './wire/mgmt-protos-list.js';
export * from './wire/call-home-hello.js';
export * from './mac-address.js';
export * from './management-uri.js';
export * from './call-home-client.js';
export * from './device-session-handler.js';
export * from './managed-device.js';
export * from './device-simulator.js';
