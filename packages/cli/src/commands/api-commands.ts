import { ExitCode, type CliIo } from '../cli-io.js';
import type { Command, OptionSpec, ParsedArgs } from '../command.js';
import { ApiClient, apiBase, apiOptions, table, type ApiResult } from './api-client.js';
import { stringOption } from './config-options.js';

/** Runs `fn` with a client for the station's API; API failures print one line and exit 1. */
async function withApi(
  args: ParsedArgs,
  io: CliIo,
  name: string,
  fn: (api: ApiClient, json: boolean) => Promise<number>,
): Promise<number> {
  const b = apiBase(args, io);
  if (!b.ok) {
    io.err(`beckon ${name}: ${b.error}\n`);
    return ExitCode.usage;
  }
  return fn(new ApiClient(b.base), args.values['json'] === true);
}

function failed(io: CliIo, name: string, r: ApiResult<unknown> & { ok: false }): number {
  io.err(`beckon ${name}: ${r.error}${r.field ? ` (${r.field})` : ''}\n`);
  return ExitCode.failure;
}

function printJson(io: CliIo, v: unknown): void {
  io.out(`${JSON.stringify(v, null, 2)}\n`);
}

// ---------------------------------------------------------------- instruments / bindings / counters

interface BindingView {
  aor: string;
  contact: string;
  instrument?: string;
  instance?: string;
  expiresInSec: number;
  transport?: string;
  source?: string;
}

function bindingRows(list: readonly BindingView[]): string[][] {
  return list.map((b) => [
    b.aor,
    b.instrument ?? '-',
    b.contact,
    `${b.expiresInSec}s`,
    b.source ? `${b.transport ?? ''} ${b.source}` : '-',
  ]);
}

export const instrumentsCommand: Command = {
  path: ['instruments'],
  summary: 'List instruments and their lines (REST API of a running station)',
  description:
    'Lists the instruments the registrar identified (seed 002) with their line AORs, or with --instrument ID\n' +
    'one instrument with the contacts of each line. Talks to a running station (GET /api/v1/instruments).',
  positionals: '',
  arity: [0, 0],
  options: {
    instrument: { type: 'string', valueName: 'ID', description: 'One instrument (MAC, URN or token).' },
    ...apiOptions,
  },
  run: (args, io) =>
    withApi(args, io, 'instruments', async (api, json) => {
      const id = stringOption(args, 'instrument');
      if (id !== undefined) {
        const r = await api.get<{ instrument: string; lines: { aor: string; contacts: BindingView[] }[] }>(
          `/api/v1/instruments/${encodeURIComponent(id)}`,
        );
        if (!r.ok) return failed(io, 'instruments', r);
        if (json) printJson(io, r.body);
        else {
          io.out(`instrument ${r.body.instrument}: ${r.body.lines.length} line(s)\n`);
          io.out(
            table(
              ['AOR', 'INSTRUMENT', 'CONTACT', 'EXPIRES', 'SOURCE'],
              bindingRows(r.body.lines.flatMap((l) => l.contacts)),
            ),
          );
        }
        return ExitCode.ok;
      }
      const r = await api.get<{ count: number; instruments: { instrument: string; lines: string[] }[] }>(
        '/api/v1/instruments',
      );
      if (!r.ok) return failed(io, 'instruments', r);
      if (json) printJson(io, r.body);
      else {
        io.out(
          table(
            ['INSTRUMENT', 'LINES'],
            r.body.instruments.map((i) => [i.instrument, i.lines.join(' ')]),
          ),
        );
        io.out(`${r.body.count} instrument(s)\n`);
      }
      return ExitCode.ok;
    }),
};

export const bindingsCommand: Command = {
  path: ['bindings'],
  summary: 'List registrar bindings (REST API of a running station)',
  description:
    'Lists the registrar bindings (AOR, instrument, contact, expiry, source), all of them or those of --aor A\n' +
    'or --instrument ID. Talks to a running station (GET /api/v1/bindings).',
  positionals: '',
  arity: [0, 0],
  options: {
    aor: { type: 'string', valueName: 'AOR', description: 'Only this address of record (sip:user@domain).' },
    instrument: { type: 'string', valueName: 'ID', description: 'Only the bindings of this instrument.' },
    limit: { type: 'string', valueName: 'N', description: 'At most N bindings (default 500).' },
    ...apiOptions,
  },
  run: (args, io) =>
    withApi(args, io, 'bindings', async (api, json) => {
      const r = await api.get<{ count: number; bindings: BindingView[] }>('/api/v1/bindings', {
        aor: stringOption(args, 'aor'),
        instrument: stringOption(args, 'instrument'),
        limit: stringOption(args, 'limit'),
      });
      if (!r.ok) return failed(io, 'bindings', r);
      if (json) printJson(io, r.body);
      else {
        io.out(table(['AOR', 'INSTRUMENT', 'CONTACT', 'EXPIRES', 'SOURCE'], bindingRows(r.body.bindings)));
        io.out(`${r.body.count} binding(s)\n`);
      }
      return ExitCode.ok;
    }),
};

type CountersBody = Record<
  string,
  { kind: string; help: string; samples: { labels: Record<string, string>; value: number }[] }
>;

export const countersCommand: Command = {
  path: ['counters'],
  summary: 'Show the station counters and gauges (REST API of a running station)',
  description:
    'Prints every counter and gauge of a running station, one sample per line (GET /api/v1/counters);\n' +
    '--match TEXT keeps the metrics whose name contains TEXT. Zero samples are hidden unless --all.',
  positionals: '',
  arity: [0, 0],
  options: {
    match: { type: 'string', valueName: 'TEXT', description: 'Only metrics whose name contains TEXT.' },
    all: { type: 'boolean', description: 'Also print samples whose value is 0.' },
    ...apiOptions,
  },
  run: (args, io) =>
    withApi(args, io, 'counters', async (api, json) => {
      const r = await api.get<CountersBody>('/api/v1/counters');
      if (!r.ok) return failed(io, 'counters', r);
      const match = stringOption(args, 'match');
      const all = args.values['all'] === true;
      const names = Object.keys(r.body)
        .filter((n) => match === undefined || n.includes(match))
        .sort();
      if (json) {
        printJson(io, Object.fromEntries(names.map((n) => [n, r.body[n]])));
        return ExitCode.ok;
      }
      const rows: string[][] = [];
      for (const n of names) {
        const m = r.body[n];
        if (!m) continue;
        for (const s of m.samples) {
          if (!all && s.value === 0) continue;
          const labels = Object.entries(s.labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(',');
          rows.push([`${n}${labels ? `{${labels}}` : ''}`, String(s.value)]);
        }
      }
      io.out(table(['METRIC', 'VALUE'], rows));
      return ExitCode.ok;
    }),
};

// ---------------------------------------------------------------- management requests

interface MgmtRequest {
  id: string;
  target: string;
  state: string;
  device: string | null;
  protocol: string | null;
  createdAt: number;
  updatedAt: number;
  notifiedAt: number | null;
  detail: string | null;
}

const FINAL = new Set(['done', 'failed', 'expired']);

function formatRequest(r: MgmtRequest): string {
  const lines = [
    `request   ${r.id}`,
    `target    ${r.target}${r.device ? ` (device ${r.device})` : ''}`,
    `state     ${r.state}${r.detail ? `: ${r.detail}` : ''}`,
    `protocol  ${r.protocol ?? '-'}`,
    `created   ${new Date(r.createdAt).toISOString()}`,
    ...(r.notifiedAt !== null ? [`notified  ${new Date(r.notifiedAt).toISOString()}`] : []),
    `updated   ${new Date(r.updatedAt).toISOString()}  (${r.updatedAt - r.createdAt} ms after creation)`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Exit code of a request's state: 0 done, 1 failed/expired, 3 not final yet. */
function stateCode(state: string): number {
  if (state === 'done') return ExitCode.ok;
  return FINAL.has(state) ? ExitCode.failure : 3;
}

async function waitFinal(
  api: ApiClient,
  id: string,
  seconds: number,
): Promise<ApiResult<{ request: MgmtRequest }>> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const r = await api.get<{ request: MgmtRequest }>(
      `/api/v1/management-requests/${encodeURIComponent(id)}`,
    );
    if (!r.ok || FINAL.has(r.body.request.state) || Date.now() >= deadline) return r;
    await new Promise((res) => setTimeout(res, 200));
  }
}

const waitOption: Record<string, OptionSpec> = {
  wait: {
    type: 'string',
    valueName: 'SEC',
    description: 'Wait up to SEC seconds for a final state (exit 0 done, 1 failed/expired, 3 still open).',
  },
};

function parseWait(args: ParsedArgs): number | undefined | 'bad' {
  const w = stringOption(args, 'wait');
  if (w === undefined) return undefined;
  const n = Number(w);
  return Number.isFinite(n) && n >= 0 && n <= 86400 ? n : 'bad';
}

export const mgmtRequestCommand: Command = {
  path: ['mgmt', 'request'],
  summary: 'Ask a device for a management session (it is NOTIFYed and calls home)',
  description:
    'Creates a management request (POST /api/v1/management-requests): the station sends the device a\n' +
    'management-req NOTIFY and the device calls home. --device takes a MAC / instrument id, a device URI or an\n' +
    'AOR. Prints the request; with --wait, follows it to its final state.',
  positionals: '',
  arity: [0, 0],
  options: {
    device: {
      type: 'string',
      valueName: 'X',
      description: 'The device (MAC, instrument id, device URI or AOR).',
    },
    protocol: {
      type: 'string',
      valueName: 'P',
      description: 'Preferred protocol (snmp-ssh, snmp-tls, ...).',
    },
    strict: { type: 'boolean', description: 'Fail when the device did not offer --protocol.' },
    timeout: {
      type: 'string',
      valueName: 'SEC',
      description: 'Request deadline (default management.requestTimeoutSec).',
    },
    ...waitOption,
    ...apiOptions,
  },
  run: (args, io) =>
    withApi(args, io, 'mgmt request', async (api, json) => {
      const device = stringOption(args, 'device');
      if (device === undefined) {
        io.err(`beckon mgmt request: --device is required (see 'beckon mgmt request --help')\n`);
        return ExitCode.usage;
      }
      const wait = parseWait(args);
      const timeoutText = stringOption(args, 'timeout');
      const timeout = timeoutText === undefined ? undefined : Number(timeoutText);
      if (wait === 'bad' || (timeout !== undefined && !(Number.isInteger(timeout) && timeout >= 1))) {
        io.err(`beckon mgmt request: --wait and --timeout take a number of seconds\n`);
        return ExitCode.usage;
      }
      const protocol = stringOption(args, 'protocol');
      const r = await api.post<{ request: MgmtRequest }>('/api/v1/management-requests', {
        target: device,
        ...(protocol !== undefined ? { protocol } : {}),
        ...(args.values['strict'] === true ? { strict: true } : {}),
        ...(timeout !== undefined ? { timeoutSec: timeout } : {}),
        requestedBy: `cli:${process.env['USER'] ?? 'operator'}`,
      });
      if (!r.ok) return failed(io, 'mgmt request', r);
      let req = r.body.request;
      if (wait !== undefined) {
        const w = await waitFinal(api, req.id, wait);
        if (!w.ok) return failed(io, 'mgmt request', w);
        req = w.body.request;
      }
      if (json) printJson(io, { request: req });
      else io.out(formatRequest(req));
      return wait === undefined ? ExitCode.ok : stateCode(req.state);
    }),
};

export const mgmtShowCommand: Command = {
  path: ['mgmt', 'show'],
  summary: 'Show one management request',
  description:
    'Shows a management request and its state (GET /api/v1/management-requests/ID). Exit code with --wait:\n' +
    '0 done, 1 failed/expired, 3 still open.',
  positionals: 'ID',
  arity: [1, 1],
  options: { ...waitOption, ...apiOptions },
  run: (args, io) =>
    withApi(args, io, 'mgmt show', async (api, json) => {
      const id = args.positionals[0] as string;
      const wait = parseWait(args);
      if (wait === 'bad') {
        io.err(`beckon mgmt show: --wait takes a number of seconds\n`);
        return ExitCode.usage;
      }
      const r = await waitFinal(api, id, wait ?? 0);
      if (!r.ok) return failed(io, 'mgmt show', r);
      if (json) printJson(io, r.body);
      else io.out(formatRequest(r.body.request));
      return wait === undefined ? ExitCode.ok : stateCode(r.body.request.state);
    }),
};

export const mgmtListCommand: Command = {
  path: ['mgmt', 'list'],
  summary: 'List management requests, newest first',
  description:
    'Lists management requests (GET /api/v1/management-requests), newest first; --state open lists those\n' +
    'queued, notified or in session.',
  positionals: '',
  arity: [0, 0],
  options: {
    state: {
      type: 'string',
      valueName: 'S',
      description: 'open | queued | notified | session-open | done | failed | expired.',
    },
    limit: { type: 'string', valueName: 'N', description: 'At most N requests (default 100).' },
    ...apiOptions,
  },
  run: (args, io) =>
    withApi(args, io, 'mgmt list', async (api, json) => {
      const r = await api.get<{ count: number; requests: MgmtRequest[] }>('/api/v1/management-requests', {
        state: stringOption(args, 'state'),
        limit: stringOption(args, 'limit'),
      });
      if (!r.ok) return failed(io, 'mgmt list', r);
      if (json) printJson(io, r.body);
      else {
        io.out(
          table(
            ['ID', 'TARGET', 'STATE', 'PROTOCOL', 'CREATED', 'DETAIL'],
            r.body.requests.map((q) => [
              q.id,
              q.target,
              q.state,
              q.protocol ?? '-',
              new Date(q.createdAt).toISOString(),
              q.detail ?? '',
            ]),
          ),
        );
        io.out(`${r.body.count} request(s)\n`);
      }
      return ExitCode.ok;
    }),
};
