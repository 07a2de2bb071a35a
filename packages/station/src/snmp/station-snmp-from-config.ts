import { dirname, join } from 'node:path';
import type { BeckonConfig } from '@beckon/config';
import { StationSnmp, type StationSnmpComponents, type StationSnmpOptions } from './station-snmp.js';

/** File name of the persisted snmpEngineID / snmpEngineBoots, next to the SQLite database. */
export const SNMP_ENGINE_STATE_FILE = 'snmp-engine.json';

/**
 * The station's StationSnmp from the whole configuration: `snmp` for the agent, `sip` and `registrar`
 * for what SIP-COMMON-MIB / SIP-SERVER-MIB show, and the folder of `storage.sqlitePath` (the station's
 * data folder) for the engine state file. With `:memory:` or PostgreSQL storage and no `stateDir`, the
 * engine state is not persisted (snmpEngineBoots stays 1: pass `stateDir` to keep it).
 */
export function stationSnmpFromConfig(
  components: StationSnmpComponents,
  config: BeckonConfig,
  extra: {
    stateDir?: string;
    authenticate?: boolean;
    recordRoute?: boolean;
    supported?: readonly string[];
    thresholdPollMs?: number;
    version?: string;
  } = {},
): StationSnmp {
  const s = config.storage;
  const stateDir =
    extra.stateDir ??
    (s.driver === 'sqlite' && s.sqlitePath !== ':memory:' ? dirname(s.sqlitePath) : undefined);
  const options: StationSnmpOptions = {
    ...(stateDir !== undefined ? { stateFile: join(stateDir, SNMP_ENGINE_STATE_FILE) } : {}),
    sip: {
      domain: config.sip.domain,
      t1Ms: config.sip.t1Ms,
      t2Ms: config.sip.t2Ms,
      t4Ms: config.sip.t4Ms,
      authenticate: extra.authenticate ?? true,
      realm: config.auth.realm || config.sip.domain,
      recordRoute: extra.recordRoute ?? false,
      ...(extra.supported ? { supported: extra.supported } : {}),
    },
    registrar: { maxExpires: config.registrar.maxExpires, defaultExpires: config.registrar.defaultExpires },
    ...(extra.thresholdPollMs !== undefined ? { thresholdPollMs: extra.thresholdPollMs } : {}),
    ...(extra.version !== undefined ? { version: extra.version } : {}),
  };
  return new StationSnmp(components, config.snmp, options);
}
