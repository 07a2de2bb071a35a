import {
  ALL_ENTRIES,
  APPLICATION_MIB,
  COLUMNS,
  SIP_COMMON_MIB,
  SIP_COMMON_NOTIF_OBJECTS,
  SIP_SERVER_MIB,
  SIP_UA_MIB,
} from '@beckon/mibs';
import { formatOid, parseOid, type Oid } from '@beckon/snmp';

/**
 * How a SET value is typed for an object (from its SYNTAX in the MIB module). Objects not listed need an
 * explicit type in the operator's input (`name:s=value`, Net-SNMP letters).
 */
export type ObjectSyntax =
  | 'DisplayString'
  | 'OctetString'
  | 'Integer'
  | 'Unsigned32'
  | 'TimeTicks'
  | 'ObjectIdentifier'
  | 'InetAddressType'
  | 'InetAddress'
  | 'TruthValue';

const MIB_2: Oid = [1, 3, 6, 1, 2, 1];
const SYSTEM: Oid = [...MIB_2, 1];

/** SNMPv2-MIB (RFC 3418 §2) system group and sysORTable. */
const SNMPV2_SYSTEM: readonly [string, Oid, ObjectSyntax?][] = [
  ['system', SYSTEM],
  ['sysDescr', [...SYSTEM, 1], 'DisplayString'],
  ['sysObjectID', [...SYSTEM, 2], 'ObjectIdentifier'],
  ['sysUpTime', [...SYSTEM, 3], 'TimeTicks'],
  ['sysContact', [...SYSTEM, 4], 'DisplayString'],
  ['sysName', [...SYSTEM, 5], 'DisplayString'],
  ['sysLocation', [...SYSTEM, 6], 'DisplayString'],
  ['sysServices', [...SYSTEM, 7], 'Integer'],
  ['sysORLastChange', [...SYSTEM, 8], 'TimeTicks'],
  ['sysORTable', [...SYSTEM, 9]],
  ['sysOREntry', [...SYSTEM, 9, 1]],
  ['sysORID', [...SYSTEM, 9, 1, 2], 'ObjectIdentifier'],
  ['sysORDescr', [...SYSTEM, 9, 1, 3], 'DisplayString'],
  ['sysORUpTime', [...SYSTEM, 9, 1, 4], 'TimeTicks'],
  // SNMP-FRAMEWORK-MIB snmpEngine (RFC 3411)
  ['snmpEngine', [1, 3, 6, 1, 6, 3, 10, 2, 1]],
  ['snmpEngineID', [1, 3, 6, 1, 6, 3, 10, 2, 1, 1], 'OctetString'],
  ['snmpEngineBoots', [1, 3, 6, 1, 6, 3, 10, 2, 1, 2], 'Integer'],
  ['snmpEngineTime', [1, 3, 6, 1, 6, 3, 10, 2, 1, 3], 'Integer'],
  ['snmpEngineMaxMessageSize', [1, 3, 6, 1, 6, 3, 10, 2, 1, 4], 'Integer'],
];

/** SYNTAX of the columns an operator may want to SET or read typed (RFC 4780, RFC 2788). */
const COLUMN_SYNTAX: Readonly<Record<string, ObjectSyntax>> = {
  sipUACfgServerAddressType: 'InetAddressType',
  sipUACfgServerAddress: 'InetAddress',
  sipServerCfgHostAddressType: 'InetAddressType',
  sipServerCfgHostAddress: 'InetAddress',
  sipCommonCfgProtocolVersion: 'DisplayString',
  sipCommonCfgOrganization: 'DisplayString',
  sipCommonCfgMaxTransactions: 'Unsigned32',
  sipCommonStatusCodeNotifSend: 'TruthValue',
  sipCommonStatusCodeNotifThresh: 'Unsigned32',
  sipCommonStatusCodeNotifInterval: 'Unsigned32',
  sipCommonStatusCodeRowStatus: 'Integer',
  sipServerCfgProxyAuthDefaultRealm: 'DisplayString',
  applName: 'DisplayString',
  applDescription: 'DisplayString',
  applVersion: 'DisplayString',
};

export interface NamedObject {
  readonly name: string;
  readonly oid: Oid;
  readonly syntax?: ObjectSyntax;
}

export type ResolvedOid =
  { ok: true; oid: Oid; object?: NamedObject; suffix: Oid } | { ok: false; error: string };

/**
 * Object names Beckon knows: SNMPv2-MIB system group, snmpEngine, and every table, entry and column of
 * the SIP MIB modules in @beckon/mibs (RFC 4780) and applTable (RFC 2788). Resolves `sysDescr.0`,
 * `sipUACfgServerAddress.2.1`, `sipUAMIB` or a numeric OID; names OIDs back (longest known prefix).
 */
export class OidNameTable {
  private readonly byName = new Map<string, NamedObject>();
  private readonly byOid = new Map<string, NamedObject>();

  constructor(extra: readonly NamedObject[] = []) {
    for (const [name, oid, syntax] of SNMPV2_SYSTEM) this.add({ name, oid, ...(syntax ? { syntax } : {}) });
    this.add({ name: 'sipCommonMIB', oid: SIP_COMMON_MIB });
    this.add({ name: 'sipUAMIB', oid: SIP_UA_MIB });
    this.add({ name: 'sipServerMIB', oid: SIP_SERVER_MIB });
    this.add({ name: 'application', oid: APPLICATION_MIB });
    for (const [entryName, entry] of Object.entries(ALL_ENTRIES) as [keyof typeof COLUMNS, Oid][]) {
      this.add({ name: entryName, oid: entry });
      this.add({ name: entryName.replace(/Entry$/, 'Table'), oid: entry.slice(0, -1) });
      for (const [col, arc] of Object.entries(COLUMNS[entryName]) as [string, number][]) {
        const syntax = COLUMN_SYNTAX[col];
        this.add({ name: col, oid: [...entry, arc], ...(syntax ? { syntax } : {}) });
      }
    }
    for (const [name, oid] of Object.entries(SIP_COMMON_NOTIF_OBJECTS)) this.add({ name, oid });
    for (const o of extra) this.add(o);
  }

  private add(o: NamedObject): void {
    this.byName.set(o.name.toLowerCase(), o);
    const key = formatOid(o.oid);
    if (!this.byOid.has(key)) this.byOid.set(key, o);
  }

  /** A known object by exact name (case-insensitive). */
  object(name: string): NamedObject | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** `name[.index]` or a numeric OID (leading dot allowed). */
  resolve(text: string): ResolvedOid {
    const t = text.trim();
    if (t.length === 0) return { ok: false, error: 'empty OID' };
    if (/^\.?[0-9]/.test(t)) {
      const p = parseOid(t.startsWith('.') ? t.slice(1) : t);
      if (!p.ok) return { ok: false, error: `bad OID ${t}: ${p.error}` };
      const named = this.lookup(p.oid);
      return {
        ok: true,
        oid: p.oid,
        suffix: named?.suffix ?? [],
        ...(named ? { object: named.object } : {}),
      };
    }
    const dot = t.indexOf('.');
    const name = dot < 0 ? t : t.slice(0, dot);
    const object = this.byName.get(name.toLowerCase());
    if (!object) return { ok: false, error: `unknown object name ${name}` };
    let suffix: Oid = [];
    if (dot >= 0) {
      const p = parseOid(`1.3.${t.slice(dot + 1)}`);
      if (!p.ok) return { ok: false, error: `bad index in ${t}` };
      suffix = p.oid.slice(2);
    }
    return { ok: true, oid: [...object.oid, ...suffix], object, suffix };
  }

  /** The known object that is the longest prefix of `oid`, and the rest (the instance index). */
  lookup(oid: Oid): { object: NamedObject; suffix: Oid } | undefined {
    for (let n = oid.length; n > 0; n--) {
      const o = this.byOid.get(formatOid(oid.slice(0, n)));
      if (o) return { object: o, suffix: oid.slice(n) };
    }
    return undefined;
  }

  /** `sysDescr.0`, `sipUACfgServerAddress.2.1`, or the numeric text when nothing is known. */
  name(oid: Oid): string {
    const l = this.lookup(oid);
    if (!l) return formatOid(oid);
    return l.suffix.length === 0 ? l.object.name : `${l.object.name}.${formatOid(l.suffix)}`;
  }
}
