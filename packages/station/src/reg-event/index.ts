export * from './reginfo.js';
export * from './decode-reginfo.js';
export * from './xml-escape.js';
export * from './reg-watch-target.js';
export * from './reg-watch-policy.js';
export * from './reg-location-view.js';
export * from './reg-contact-tracker.js';
export * from './reg-event-package.js';
