/**
 * Plain configuration for the View-based Access Control Model (RFC 3415): the four VACM tables as
 * arrays of rows. Names follow the MIB objects they stand for.
 */

import type { SecurityLevel } from '../proto/security-model.js';

/** RFC 3411 SnmpSecurityModel: any(0), SNMPv1(1), SNMPv2c(2), USM(3). */
export type VacmSecurityModelName = 'any' | 'v1' | 'v2c' | 'usm';
/** RFC 3411 SnmpSecurityLevel: noAuthNoPriv(1), authNoPriv(2), authPriv(3). */
export type VacmSecurityLevelName = SecurityLevel;

export const SECURITY_MODEL_NUMBER: Readonly<Record<VacmSecurityModelName, number>> = Object.freeze({
  any: 0,
  v1: 1,
  v2c: 2,
  usm: 3,
});

/** vacmSecurityToGroupTable row. */
export interface VacmGroupRow {
  securityModel: Exclude<VacmSecurityModelName, 'any'>;
  securityName: string;
  groupName: string;
}

/** vacmAccessTable row. */
export interface VacmAccessRow {
  groupName: string;
  /** vacmAccessContextPrefix; default '' (with contextMatch 'exact': the default context only). */
  contextPrefix?: string;
  /** vacmAccessContextMatch; default 'exact'. */
  contextMatch?: 'exact' | 'prefix';
  /** vacmAccessSecurityModel; default 'any'. */
  securityModel?: VacmSecurityModelName;
  /** vacmAccessSecurityLevel (the minimum level); default 'noAuthNoPriv'. */
  securityLevel?: VacmSecurityLevelName;
  /** View names; '' or absent = no access of that kind. */
  readView?: string;
  writeView?: string;
  notifyView?: string;
}

/** vacmViewTreeFamilyTable row. */
export interface VacmViewRow {
  viewName: string;
  /** Dotted OID, e.g. '1.3.6.1.2.1'. */
  subtree: string;
  /** Hex mask, e.g. 'ff:c0' (empty or absent = exact subtree). */
  mask?: string;
  /** Default 'included'. */
  type?: 'included' | 'excluded';
}

export interface VacmConfig {
  /** vacmContextTable: the context names this engine serves. Default: [''] (the default context). */
  contexts?: string[];
  groups: VacmGroupRow[];
  access: VacmAccessRow[];
  views: VacmViewRow[];
}

/** The whole OID tree (iso = 1). */
export const VIEW_ALL = '1';

/**
 * Example: a read-only group for SNMPv3 users who must authenticate (authNoPriv or better).
 * Reads and notifications see the whole tree; no writes.
 */
export function readOnlyGroupExample(users: readonly string[], groupName = 'beckonReadOnly'): VacmConfig {
  return {
    groups: users.map((u) => ({ securityModel: 'usm', securityName: u, groupName })),
    access: [
      {
        groupName,
        securityModel: 'usm',
        securityLevel: 'authNoPriv',
        readView: 'beckonAll',
        notifyView: 'beckonAll',
      },
    ],
    views: [{ viewName: 'beckonAll', subtree: VIEW_ALL }],
  };
}

/**
 * Example: a read-write group for SNMPv3 users who must use authPriv. Reads, writes and notifications on
 * the whole tree except the USM and VACM configuration subtrees, which stay read-only.
 */
export function readWriteGroupExample(users: readonly string[], groupName = 'beckonReadWrite'): VacmConfig {
  return {
    groups: users.map((u) => ({ securityModel: 'usm', securityName: u, groupName })),
    access: [
      {
        groupName,
        securityModel: 'usm',
        securityLevel: 'authPriv',
        readView: 'beckonAll',
        writeView: 'beckonWritable',
        notifyView: 'beckonAll',
      },
    ],
    views: readWriteViews(),
  };
}

/** The views of the read-write examples: everything readable; writable except snmpUsmMIB and snmpVacmMIB. */
function readWriteViews(): VacmViewRow[] {
  return [
    { viewName: 'beckonAll', subtree: VIEW_ALL },
    { viewName: 'beckonWritable', subtree: VIEW_ALL },
    // snmpUsmMIB and snmpVacmMIB: not writable through SNMP.
    { viewName: 'beckonWritable', subtree: '1.3.6.1.6.3.15', type: 'excluded' },
    { viewName: 'beckonWritable', subtree: '1.3.6.1.6.3.16', type: 'excluded' },
  ];
}

/**
 * The SNMPv1/v2c default: each community maps to a securityName of the same text (RFC 3584 §5.3
 * coexistence without a community table) in a group with read-only access to the whole tree.
 */
export function communityReadOnlyExample(
  communities: readonly string[],
  groupName = 'beckonCommunityReadOnly',
): VacmConfig {
  return {
    groups: communities.flatMap((c) => [
      { securityModel: 'v1' as const, securityName: c, groupName },
      { securityModel: 'v2c' as const, securityName: c, groupName },
    ]),
    access: [
      { groupName, securityModel: 'v1', readView: 'beckonAll', notifyView: 'beckonAll' },
      { groupName, securityModel: 'v2c', readView: 'beckonAll', notifyView: 'beckonAll' },
    ],
    views: [{ viewName: 'beckonAll', subtree: VIEW_ALL }],
  };
}

/**
 * Example: a read-write group for SNMPv1/v2c communities (RFC 3584 §5.3 mapping as above): reads, writes and
 * notifications everywhere except the USM and VACM configuration subtrees.
 */
export function communityReadWriteExample(
  communities: readonly string[],
  groupName = 'beckonCommunityReadWrite',
): VacmConfig {
  return {
    groups: communities.flatMap((c) => [
      { securityModel: 'v1' as const, securityName: c, groupName },
      { securityModel: 'v2c' as const, securityName: c, groupName },
    ]),
    access: (['v1', 'v2c'] as const).map((securityModel) => ({
      groupName,
      securityModel,
      readView: 'beckonAll',
      writeView: 'beckonWritable',
      notifyView: 'beckonAll',
    })),
    views: readWriteViews(),
  };
}

/**
 * Concatenates configurations (e.g. an example plus local rows). View rows are indexed by
 * (viewName, subtree) as in vacmViewTreeFamilyTable: a later row replaces an earlier one.
 */
export function mergeVacmConfigs(...configs: VacmConfig[]): VacmConfig {
  const contexts = new Set<string>();
  const views = new Map<string, VacmViewRow>();
  const out: VacmConfig = { groups: [], access: [], views: [] };
  for (const c of configs) {
    for (const x of c.contexts ?? []) contexts.add(x);
    out.groups.push(...c.groups);
    out.access.push(...c.access);
    for (const v of c.views) views.set(`${v.viewName}\u0000${v.subtree}`, v);
  }
  out.views = [...views.values()];
  if (contexts.size > 0) out.contexts = [...contexts];
  return out;
}
