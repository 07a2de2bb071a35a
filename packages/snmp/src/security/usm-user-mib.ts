import type { Oid } from '../ber/oid.js';
import { V, type SnmpValue } from '../ber/snmp-value.js';
import type { MibRegistry, RegisterResult } from '../mib/mib-registry.js';
import { SortedTable } from '../mib/sorted-table.js';
import { sortedTableSource, TableHandler } from '../mib/table-handler.js';
import { AUTH_PROTOCOL_NAMES, authProtocol, type AuthProtocolName } from './auth-protocol.js';
import type { UsmUser, UsmUserTable } from './usm-user-table.js';

/** usmUserEntry (SNMP-USER-BASED-SM-MIB): 1.3.6.1.6.3.15.1.2.2.1. */
export const USM_USER_ENTRY_OID: Oid = [1, 3, 6, 1, 6, 3, 15, 1, 2, 2, 1];

/** snmpPrivProtocols: usmNoPrivProtocol (RFC 3414) and usmAesCfb128Protocol (RFC 3826 §4). */
const PRIV_OID: Readonly<Record<UsmUser['priv'], Oid>> = {
  none: [1, 3, 6, 1, 6, 3, 10, 1, 2, 1],
  aes: [1, 3, 6, 1, 6, 3, 10, 1, 2, 4],
};
/** snmpAuthProtocols values, as sub-identifier arrays. */
function authOid(name: AuthProtocolName): Oid {
  return AUTH_OIDS.get(name) ?? ZERO_DOT_ZERO;
}
const AUTH_OIDS: ReadonlyMap<AuthProtocolName, Oid> = new Map(
  AUTH_PROTOCOL_NAMES.map((n): [AuthProtocolName, Oid] => [n, authProtocol(n).oid.split('.').map(Number)]),
);
const ZERO_DOT_ZERO: Oid = [0, 0];
const EMPTY = Buffer.alloc(0);
/** StorageType readOnly(5): rows come from configuration and cannot be changed over SNMP. */
const STORAGE_READ_ONLY = 5;
/** RowStatus active(1). */
const ROW_ACTIVE = 1;

/** INDEX { usmUserEngineID, usmUserName }: two OCTET STRINGs, each length-prefixed (RFC 2578 §7.7). */
function rowIndex(engineId: Buffer, name: Buffer): Oid {
  return [engineId.length, ...engineId, name.length, ...name];
}

/**
 * Registers a read-only usmUserTable built from the configured users: usmUserSecurityName (3),
 * usmUserCloneFrom (4, zeroDotZero), usmUserAuthProtocol (5), the KeyChange columns (6, 7, 9, 10: "When
 * this object is read, the zero-length (empty) string is returned"), usmUserPrivProtocol (8),
 * usmUserPublic (11, empty), usmUserStorageType (12, readOnly) and usmUserStatus (13, active).
 * Users without an engine ID are listed under `localEngineId`. Keys are never exposed.
 */
export function registerUsmUserMib(
  registry: MibRegistry,
  users: UsmUserTable,
  localEngineId: Buffer,
): RegisterResult {
  const table = new SortedTable<UsmUser>();
  for (const u of users.list()) table.set(rowIndex(u.engineId ?? localEngineId, u.nameOctets), u);
  const columns: Record<number, (u: UsmUser) => SnmpValue> = {
    3: (u) => V.str(u.nameOctets),
    4: () => V.oid(ZERO_DOT_ZERO),
    5: (u) => V.oid(authOid(u.auth.name)),
    6: () => V.str(EMPTY),
    7: () => V.str(EMPTY),
    8: (u) => V.oid(PRIV_OID[u.priv]),
    9: () => V.str(EMPTY),
    10: () => V.str(EMPTY),
    11: () => V.str(EMPTY),
    12: () => V.int(STORAGE_READ_ONLY),
    13: () => V.int(ROW_ACTIVE),
  };
  const handler = new TableHandler(
    USM_USER_ENTRY_OID,
    Object.keys(columns).map(Number),
    sortedTableSource(table, columns),
  );
  return registry.register(USM_USER_ENTRY_OID, handler);
}
