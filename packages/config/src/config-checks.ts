import type { BeckonConfig } from './schema/root.js';
import type { ConfigError } from './config-error.js';

/** A rule across several settings that a JSON Schema cannot express readably. */
export type ConfigCheck = (config: BeckonConfig) => ConfigError[];

const sipListeners: ConfigCheck = (c) => {
  const errors: ConfigError[] = [];
  const seen = new Set<string>();
  c.sip.listen.forEach((l, i) => {
    if (l.transport === 'tls' && !l.tls)
      errors.push({ path: `sip.listen[${i}].tls`, message: 'is required when transport is tls' });
    if (l.transport !== 'tls' && l.tls)
      errors.push({
        path: `sip.listen[${i}].tls`,
        message: `only applies to transport tls, not ${l.transport}`,
      });
    const key = `${l.transport} ${l.host} ${l.port}`;
    if (l.port !== 0 && seen.has(key))
      errors.push({
        path: `sip.listen[${i}]`,
        message: `duplicate listener ${l.transport} ${l.host}:${l.port}`,
      });
    seen.add(key);
  });
  if (c.sip.t1Ms > c.sip.t2Ms)
    errors.push({ path: 'sip.t1Ms', message: `must be <= sip.t2Ms (${c.sip.t2Ms})` });
  return errors;
};

const authUsers: ConfigCheck = (c) => {
  const errors: ConfigError[] = [];
  const seen = new Set<string>();
  c.auth.users.forEach((u, i) => {
    if (u.password === undefined && u.ha1 === undefined)
      errors.push({ path: `auth.users[${i}]`, message: 'needs a password or an ha1' });
    if (seen.has(u.username))
      errors.push({
        path: `auth.users[${i}].username`,
        message: `duplicate user ${JSON.stringify(u.username)}`,
      });
    seen.add(u.username);
  });
  return errors;
};

const registrarExpires: ConfigCheck = (c) => {
  const r = c.registrar;
  const errors: ConfigError[] = [];
  if (r.minExpires > r.maxExpires)
    errors.push({
      path: 'registrar.minExpires',
      message: `must be <= registrar.maxExpires (${r.maxExpires})`,
    });
  if (r.defaultExpires < r.minExpires || r.defaultExpires > r.maxExpires)
    errors.push({
      path: 'registrar.defaultExpires',
      message: `must lie between registrar.minExpires (${r.minExpires}) and registrar.maxExpires (${r.maxExpires})`,
    });
  if (!r.instrumentIdentification.digestUsername && !r.instrumentIdentification.sipInstance)
    errors.push({ path: 'registrar.instrumentIdentification', message: 'enable at least one method' });
  return errors;
};

const storageDriver: ConfigCheck = (c) =>
  c.storage.driver === 'postgres' && !c.storage.postgresUrl
    ? [{ path: 'storage.postgresUrl', message: 'is required when storage.driver is postgres' }]
    : [];

const snmpSecurity: ConfigCheck = (c) => {
  const errors: ConfigError[] = [];
  const names = new Set<string>();
  c.snmp.users.forEach((u, i) => {
    const p = `snmp.users[${i}]`;
    if (names.has(u.name))
      errors.push({ path: `${p}.name`, message: `duplicate user ${JSON.stringify(u.name)}` });
    names.add(u.name);
    if (u.authProtocol !== 'none' && !u.authPassword)
      errors.push({
        path: `${p}.authPassword`,
        message: `is required when authProtocol is ${u.authProtocol}`,
      });
    // RFC 3414 §3.1.2: privacy without authentication (noAuthPriv) is not a valid security level.
    if (u.authProtocol === 'none' && u.privProtocol !== 'none')
      errors.push({
        path: `${p}.privProtocol`,
        message: 'must be none when authProtocol is none (RFC 3414 §3.1.2)',
      });
    if (u.privProtocol !== 'none' && !u.privPassword)
      errors.push({
        path: `${p}.privPassword`,
        message: `is required when privProtocol is ${u.privProtocol}`,
      });
  });
  c.snmp.trapTargets.forEach((t, i) => {
    const p = `snmp.trapTargets[${i}]`;
    if (t.version === 'v2c' && !t.community)
      errors.push({ path: `${p}.community`, message: 'is required for version v2c' });
    if (t.version === 'v3') {
      if (!t.user) errors.push({ path: `${p}.user`, message: 'is required for version v3' });
      else if (!names.has(t.user))
        errors.push({ path: `${p}.user`, message: `no such user in snmp.users: ${t.user}` });
    }
  });
  return errors;
};

/** Every cross-field rule; a new section appends its own. */
export const configChecks: readonly ConfigCheck[] = [
  sipListeners,
  authUsers,
  registrarExpires,
  storageDriver,
  snmpSecurity,
];

export function runConfigChecks(
  config: BeckonConfig,
  checks: readonly ConfigCheck[] = configChecks,
): ConfigError[] {
  return checks.flatMap((check) => check(config));
}
