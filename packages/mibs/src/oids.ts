import type { Oid } from '@beckon/snmp';

/**
 * OBJECT IDENTIFIER values of the modules implemented here. Every name below is the descriptor used in
 * the MIB module text (RFC 4780, RFC 2788); the tests check each one against the MIB files.
 */

const MIB_2: Oid = [1, 3, 6, 1, 2, 1];

/** NETWORK-SERVICES-MIB `application MODULE-IDENTITY ::= {mib-2 27}` (RFC 2788). */
export const APPLICATION_MIB: Oid = [...MIB_2, 27];
export const APPL_ENTRY: Oid = [...APPLICATION_MIB, 1, 1];

/** SIP-TC-MIB `sipTC ::= { mib-2 148 }` (textual conventions only). */
export const SIP_TC_MIB: Oid = [...MIB_2, 148];
/** SIP-COMMON-MIB `sipCommonMIB ::= { mib-2 149 }`. */
export const SIP_COMMON_MIB: Oid = [...MIB_2, 149];
/** SIP-UA-MIB `sipUAMIB ::= { mib-2 150 }`. */
export const SIP_UA_MIB: Oid = [...MIB_2, 150];
/** SIP-SERVER-MIB `sipServerMIB ::= { mib-2 151 }`. */
export const SIP_SERVER_MIB: Oid = [...MIB_2, 151];

const common = (...arcs: number[]): Oid => [...SIP_COMMON_MIB, ...arcs];
const server = (...arcs: number[]): Oid => [...SIP_SERVER_MIB, ...arcs];

/** Conceptual-row (Entry) OIDs of SIP-COMMON-MIB; columns are the next arc. */
export const SIP_COMMON_ENTRIES = {
  sipCommonCfgEntry: common(1, 1, 1, 1),
  sipCommonPortEntry: common(1, 1, 2, 1),
  sipCommonOptionTagEntry: common(1, 1, 3, 1),
  sipCommonMethodSupportedEntry: common(1, 1, 4, 1),
  sipCommonCfgTimerEntry: common(1, 2, 1, 1),
  sipCommonSummaryStatsEntry: common(1, 3, 1, 1),
  sipCommonMethodStatsEntry: common(1, 4, 1, 1),
  sipCommonStatusCodeEntry: common(1, 5, 1, 1),
  sipCommonStatusCodeNotifEntry: common(1, 5, 2, 1),
  sipCommonTransCurrentEntry: common(1, 6, 1, 1),
  sipCommonStatsRetryEntry: common(1, 7, 1, 1),
  sipCommonOtherStatsEntry: common(1, 8, 1, 1),
} as const;

/** sipCommonNotifObjects (accessible-for-notify). */
export const SIP_COMMON_NOTIF_OBJECTS = {
  sipCommonStatusCodeNotifTo: common(1, 9, 1),
  sipCommonStatusCodeNotifFrom: common(1, 9, 2),
  sipCommonStatusCodeNotifCallId: common(1, 9, 3),
  sipCommonStatusCodeNotifCSeq: common(1, 9, 4),
  sipCommonNotifApplIndex: common(1, 9, 5),
  sipCommonNotifSequenceNumber: common(1, 9, 6),
} as const;

/** RFC 4780 §7.2 NOTIFICATION-TYPEs under sipCommonMIBNotifications (sipCommonMIB 0). */
export const SIP_COMMON_NOTIFICATIONS = {
  sipCommonStatusCodeNotif: common(0, 1),
  sipCommonStatusCodeThreshExceededInNotif: common(0, 2),
  sipCommonStatusCodeThreshExceededOutNotif: common(0, 3),
  sipCommonServiceColdStart: common(0, 4),
  sipCommonServiceWarmStart: common(0, 5),
  sipCommonServiceStatusChanged: common(0, 6),
} as const;

/** Conceptual-row OIDs of SIP-SERVER-MIB. */
export const SIP_SERVER_ENTRIES = {
  sipServerCfgEntry: server(1, 1, 1, 1),
  sipServerProxyCfgEntry: server(1, 3, 1, 1),
  sipServerProxyStatsEntry: server(1, 4, 1, 1),
  sipServerRegCfgEntry: server(1, 5, 1, 1),
  sipServerRegUserEntry: server(1, 5, 2, 1),
  sipServerRegContactEntry: server(1, 5, 3, 1),
  sipServerRegStatsEntry: server(1, 6, 1, 1),
} as const;

/** SIP-UA-MIB `sipUACfgServerEntry`. */
export const SIP_UA_ENTRIES = {
  sipUACfgServerEntry: [...SIP_UA_MIB, 1, 1, 1, 1] as Oid,
} as const;

/**
 * Column numbers by descriptor, per entry (the arc after the Entry OID). Not-accessible index columns
 * are listed for the OID check but never registered.
 */
export const COLUMNS = {
  applEntry: {
    applIndex: 1,
    applName: 2,
    applDirectoryName: 3,
    applVersion: 4,
    applUptime: 5,
    applOperStatus: 6,
    applLastChange: 7,
    applInboundAssociations: 8,
    applOutboundAssociations: 9,
    applAccumulatedInboundAssociations: 10,
    applAccumulatedOutboundAssociations: 11,
    applLastInboundActivity: 12,
    applLastOutboundActivity: 13,
    applRejectedInboundAssociations: 14,
    applFailedOutboundAssociations: 15,
    applDescription: 16,
    applURL: 17,
  },
  sipCommonCfgEntry: {
    sipCommonCfgProtocolVersion: 1,
    sipCommonCfgServiceOperStatus: 2,
    sipCommonCfgServiceStartTime: 3,
    sipCommonCfgServiceLastChange: 4,
    sipCommonCfgOrganization: 5,
    sipCommonCfgMaxTransactions: 6,
    sipCommonCfgServiceNotifEnable: 7,
    sipCommonCfgEntityType: 8,
  },
  sipCommonPortEntry: { sipCommonPort: 1, sipCommonPortTransportRcv: 2 },
  sipCommonOptionTagEntry: {
    sipCommonOptionTagIndex: 1,
    sipCommonOptionTag: 2,
    sipCommonOptionTagHeaderField: 3,
  },
  sipCommonMethodSupportedEntry: { sipCommonMethodSupportedIndex: 1, sipCommonMethodSupportedName: 2 },
  sipCommonCfgTimerEntry: {
    sipCommonCfgTimerA: 1,
    sipCommonCfgTimerB: 2,
    sipCommonCfgTimerC: 3,
    sipCommonCfgTimerD: 4,
    sipCommonCfgTimerE: 5,
    sipCommonCfgTimerF: 6,
    sipCommonCfgTimerG: 7,
    sipCommonCfgTimerH: 8,
    sipCommonCfgTimerI: 9,
    sipCommonCfgTimerJ: 10,
    sipCommonCfgTimerK: 11,
    sipCommonCfgTimerT1: 12,
    sipCommonCfgTimerT2: 13,
    sipCommonCfgTimerT4: 14,
  },
  sipCommonSummaryStatsEntry: {
    sipCommonSummaryInRequests: 1,
    sipCommonSummaryOutRequests: 2,
    sipCommonSummaryInResponses: 3,
    sipCommonSummaryOutResponses: 4,
    sipCommonSummaryTotalTransactions: 5,
    sipCommonSummaryDisconTime: 6,
  },
  sipCommonMethodStatsEntry: {
    sipCommonMethodStatsName: 1,
    sipCommonMethodStatsOutbounds: 2,
    sipCommonMethodStatsInbounds: 3,
    sipCommonMethodStatsDisconTime: 4,
  },
  sipCommonStatusCodeEntry: {
    sipCommonStatusCodeMethod: 1,
    sipCommonStatusCodeValue: 2,
    sipCommonStatusCodeIns: 3,
    sipCommonStatusCodeOuts: 4,
    sipCommonStatusCodeRowStatus: 5,
    sipCommonStatusCodeDisconTime: 6,
  },
  sipCommonStatusCodeNotifEntry: {
    sipCommonStatusCodeNotifSend: 1,
    sipCommonStatusCodeNotifEmitMode: 2,
    sipCommonStatusCodeNotifThresh: 3,
    sipCommonStatusCodeNotifInterval: 4,
  },
  sipCommonTransCurrentEntry: { sipCommonTransCurrentactions: 1 },
  sipCommonStatsRetryEntry: {
    sipCommonStatsRetryMethod: 1,
    sipCommonStatsRetries: 2,
    sipCommonStatsRetryFinalResponses: 3,
    sipCommonStatsRetryNonFinalResponses: 4,
    sipCommonStatsRetryDisconTime: 5,
  },
  sipCommonOtherStatsEntry: {
    sipCommonOtherStatsNumUnsupportedUris: 1,
    sipCommonOtherStatsNumUnsupportedMethods: 2,
    sipCommonOtherStatsOtherwiseDiscardedMsgs: 3,
    sipCommonOtherStatsDisconTime: 4,
  },
  sipServerCfgEntry: { sipServerCfgHostAddressType: 1, sipServerCfgHostAddress: 2 },
  sipServerProxyCfgEntry: {
    sipServerCfgProxyStatefulness: 1,
    sipServerCfgProxyRecursion: 2,
    sipServerCfgProxyRecordRoute: 3,
    sipServerCfgProxyAuthMethod: 4,
    sipServerCfgProxyAuthDefaultRealm: 5,
  },
  sipServerProxyStatsEntry: { sipServerProxyStatProxyReqFailures: 1, sipServerProxyStatsDisconTime: 2 },
  sipServerRegCfgEntry: {
    sipServerRegMaxContactExpiryDuration: 1,
    sipServerRegMaxUsers: 2,
    sipServerRegCurrentUsers: 3,
    sipServerRegDfltRegActiveInterval: 4,
  },
  sipServerRegUserEntry: {
    sipServerRegUserIndex: 1,
    sipServerRegUserUri: 2,
    sipServerRegUserAuthenticationFailures: 3,
    sipServerRegUserDisconTime: 4,
  },
  sipServerRegContactEntry: {
    sipServerRegContactIndex: 1,
    sipServerRegContactDisplayName: 2,
    sipServerRegContactURI: 3,
    sipServerRegContactLastUpdated: 4,
    sipServerRegContactExpiry: 5,
    sipServerRegContactPreference: 6,
  },
  sipServerRegStatsEntry: {
    sipServerRegStatsAcceptedRegs: 1,
    sipServerRegStatsRejectedRegs: 2,
    sipServerRegStatsDisconTime: 3,
  },
  sipUACfgServerEntry: {
    sipUACfgServerIndex: 1,
    sipUACfgServerAddressType: 2,
    sipUACfgServerAddress: 3,
    sipUACfgServerRole: 4,
  },
} as const;

/** Every Entry OID by descriptor (for the OID checks and for tools that resolve names). */
export const ALL_ENTRIES: Readonly<Record<keyof typeof COLUMNS, Oid>> = {
  applEntry: APPL_ENTRY,
  ...SIP_COMMON_ENTRIES,
  ...SIP_SERVER_ENTRIES,
  ...SIP_UA_ENTRIES,
};
