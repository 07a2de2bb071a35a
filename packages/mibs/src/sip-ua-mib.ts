import type { Logger } from '@beckon/ops';
import {
  TableHandler,
  type MibRegistry,
  type Oid,
  type SetTestResult,
  type SetTransaction,
  type SnmpValue,
} from '@beckon/snmp';
import { findByApplIndex, nestedTableSource, sortedSubRows } from './appl-indexed-source.js';
import { COLUMNS, SIP_UA_ENTRIES } from './oids.js';
import { registerOrLog, type Registration } from './registration.js';
import { SIP_ENTITY_ROLES, type SipEntityRole } from './sip-common-sources.js';
import { bits, decodeInetHost, encodeInetHost, int, octets, type InetHost } from './smi-values.js';

/** One server a user agent talks to (sipUACfgServerEntry). */
export interface UaServerInfo {
  /** 1..4294967295, stable. */
  serverIndex: number;
  host: InetHost;
  /** The server's function: registrarServer, proxyServer (outbound proxy)... */
  roles: readonly SipEntityRole[];
}

/** One SIP user agent (device side); same applIndex as its SIP-COMMON-MIB rows. */
export interface SipUaEntity {
  applIndex: number;
  /** Servers sorted by serverIndex. */
  servers(): readonly UaServerInfo[];
  /**
   * Changes the server address in the running configuration (the device re-registers to it) and logs
   * it; false when it cannot be applied. Absent: the address is read-only (RFC 4780 MAX-ACCESS).
   */
  setServerAddress?(serverIndex: number, host: InetHost): boolean;
}

export interface SipUaSources {
  /** User agents sorted by ascending applIndex. */
  userAgents(): readonly SipUaEntity[];
}

export interface SipUaMibInit {
  log: Logger;
}

/**
 * SIP-UA-MIB (RFC 4780 §7.3, mib-2 150): sipUACfgServerTable. RFC 4780 declares the address columns
 * read-only; as an extension for remote provisioning, sipUACfgServerAddressType/Address accept SET when
 * the source has a setter (both may be set in one PDU; a single column is checked against the other's
 * current value).
 */
export function registerSipUaMib(
  registry: MibRegistry,
  sources: SipUaSources,
  init: SipUaMibInit,
): Registration {
  const log = init.log.child({ component: 'mibs.sip-ua' });
  const c = COLUMNS.sipUACfgServerEntry;
  const entry = SIP_UA_ENTRIES.sipUACfgServerEntry;
  const uas = (): readonly SipUaEntity[] => sources.userAgents();
  const source = nestedTableSource(
    uas,
    sortedSubRows((e: SipUaEntity) => e.servers().map((s) => ({ sub: [s.serverIndex], row: s }))),
    {
      [c.sipUACfgServerAddressType]: (s) => int(encodeInetHost(s.host).type),
      [c.sipUACfgServerAddress]: (s) => octets(encodeInetHost(s.host).address),
      [c.sipUACfgServerRole]: (s) =>
        bits(
          s.roles.map((r) => SIP_ENTITY_ROLES.indexOf(r)),
          SIP_ENTITY_ROLES.length,
        ),
    },
  );

  function sibling(tx: SetTransaction, column: number, index: Oid): SnmpValue | undefined {
    for (const vb of tx.varbinds) {
      const o = vb.oid;
      if (o.length !== entry.length + 1 + index.length || o[entry.length] !== column) continue;
      let same = true;
      for (let i = 0; i < entry.length && same; i++) same = o[i] === entry[i];
      for (let i = 0; i < index.length && same; i++) same = o[entry.length + 1 + i] === index[i];
      if (same) return vb.value;
    }
    return undefined;
  }

  function testSet(column: number, index: Oid, value: SnmpValue, tx: SetTransaction): SetTestResult {
    const ua = index.length === 2 ? findByApplIndex(uas(), index[0]!) : undefined;
    const server = ua?.servers().find((s) => s.serverIndex === index[1]);
    if (!ua || !server) return { ok: false, status: 'noCreation' };
    if (column !== c.sipUACfgServerAddressType && column !== c.sipUACfgServerAddress)
      return { ok: false, status: 'notWritable' };
    const setter = ua.setServerAddress?.bind(ua);
    if (!setter) return { ok: false, status: 'notWritable' };
    if (column === c.sipUACfgServerAddressType && value.type !== 'Integer')
      return { ok: false, status: 'wrongType' };
    if (column === c.sipUACfgServerAddress && value.type !== 'OctetString')
      return { ok: false, status: 'wrongType' };
    const cur = encodeInetHost(server.host);
    const t =
      column === c.sipUACfgServerAddressType ? value : sibling(tx, c.sipUACfgServerAddressType, index);
    const a = column === c.sipUACfgServerAddress ? value : sibling(tx, c.sipUACfgServerAddress, index);
    const type = t?.type === 'Integer' ? t.value : cur.type;
    const address = a?.type === 'OctetString' ? a.value : cur.address;
    if (address.length > 255) return { ok: false, status: 'wrongLength' };
    const host = decodeInetHost(type, address);
    if (!host.ok) return { ok: false, status: host.status };
    // one change per row per PDU, whichever of the two varbinds comes first
    const key = `ua:${index.join('.')}`;
    if (tx.scratch.has(key)) return { ok: true, action: { commit: () => true, undo: () => true } };
    tx.scratch.set(key, true);
    const before = server.host;
    const next = host.host;
    return {
      ok: true,
      action: {
        commit: () => {
          const ok = setter(server.serverIndex, next);
          log.info(
            { applIndex: ua.applIndex, serverIndex: server.serverIndex, from: before, to: next, ok },
            'UA server address set',
          );
          return ok;
        },
        undo: () => setter(server.serverIndex, before),
      },
    };
  }

  return registerOrLog(registry, log, [
    [
      entry,
      new TableHandler(entry, [c.sipUACfgServerAddressType, c.sipUACfgServerAddress, c.sipUACfgServerRole], {
        ...source,
        testSet,
      }),
    ],
  ]);
}
