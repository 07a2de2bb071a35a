import type { MetricsRegistry } from '@beckon/ops';
import type { InetHost } from './smi-values.js';

/** What SIP-SERVER-MIB reads; implemented by the station over its proxy, registrar and location service. */

/** sipServerCfgProxyStatefulness. */
export const PROXY_STATEFULNESS = ['stateless', 'transactionStateful', 'callStateful'] as const;
export type ProxyStatefulness = (typeof PROXY_STATEFULNESS)[number];

/** sipServerCfgProxyAuthMethod BITS { none(0), tls(1), digest(2) }. */
export const PROXY_AUTH_METHODS = ['none', 'tls', 'digest'] as const;
export type ProxyAuthMethod = (typeof PROXY_AUTH_METHODS)[number];

export interface ProxyConfigSource {
  statefulness(): ProxyStatefulness;
  recursion(): boolean;
  recordRoute(): boolean;
  authMethods(): readonly ProxyAuthMethod[];
  authDefaultRealm(): string;
}

/** One address-of-record known to the registrar (sipServerRegUserEntry). */
export interface RegisteredUser {
  /** Stable while the binding exists, 1..4294967295, assigned by the location service. */
  userIndex: number;
  /** Address-of-record, "user@domain". */
  uri: string;
  authenticationFailures: number;
  /** sysUpTime at the last discontinuity of authenticationFailures (default: the server's). */
  disconTime?: number;
}

/** One binding of a user (sipServerRegContactEntry). */
export interface RegisteredContact {
  userIndex: number;
  /** Stable while the binding exists, 1..4294967295, unique within the user. */
  contactIndex: number;
  displayName: string;
  uri: string;
  /** sysUpTime when the binding was last accepted (TimeStamp). */
  lastUpdated: number;
  /** Wall-clock expiry, milliseconds since the epoch (rendered as DateAndTime in UTC). */
  expiresAt: number;
  /** q-value as given ("0.9"), '' when absent. */
  preference: string;
}

/**
 * The location service's LIVE, sorted view. Each call is expected to cost O(log n) (sorted indexes kept
 * by the location service), which makes a full walk of the contact table O(n log n).
 */
export interface RegistrarSource {
  maxContactExpiryDuration(): number;
  maxUsers(): number;
  currentUsers(): number;
  defaultRegActiveInterval(): number;
  /** The first user with userIndex > `userIndex` (the first user when undefined). */
  userAfter(userIndex: number | undefined): RegisteredUser | undefined;
  getUser(userIndex: number): RegisteredUser | undefined;
  /**
   * The first contact, over all users, whose (userIndex, contactIndex) is greater than the given pair
   * in that order; an undefined part counts as 0 (so `contactAfter(u, undefined)` is the first contact of
   * user u or of a later user, and `contactAfter(undefined, undefined)` the very first contact).
   */
  contactAfter(
    userIndex: number | undefined,
    contactIndex: number | undefined,
  ): RegisteredContact | undefined;
  getContact(userIndex: number, contactIndex: number): RegisteredContact | undefined;
}

/** One SIP server entity (same applIndex as its SIP-COMMON-MIB rows). */
export interface SipServerEntity {
  applIndex: number;
  /** The registry the server counts into (registrar_*, proxy_*). */
  metrics: MetricsRegistry;
  /** Host part of the SIP URI assigned to the server (sipServerCfgHostAddress). */
  hostAddress(): InetHost;
  /** sysUpTime at the last discontinuity of the server counters. */
  countersDisconTime(): number;
  proxy?: ProxyConfigSource;
  registrar?: RegistrarSource;
}

export interface SipServerSources {
  /** Server entities sorted by ascending applIndex. */
  servers(): readonly SipServerEntity[];
}
