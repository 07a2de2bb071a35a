import { isOidPrefix, type Oid } from '../ber/oid.js';
import type { AccessControl, AccessStatus, ViewType } from '../acm/access-control.js';
import { SecurityModelId, type SecurityLevel } from '../proto/security-model.js';

export interface CommunityEntry {
  community: string;
  /** Defaults to the community string. */
  securityName?: string;
  /** Default 'read-only'. */
  access?: 'read-only' | 'read-write';
  /** OID prefixes visible to this community; default: everything. */
  view?: Oid[];
}

/**
 * The trivial community-based model for SNMPv1/v2c (RFC 3584 §5 in spirit): a community maps to a
 * securityName, read-only unless configured read-write, optionally restricted to OID subtrees.
 */
export class CommunityAccessControl implements AccessControl {
  private readonly byCommunity = new Map<string, CommunityEntry>();
  private readonly byName = new Map<string, CommunityEntry>();

  constructor(entries: readonly CommunityEntry[]) {
    for (const e of entries) {
      this.byCommunity.set(e.community, e);
      this.byName.set(e.securityName ?? e.community, e);
    }
  }

  /** community -> securityName (undefined: unknown community, snmpInBadCommunityNames). */
  resolve(community: Buffer): string | undefined {
    const e = this.byCommunity.get(community.toString('latin1'));
    return e ? (e.securityName ?? e.community) : undefined;
  }

  isAccessAllowed(
    securityModel: number,
    securityName: string,
    _securityLevel: SecurityLevel,
    viewType: ViewType,
    _contextName: string,
    oid: Oid,
  ): AccessStatus {
    if (securityModel !== SecurityModelId.v1 && securityModel !== SecurityModelId.v2c) return 'noGroupName';
    const e = this.byName.get(securityName);
    if (!e) return 'noGroupName';
    if (viewType === 'write' && (e.access ?? 'read-only') !== 'read-write') return 'notInView';
    if (e.view && !e.view.some((p) => isOidPrefix(p, oid))) return 'notInView';
    return 'accessAllowed';
  }
}
