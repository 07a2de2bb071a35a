// SNMPv3 security: the User-based Security Model (RFC 3414, RFC 7860 HMAC-SHA-2, RFC 3826 AES).
export * from './auth-protocol.js';
export * from './password-to-key.js';
export * from './localized-key-cache.js';
export * from './usm-authenticator.js';
export * from './aes-cfb-privacy.js';
export * from './usm-security-parameters.js';
export * from './engine-id.js';
export * from './engine-clock.js';
export * from './usm-stats.js';
export * from './usm-stats-mib.js';
export * from './snmp-engine-mib.js';
export * from './usm-user-mib.js';
export * from './usm-user-table.js';
export * from './usm-remote-engines.js';
export * from './user-based-security-model.js';
