import { loadConfig } from '@beckon/config';
import { runTaskCli, TASK_USAGE } from '@beckon/station';
import { ExitCode } from '../cli-io.js';
import type { Command } from '../command.js';

/**
 * `beckon task create|list|show|retry|recipes`: management tasks (SNMP operations run in a device's
 * call-home session) on a running station, through its REST API (/api/v1/tasks). The arguments are the
 * task service's own (packages/station/src/tasks/cli-task-commands.ts); `--api URL` (or `--station URL`)
 * names the station, default from http.listen of the effective configuration.
 */
export const taskCommand: Command = {
  path: ['task'],
  summary: 'Management tasks on a running station: create, list, show, retry (REST API)',
  description:
    "Creates and follows management tasks: SNMP get/getnext/walk/set run in the device's call-home session\n" +
    '(needs management.callHomeSnmp on the station). --api URL names the station (default from http.listen).\n\n' +
    TASK_USAGE,
  positionals: 'create|list|show|retry|recipes ...',
  arity: [1, Number.MAX_SAFE_INTEGER],
  options: {
    api: { type: 'string', valueName: 'URL', description: 'Base URL of the station REST API.' },
  },
  raw: true,
  async run(args, io) {
    const argv = args.positionals.map((a) => (a === '--api' ? '--station' : a));
    const env = { ...io.env };
    if (!argv.includes('--station') && env['BECKON_STATION_URL'] === undefined) {
      const r = loadConfig({ env: io.env });
      if (r.ok) {
        const l = r.config.http.listen;
        const host = l.host === '0.0.0.0' ? '127.0.0.1' : l.host === '::' ? '::1' : l.host;
        env['BECKON_STATION_URL'] = `http://${host.includes(':') ? `[${host}]` : host}:${l.port}`;
      }
    }
    const r = await runTaskCli(argv, env);
    const text = r.out.endsWith('\n') || r.out === '' ? r.out : `${r.out}\n`;
    if (r.code === ExitCode.usage) io.err(text);
    else io.out(text);
    return r.code;
  },
};
