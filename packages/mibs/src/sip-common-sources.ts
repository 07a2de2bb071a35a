import type { MetricsRegistry } from '@beckon/ops';

/**
 * What SIP-COMMON-MIB reads. The station/device implements these over its running state; the MIB
 * handlers call them at request time and never keep copies.
 */

/** SIP-TC-MIB SipTCEntityRole bit names (bit number = position). */
export const SIP_ENTITY_ROLES = [
  'other',
  'userAgent',
  'proxyServer',
  'redirectServer',
  'registrarServer',
] as const;
export type SipEntityRole = (typeof SIP_ENTITY_ROLES)[number];

/** SIP-TC-MIB SipTCTransportProtocol bit names. */
export const SIP_TRANSPORTS = ['other', 'udp', 'tcp', 'sctp', 'tlsTcp', 'tlsSctp'] as const;
export type SipTransportProtocol = (typeof SIP_TRANSPORTS)[number];

/** SIP-TC-MIB SipTCOptionTagHeaders bit names. */
export const SIP_OPTION_TAG_HEADERS = ['require', 'proxyRequire', 'supported', 'unsupported'] as const;
export type SipOptionTagHeader = (typeof SIP_OPTION_TAG_HEADERS)[number];

/** sipCommonCfgServiceOperStatus enumeration (value = position + 1). */
export const SIP_OPER_STATUSES = [
  'unknown',
  'up',
  'down',
  'congested',
  'restarting',
  'quiescing',
  'testing',
] as const;
export type SipOperStatus = (typeof SIP_OPER_STATUSES)[number];

/** sipCommonCfgServiceNotifEnable bit names. */
export const SIP_SERVICE_NOTIFS = [
  'sipCommonServiceColdStart',
  'sipCommonServiceWarmStart',
  'sipCommonServiceStatusChanged',
] as const;
export type SipServiceNotif = (typeof SIP_SERVICE_NOTIFS)[number];

/** Timer values in milliseconds (sipCommonCfgTimerEntry; RFC 3261 §17 and Table 4). */
export interface SipTimerValues {
  t1: number;
  t2: number;
  t4: number;
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
  g: number;
  h: number;
  i: number;
  j: number;
  k: number;
}

export interface SipPortInfo {
  port: number;
  transports: readonly SipTransportProtocol[];
}

export interface SipOptionTagInfo {
  tag: string;
  headers: readonly SipOptionTagHeader[];
}

/** Configuration of one SIP entity (sipCommonCfgTable and friends). */
export interface SipCommonConfigSource {
  /** "SIP/2.0". */
  protocolVersion(): string;
  operStatus(): SipOperStatus;
  /** sysUpTime (hundredths of a second) when the entity last started; 0 if before the agent started. */
  startTime(): number;
  /** sysUpTime when the entity entered its current operational state. */
  lastChange(): number;
  /** Organization header value ('' for none). */
  organization(): string;
  maxTransactions(): number;
  roles(): readonly SipEntityRole[];
  /** Listening ports (sipCommonPortTable), any order. */
  ports(): readonly SipPortInfo[];
  optionTags(): readonly SipOptionTagInfo[];
  /** Methods in the Allow header, upper case; the position (+1) is sipCommonMethodSupportedIndex. */
  methodsSupported(): readonly string[];
  /** Absent: sipCommonCfgTimerTable has no row for this entity. */
  timers?(): SipTimerValues;
  /**
   * sipCommonCfgServiceNotifEnable (OPTIONAL in RFC 4780). Absent: the object is not implemented
   * (noSuchObject/noSuchInstance), as the compliance statement allows.
   */
  serviceNotifEnable?(): readonly SipServiceNotif[];
  /** Changes the running configuration (and logs it); false when it cannot be applied. */
  setServiceNotifEnable?(value: readonly SipServiceNotif[]): boolean;
}

/** Per-method retry counters (sipCommonStatsRetryTable, OPTIONAL group). */
export interface SipRetryStats {
  retries: number;
  finalResponses: number;
  nonFinalResponses: number;
}

/** Optional overrides for sipCommonOtherStatsTable when the SIP core counts these exactly. */
export interface SipOtherStatsSource {
  unsupportedUris(): number;
  unsupportedMethods(): number;
  otherwiseDiscarded(): number;
}

/** RFC 2788 association figures for applTable (optional). */
export interface ApplAssociations {
  inbound: number;
  outbound: number;
  accumulatedInbound: number;
  accumulatedOutbound: number;
  /** sysUpTime of the last association (0: none since the agent started). */
  lastInboundActivity: number;
  lastOutboundActivity: number;
  rejectedInbound: number;
  failedOutbound: number;
}

/** One SIP entity (one applTable row; its applIndex keys every SIP-*-MIB table). */
export interface SipApplication {
  /** 1..2147483647, assigned by the station, stable while the process runs. */
  applIndex: number;
  /** RFC 4780 §5.2 naming: "sip_proxy_registrar1", "sip_ua1"... */
  applName: string;
  applDescription?: string;
  applVersion?: string;
  applUrl?: string;
  config: SipCommonConfigSource;
  /** The registry the SIP core of this entity counts into (sip_*, registrar_*, proxy_*). */
  metrics: MetricsRegistry;
  /** sysUpTime at the last discontinuity of the counters (default: config.startTime()). */
  countersDisconTime?(): number;
  /** Methods that have retry rows and their counters (absent: sipCommonStatsRetryTable empty). */
  retryStats?(method: string): SipRetryStats | undefined;
  otherStats?: SipOtherStatsSource;
  associations?(): ApplAssociations;
}

export interface SipCommonSources {
  /** The SIP entities, sorted by ascending applIndex. */
  applications(): readonly SipApplication[];
  /** sysUpTime now (hundredths of a second), for row timestamps. */
  upTime(): number;
}
