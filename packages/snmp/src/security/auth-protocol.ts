/**
 * USM authentication protocols: HMAC-MD5-96 and HMAC-SHA-96 (RFC 3414 §6, §7) and the HMAC-SHA-2
 * family (RFC 7860). One frozen descriptor per protocol; lookups are by configuration name or by OID.
 */

export type AuthProtocolName = 'none' | 'md5' | 'sha' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

export interface AuthProtocol {
  readonly name: AuthProtocolName;
  /** Node `crypto` hash name; empty for 'none'. */
  readonly hash: string;
  /** Length of the (localized) key = digest length of the hash, in bytes. */
  readonly keyLength: number;
  /** Length of msgAuthenticationParameters on the wire (truncated MAC), in bytes. */
  readonly macLength: number;
  /** Hash input block size, in bytes (64 for MD5 .. SHA-256, 128 for SHA-384/512). */
  readonly blockSize: number;
  /** OBJECT IDENTIFIER of the protocol under snmpAuthProtocols (1.3.6.1.6.3.10.1.1). */
  readonly oid: string;
}

/*
 * RFC 7860 §4.2: "usmHMAC128SHA224AuthProtocol ... HMAC-SHA-224 ... truncated to 128 bits",
 * usmHMAC192SHA256AuthProtocol (192 bits), usmHMAC256SHA384AuthProtocol (256 bits),
 * usmHMAC384SHA512AuthProtocol (384 bits). RFC 3414 §6/§7: HMAC-MD5-96 and HMAC-SHA-96 (96 bits).
 */
const PROTOCOLS: Readonly<Record<AuthProtocolName, AuthProtocol>> = Object.freeze({
  none: Object.freeze({
    name: 'none',
    hash: '',
    keyLength: 0,
    macLength: 0,
    blockSize: 0,
    oid: '1.3.6.1.6.3.10.1.1.1',
  }),
  md5: Object.freeze({
    name: 'md5',
    hash: 'md5',
    keyLength: 16,
    macLength: 12,
    blockSize: 64,
    oid: '1.3.6.1.6.3.10.1.1.2',
  }),
  sha: Object.freeze({
    name: 'sha',
    hash: 'sha1',
    keyLength: 20,
    macLength: 12,
    blockSize: 64,
    oid: '1.3.6.1.6.3.10.1.1.3',
  }),
  sha224: Object.freeze({
    name: 'sha224',
    hash: 'sha224',
    keyLength: 28,
    macLength: 16,
    blockSize: 64,
    oid: '1.3.6.1.6.3.10.1.1.4',
  }),
  sha256: Object.freeze({
    name: 'sha256',
    hash: 'sha256',
    keyLength: 32,
    macLength: 24,
    blockSize: 64,
    oid: '1.3.6.1.6.3.10.1.1.5',
  }),
  sha384: Object.freeze({
    name: 'sha384',
    hash: 'sha384',
    keyLength: 48,
    macLength: 32,
    blockSize: 128,
    oid: '1.3.6.1.6.3.10.1.1.6',
  }),
  sha512: Object.freeze({
    name: 'sha512',
    hash: 'sha512',
    keyLength: 64,
    macLength: 48,
    blockSize: 128,
    oid: '1.3.6.1.6.3.10.1.1.7',
  }),
});

export const AUTH_PROTOCOL_NAMES: readonly AuthProtocolName[] = Object.freeze(
  Object.keys(PROTOCOLS) as AuthProtocolName[],
);

export function authProtocol(name: AuthProtocolName): AuthProtocol {
  return PROTOCOLS[name];
}

export function isAuthProtocolName(s: string): s is AuthProtocolName {
  return Object.prototype.hasOwnProperty.call(PROTOCOLS, s);
}

/** Case-insensitive parse accepting Net-SNMP spellings too ('SHA-256', 'SHA1', 'MD5'). */
export function parseAuthProtocolName(s: string): AuthProtocolName | undefined {
  const k = s.toLowerCase().replace(/[-_]/g, '');
  if (k === 'sha1') return 'sha';
  return isAuthProtocolName(k) ? k : undefined;
}
