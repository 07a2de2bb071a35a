/**
 * The seam between the command responder / notification originator and an access control model
 * (RFC 3415 VACM, or the trivial community model in ../agent/community-access-control.ts).
 *
 * RFC 3415 §3.2: statusInformation = isAccessAllowed(securityModel, securityName, securityLevel,
 *   viewType, contextName, variableName)
 * with statusInformation one of accessAllowed, notInView, noSuchView, noSuchContext, noGroupName,
 * noAccessEntry, otherError.
 */
import type { Oid } from '../ber/oid.js';
import type { SecurityLevel } from '../proto/security-model.js';

export type ViewType = 'read' | 'write' | 'notify';

export type AccessStatus =
  | 'accessAllowed'
  | 'notInView'
  | 'noSuchView'
  | 'noSuchContext'
  | 'noGroupName'
  | 'noAccessEntry'
  | 'otherError';

export interface AccessControl {
  isAccessAllowed(
    securityModel: number,
    securityName: string,
    securityLevel: SecurityLevel,
    viewType: ViewType,
    contextName: string,
    oid: Oid,
  ): AccessStatus;
  /**
   * Optional: RFC 3415 §3.2 steps 1-4 resolved once for a request, returning the per-variable check
   * (step 5). Lets a responder check hundreds of varbinds without re-resolving group/access/view each time.
   */
  accessChecker?(
    securityModel: number,
    securityName: string,
    securityLevel: SecurityLevel,
    viewType: ViewType,
    contextName: string,
  ): (oid: Oid) => AccessStatus;
}
