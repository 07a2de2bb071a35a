// The View-based Access Control Model (RFC 3415): views, configuration, the AccessControl implementation.
export * from './mib-view.js';
export * from './vacm-config.js';
export * from './view-based-access-control.js';
