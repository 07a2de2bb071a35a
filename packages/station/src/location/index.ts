export * from './binding.js';
export * from './contact-key.js';
export * from './registration-order.js';
export * from './expiry-wheel.js';
export * from './location-store.js';
export * from './sqlite-location-store.js';
export * from './postgres-location-store.js';
export * from './location-service.js';
