import type { SecurityLevel } from '../proto/security-model.js';
import type { TransportAddress } from '../transport/snmp-transport.js';

/**
 * Transport domains with a secure transport model and their RFC 5591 §3.1.1 transport prefixes
 * ("tls" for snmpTLSTCPDomain, RFC 6353 §10; "ssh" for snmpSSHDomain, RFC 5592 §5.1).
 */
export type SecureTransportDomain = 'tls' | 'dtls' | 'ssh';

/**
 * The tmStateReference of RFC 5590 §5.2 (cached transport-model state handed to the security model
 * with each incoming message, and back with each outgoing one).
 *
 * RFC 5590 §5.2 names its fields tmTransportDomain, tmTransportAddress, tmSecurityName,
 * tmRequestedSecurityLevel, tmTransportSecurityLevel, tmSameSecurity and tmSessionID; the ones a
 * call-home session needs are kept here (the session is fixed, so tmSameSecurity always holds).
 */
export interface TmStateReference {
  tmTransportDomain: SecureTransportDomain;
  /** Informative only: devices are behind NAT and never identified by address. */
  tmTransportAddress: TransportAddress;
  /** The authenticated identity of the peer (certificate mapping or SSH user name). */
  tmSecurityName: string;
  /** The level the transport actually provides (authPriv for TLS and SSH). */
  tmTransportSecurityLevel: SecurityLevel;
  /** Opaque identifier of the session the message arrived on. */
  tmSessionId: string;
}
