import type { BeckonConfig } from '@beckon/config';
import type { Command } from '../command.js';
import { untilAborted, type RoleRunner } from './run-components.js';
import { runOptions, runRole } from './run-role.js';

function bracket(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** The human summary the demo prints: what runs where, from the effective configuration. */
export function demoSummary(config: BeckonConfig): string {
  const sip = config.sip.listen.map((l) => {
    const scheme = l.transport === 'tls' ? 'sips' : 'sip';
    return `${scheme}:${config.sip.domain}  on ${l.transport} ${bracket(l.host)}:${l.port}`;
  });
  const http = `http://${bracket(config.http.listen.host)}:${config.http.listen.port}`;
  const snmp = config.snmp.listen.map((l) => `${l.transport}:${bracket(l.host)}:${l.port}`);
  const communities = config.snmp.communities.map((c) => `${c.name} (${c.access})`).join(', ') || 'none';
  const storage =
    config.storage.driver === 'sqlite'
      ? `sqlite ${config.storage.sqlitePath}`
      : 'postgres (storage.postgresUrl)';
  const row = (k: string, v: string) => `  ${k.padEnd(14)}${v}`;
  const lines = [
    'Beckon demo: station and simulated devices on loopback (effective configuration below)',
    '',
    ...sip.map((s, i) => row(i === 0 ? 'SIP' : '', s)),
    row(
      'Registrar',
      `expires ${config.registrar.minExpires}..${config.registrar.maxExpires} s, instruments sip:${config.registrar.instrumentPrefix}<id>@${config.sip.domain}`,
    ),
    row(
      'Digest',
      `${config.auth.algorithms.join(', ')}; realm ${config.auth.realm || config.sip.domain}; ${config.auth.users.length} user(s)`,
    ),
    ...snmp.map((s, i) =>
      row(
        i === 0 ? 'SNMP agent' : '',
        `${s}  communities: ${communities}; ${config.snmp.users.length} USM user(s)`,
      ),
    ),
    row('Web UI', `${http}/`),
    row('REST API', `${http}/api/`),
    row('Metrics', `${http}/metrics`),
    row(
      'Call home',
      `${bracket(config.management.callHomeListen.host)}:${config.management.callHomeListen.port} (NOTIFY at most every ${config.management.notifyMinIntervalSec} s per device)`,
    ),
    row('Storage', storage),
    '',
    'These are the addresses the station serves with this configuration. The demo starts the station and the',
    'device simulator here once they are wired in; for now it shows the configuration and waits.',
    '',
    'Press Ctrl-C to stop.',
    '',
  ];
  return lines.join('\n');
}

const runDemo: RoleRunner = async (_config, components) => {
  const { signal } = components;
  const log = components.log.child({ component: 'demo' });
  log.info('demo running (station and device simulator not wired in yet)');
  await untilAborted(signal);
  log.info('demo stopped');
};

export const demoCommand: Command = {
  path: ['demo'],
  summary: 'Run a self-contained demo on this machine',
  description:
    'Runs a station and simulated devices on loopback with the built-in defaults (override with --config/--set)\n' +
    'and prints where everything is served. Runs until Ctrl-C, or for --duration seconds.',
  positionals: '',
  arity: [0, 0],
  options: runOptions,
  run: (args, io) =>
    runRole(args, io, {
      role: 'demo',
      runner: runDemo,
      beforeRun: (config) => io.out(demoSummary(config)),
    }),
};
