import type { SnmpConfig } from '@beckon/config';
import {
  communityReadOnlyExample,
  communityReadWriteExample,
  mergeVacmConfigs,
  readOnlyGroupExample,
  readWriteGroupExample,
  ViewBasedAccessControl,
  type AuthProtocolName,
  type UsmUserConfig,
  type VacmConfig,
} from '@beckon/snmp';

/** What the agent needs for access control, derived from `snmp.communities` and `snmp.users`. */
export interface StationSnmpAccess {
  readonly vacm: ViewBasedAccessControl;
  readonly vacmConfig: VacmConfig;
  readonly usmUsers: UsmUserConfig[];
  /** community -> securityName (the community text, RFC 3584 §5.3 without a community table). */
  readonly communities: ReadonlyMap<string, 'read' | 'write'>;
  /** Non-fatal remarks (e.g. a user without authentication gets no access). */
  readonly warnings: string[];
}

const AUTH: Readonly<Record<string, AuthProtocolName>> = {
  none: 'none',
  MD5: 'md5',
  SHA: 'sha',
  'SHA-224': 'sha224',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

/**
 * VACM (RFC 3415) from configuration, using the example groups of @beckon/snmp: v1/v2c communities are
 * read-only unless `access: write`; USM users with `access: read` join the read-only group (authNoPriv or
 * better), `access: write` the read-write group (authPriv required for any access).
 */
export function stationSnmpAccess(
  cfg: SnmpConfig,
): { ok: true; access: StationSnmpAccess } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  const usmUsers: UsmUserConfig[] = [];
  for (const u of cfg.users) {
    const auth = AUTH[u.authProtocol];
    if (!auth) {
      errors.push(`snmp.users ${u.name}: unsupported authProtocol ${u.authProtocol}`);
      continue;
    }
    if (u.privProtocol === 'DES') {
      errors.push(`snmp.users ${u.name}: privProtocol DES is not supported (use AES, RFC 3826)`);
      continue;
    }
    if (auth === 'none') warnings.push(`snmp.users ${u.name}: no authentication, so no access is granted`);
    usmUsers.push({
      name: u.name,
      authProtocol: auth,
      privProtocol: u.privProtocol === 'AES' ? 'aes' : 'none',
      ...(u.authPassword !== undefined ? { authPassword: u.authPassword } : {}),
      ...(u.privPassword !== undefined ? { privPassword: u.privPassword } : {}),
    });
  }
  const readUsers = cfg.users.filter((u) => u.access === 'read').map((u) => u.name);
  const writeUsers = cfg.users.filter((u) => u.access === 'write').map((u) => u.name);
  const communities = new Map<string, 'read' | 'write'>();
  for (const c of cfg.communities) communities.set(c.name, c.access);
  const readCommunities = cfg.communities.filter((c) => c.access === 'read').map((c) => c.name);
  const writeCommunities = cfg.communities.filter((c) => c.access === 'write').map((c) => c.name);
  const parts: VacmConfig[] = [];
  if (readUsers.length) parts.push(readOnlyGroupExample(readUsers));
  if (writeUsers.length) parts.push(readWriteGroupExample(writeUsers));
  if (readCommunities.length) parts.push(communityReadOnlyExample(readCommunities));
  if (writeCommunities.length) parts.push(communityReadWriteExample(writeCommunities));
  const vacmConfig = mergeVacmConfigs({ groups: [], access: [], views: [] }, ...parts);
  const v = ViewBasedAccessControl.create(vacmConfig);
  if (!v.ok) errors.push(...v.errors);
  if (errors.length > 0 || !v.ok) return { ok: false, errors };
  return { ok: true, access: { vacm: v.vacm, vacmConfig, usmUsers, communities, warnings } };
}
