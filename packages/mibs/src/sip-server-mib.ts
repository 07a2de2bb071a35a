import type { Logger, MetricsRegistry } from '@beckon/ops';
import { TableHandler, type MibHandler, type MibRegistry, type Oid, type TableSource } from '@beckon/snmp';
import { applRowSource, nestedTableSource, type SubRows } from './appl-indexed-source.js';
import { COLUMNS, SIP_SERVER_ENTRIES } from './oids.js';
import { registerOrLog, type Registration } from './registration.js';
import {
  PROXY_AUTH_METHODS,
  PROXY_STATEFULNESS,
  type RegisteredContact,
  type RegisteredUser,
  type SipServerEntity,
  type SipServerSources,
} from './sip-server-sources.js';
import { SipMetricReader, type SipMetricNames } from './sip-metric-reader.js';
import {
  bits,
  counter32,
  dateAndTime,
  encodeInetHost,
  gauge32,
  int,
  octets,
  str,
  timeStamp,
  truthValue,
  unsigned32,
} from './smi-values.js';

export interface SipServerMibInit {
  log: Logger;
  metricNames?: Partial<SipMetricNames>;
}

/** sipServerRegUserTable rows below one server: sub-index [userIndex]. */
const userRows: SubRows<SipServerEntity, RegisteredUser> = {
  get(e, sub) {
    return e.registrar && sub.length === 1 ? e.registrar.getUser(sub[0]!) : undefined;
  },
  next(e, after) {
    const u = e.registrar?.userAfter(after?.[0]);
    return u ? { sub: [u.userIndex], row: u } : undefined;
  },
};

/** sipServerRegContactTable rows below one server: sub-index [userIndex, contactIndex]. */
const contactRows: SubRows<SipServerEntity, RegisteredContact> = {
  get(e, sub) {
    return e.registrar && sub.length === 2 ? e.registrar.getContact(sub[0]!, sub[1]!) : undefined;
  },
  next(e, after) {
    // [u] -> first contact of u or later; [u, c, ...] -> first contact after (u, c)
    const c = e.registrar?.contactAfter(after?.[0], after?.[1]);
    return c ? { sub: [c.userIndex, c.contactIndex], row: c } : undefined;
  },
};

/**
 * SIP-SERVER-MIB (RFC 4780 §7.4, mib-2 151): server, proxy and registrar configuration and statistics,
 * and the registered users / contacts tables walked live from the location service.
 */
export function registerSipServerMib(
  registry: MibRegistry,
  sources: SipServerSources,
  init: SipServerMibInit,
): Registration {
  const log = init.log.child({ component: 'mibs.sip-server' });
  const servers = (): readonly SipServerEntity[] => sources.servers();
  const readers = new WeakMap<MetricsRegistry, SipMetricReader>();
  const reader = (e: SipServerEntity): SipMetricReader => {
    let r = readers.get(e.metrics);
    if (!r) {
      r = new SipMetricReader(e.metrics, init.metricNames);
      readers.set(e.metrics, r);
    }
    return r;
  };
  const handlers: [Oid, MibHandler][] = [];
  const add = (entry: Oid, columns: readonly number[], source: TableSource): void => {
    handlers.push([entry, new TableHandler(entry, columns, source)]);
  };

  // sipServerCfgTable
  const cfg = COLUMNS.sipServerCfgEntry;
  add(
    SIP_SERVER_ENTRIES.sipServerCfgEntry,
    Object.values(cfg),
    applRowSource(servers, {
      [cfg.sipServerCfgHostAddressType]: (e) => int(encodeInetHost(e.hostAddress()).type),
      [cfg.sipServerCfgHostAddress]: (e) => octets(encodeInetHost(e.hostAddress()).address),
    }),
  );

  // sipServerProxyCfgTable / sipServerProxyStatsTable: rows for servers with a proxy
  const pc = COLUMNS.sipServerProxyCfgEntry;
  const proxy = <T>(f: (p: NonNullable<SipServerEntity['proxy']>, e: SipServerEntity) => T | undefined) => {
    return (e: SipServerEntity): T | undefined => (e.proxy ? f(e.proxy, e) : undefined);
  };
  add(
    SIP_SERVER_ENTRIES.sipServerProxyCfgEntry,
    Object.values(pc),
    applRowSource(servers, {
      [pc.sipServerCfgProxyStatefulness]: proxy((p) => int(PROXY_STATEFULNESS.indexOf(p.statefulness()) + 1)),
      [pc.sipServerCfgProxyRecursion]: proxy((p) => truthValue(p.recursion())),
      [pc.sipServerCfgProxyRecordRoute]: proxy((p) => truthValue(p.recordRoute())),
      [pc.sipServerCfgProxyAuthMethod]: proxy((p) =>
        bits(
          p.authMethods().map((m) => PROXY_AUTH_METHODS.indexOf(m)),
          PROXY_AUTH_METHODS.length,
        ),
      ),
      [pc.sipServerCfgProxyAuthDefaultRealm]: proxy((p) => str(p.authDefaultRealm())),
    }),
  );
  const ps = COLUMNS.sipServerProxyStatsEntry;
  add(
    SIP_SERVER_ENTRIES.sipServerProxyStatsEntry,
    Object.values(ps),
    applRowSource(servers, {
      // "the number of occurrences of unsupported options being specified in received Proxy-Require
      // headers. Such occurrences result in a 420 Bad Extension status code being returned."
      [ps.sipServerProxyStatProxyReqFailures]: proxy((_p, e) =>
        counter32(reader(e).total(reader(e).names.proxyRequireFailures)),
      ),
      [ps.sipServerProxyStatsDisconTime]: proxy((_p, e) => timeStamp(e.countersDisconTime())),
    }),
  );

  // Registrar tables: rows for servers with a registrar
  const registrar = <T>(
    f: (r: NonNullable<SipServerEntity['registrar']>, e: SipServerEntity) => T | undefined,
  ) => {
    return (e: SipServerEntity): T | undefined => (e.registrar ? f(e.registrar, e) : undefined);
  };
  const rc = COLUMNS.sipServerRegCfgEntry;
  add(
    SIP_SERVER_ENTRIES.sipServerRegCfgEntry,
    Object.values(rc),
    applRowSource(servers, {
      [rc.sipServerRegMaxContactExpiryDuration]: registrar((r) => unsigned32(r.maxContactExpiryDuration())),
      [rc.sipServerRegMaxUsers]: registrar((r) => unsigned32(r.maxUsers())),
      [rc.sipServerRegCurrentUsers]: registrar((r) => gauge32(r.currentUsers())),
      [rc.sipServerRegDfltRegActiveInterval]: registrar((r) => unsigned32(r.defaultRegActiveInterval())),
    }),
  );
  const ru = COLUMNS.sipServerRegUserEntry;
  add(
    SIP_SERVER_ENTRIES.sipServerRegUserEntry,
    [ru.sipServerRegUserUri, ru.sipServerRegUserAuthenticationFailures, ru.sipServerRegUserDisconTime],
    nestedTableSource(servers, userRows, {
      [ru.sipServerRegUserUri]: (u) => str(u.uri),
      [ru.sipServerRegUserAuthenticationFailures]: (u) => counter32(u.authenticationFailures),
      [ru.sipServerRegUserDisconTime]: (u, e) => timeStamp(u.disconTime ?? e.countersDisconTime()),
    }),
  );
  const ct = COLUMNS.sipServerRegContactEntry;
  add(
    SIP_SERVER_ENTRIES.sipServerRegContactEntry,
    [
      ct.sipServerRegContactDisplayName,
      ct.sipServerRegContactURI,
      ct.sipServerRegContactLastUpdated,
      ct.sipServerRegContactExpiry,
      ct.sipServerRegContactPreference,
    ],
    nestedTableSource(servers, contactRows, {
      [ct.sipServerRegContactDisplayName]: (c) => str(c.displayName),
      [ct.sipServerRegContactURI]: (c) => str(c.uri),
      [ct.sipServerRegContactLastUpdated]: (c) => timeStamp(c.lastUpdated),
      [ct.sipServerRegContactExpiry]: (c) => dateAndTime(c.expiresAt),
      [ct.sipServerRegContactPreference]: (c) => str(c.preference),
    }),
  );
  const rs = COLUMNS.sipServerRegStatsEntry;
  add(
    SIP_SERVER_ENTRIES.sipServerRegStatsEntry,
    Object.values(rs),
    applRowSource(servers, {
      // "the number of REGISTER requests that have been accepted (status code 200) by the Registrar"
      [rs.sipServerRegStatsAcceptedRegs]: registrar((_r, e) =>
        counter32(reader(e).total(reader(e).names.registrarAccepted)),
      ),
      [rs.sipServerRegStatsRejectedRegs]: registrar((_r, e) =>
        counter32(reader(e).total(reader(e).names.registrarRejected)),
      ),
      [rs.sipServerRegStatsDisconTime]: registrar((_r, e) => timeStamp(e.countersDisconTime())),
    }),
  );

  return registerOrLog(registry, log, handlers);
}
