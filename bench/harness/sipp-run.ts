// Runs SIPp against a SIP server at a fixed rate for a bounded time and records the outcome.
// CLI: node --import tsx bench/harness/sipp-run.ts --scenario register --target 127.0.0.1:5060 \
//        --transport udp --rate 1000 --duration 10 --users 10000 --label my-run [--pid PID]
//      add --rates 1000,2000,5000 instead of --rate to step up until failures > 0.1 % or p99 > 50 ms.
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { builtinScenarios } from './scenarios.js';
import { parseSippRtt, parseSippStats, percentile } from './sipp-stats.js';
import { clockTicksPerSecond, processTreeTicks } from './proc-cpu.js';
import { appendResultRow, formatResultRow, type ResultRow } from './results-table.js';
import { findMaxRate } from './find-max-rate.js';

export type SippTransport = 'udp' | 'tcp' | 'tls';

export interface SippRunOptions {
  /** Built-in scenario name (register, options, register-responder) or a path to a scenario file. */
  scenario: string;
  /** host:port of the server under test. */
  target: string;
  transport: SippTransport;
  /** New calls per second. */
  rate: number;
  /** Seconds of load; at most rate*duration calls are made. */
  durationSec: number;
  /** Distinct users in the injection file (field0 u0000000.., field1 "secret"); 0 = no file. */
  users: number;
  label: string;
  /** Target process whose CPU (with its descendants) is measured. */
  pid?: number | undefined;
  /** SIP transactions per call, for the CPU column (2 for a REGISTER challenged by digest). */
  transactionsPerCall?: number;
  /** Which rtd of the scenario the percentiles come from (default "1"). */
  rtd?: string;
  /** Let SIPp retransmit over UDP (default off: a lost datagram is a failed call). */
  retransmit?: boolean;
  /** Markdown table to append the row to; undefined = do not record. */
  resultsFile?: string | undefined;
  /** Keep SIPp's files (stat, rtt, errors) and print where. */
  keep?: boolean;
  sippBinary?: string;
  extraArgs?: string[];
}

export interface SippRunResult extends ResultRow {
  successful: number;
  failed: number;
  retransmissions: number;
  sippExitCode: number | null;
  /** Target CPU over the whole run, ms (NaN without a pid). */
  cpuMs: number;
  workDir?: string | undefined;
}

const SIPP_TRANSPORT: Record<SippTransport, string> = { udp: 'u1', tcp: 't1', tls: 'l1' };

/** The SIPp command line for one run (exported for tests and for reading). */
export function sippArgs(o: SippRunOptions, scenarioFile: string, usersFile: string | undefined): string[] {
  const maxCalls = Math.max(1, Math.round(o.rate * o.durationSec));
  const [host] = splitTarget(o.target);
  return [
    o.target,
    '-sf',
    scenarioFile,
    ...(usersFile ? ['-inf', usersFile] : []),
    '-t',
    SIPP_TRANSPORT[o.transport],
    '-i',
    host === 'localhost' ? '127.0.0.1' : host,
    '-p',
    '0',
    '-r',
    String(o.rate),
    '-rp',
    '1000',
    '-m',
    String(maxCalls),
    '-l',
    String(Math.max(10, o.rate * 3)),
    '-timeout',
    `${Math.ceil(o.durationSec) + 30}s`,
    '-timeout_error',
    '-recv_timeout',
    '5000',
    '-nostdin',
    ...(o.retransmit ? [] : ['-nr']),
    '-buff_size',
    '4194304',
    '-trace_stat',
    '-stf',
    'stat.csv',
    '-fd',
    '1',
    '-trace_rtt',
    '-rtt_freq',
    String(rttFrequency(maxCalls)),
    '-trace_err',
    ...(o.extraArgs ?? []),
  ];
}

/**
 * SIPp writes response times in batches of -rtt_freq and drops the last, incomplete batch at exit, so
 * the batch size must divide the number of calls: the largest divisor up to 1000.
 */
export function rttFrequency(maxCalls: number): number {
  for (let f = Math.min(1000, maxCalls); f > 1; f--) if (maxCalls % f === 0) return f;
  return 1;
}

function splitTarget(target: string): [string, number] {
  const i = target.lastIndexOf(':');
  return [target.slice(0, i).replace(/^\[|\]$/g, ''), Number(target.slice(i + 1))];
}

function writeUsers(file: string, n: number): void {
  const lines = ['SEQUENTIAL'];
  for (let i = 0; i < n; i++) lines.push(`u${String(i).padStart(7, '0')};secret`);
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/** Runs SIPp once (bounded by -m and -timeout) and summarises it; appends a row when resultsFile is set. */
export async function runSipp(o: SippRunOptions): Promise<SippRunResult> {
  const work = mkdtempSync(join(tmpdir(), 'beckon-sipp-'));
  try {
    const builtin = builtinScenarios[o.scenario];
    const scenarioFile = join(work, builtin ? `${o.scenario}.xml` : basename(o.scenario));
    if (builtin) writeFileSync(scenarioFile, builtin.xml);
    else copyFileSync(resolve(o.scenario), scenarioFile);
    const usersFile = o.users > 0 ? join(work, 'users.csv') : undefined;
    if (usersFile) writeUsers(usersFile, o.users);

    const hz = clockTicksPerSecond();
    const ticks0 = o.pid ? processTreeTicks(o.pid) : 0;
    const exitCode = await new Promise<number | null>((done, fail) => {
      const child = spawn(o.sippBinary ?? 'sipp', sippArgs(o, scenarioFile, usersFile), {
        cwd: work,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
      // SIPp stops by itself (-m, -timeout); this guard only catches a hung SIPp.
      const guard = setTimeout(() => child.kill('SIGKILL'), (o.durationSec + 60) * 1000);
      child.on('error', (e) => {
        clearTimeout(guard);
        fail(e);
      });
      child.on('close', (code) => {
        clearTimeout(guard);
        if (code !== null && code > 99) writeFileSync(join(work, 'sipp.stderr'), stderr);
        done(code);
      });
    });
    const cpuMs = o.pid ? ((processTreeTicks(o.pid) - ticks0) * 1000) / hz : NaN;

    const statFile = join(work, 'stat.csv');
    const stats = existsSync(statFile) ? parseSippStats(readFileSync(statFile, 'utf8')) : undefined;
    if (!stats) {
      const err = existsSync(join(work, 'sipp.stderr'))
        ? readFileSync(join(work, 'sipp.stderr'), 'utf8')
        : '';
      throw new Error(
        `SIPp produced no statistics (exit ${exitCode}): ${err.trim().split('\n').slice(-3).join(' ')}`,
      );
    }
    const rttFile = readdirSync(work).find((f) => f.endsWith('_rtt.csv'));
    const rtt = parseSippRtt(rttFile ? readFileSync(join(work, rttFile), 'utf8') : '', o.rtd ?? '1');
    // Sending window: from the rtt timestamps when there are enough, else from the periodic stat rows.
    const rttSpanSec = rtt.ms.length > 1 ? (rtt.lastDateMs - rtt.firstDateMs) / 1000 + 1 / o.rate : 0;
    const windowSec = rttSpanSec > 0.5 ? rttSpanSec : Math.max(1, stats.sendWindowSec);
    const transactions = stats.successful * (o.transactionsPerCall ?? 1);
    const result: SippRunResult = {
      date: new Date().toISOString().slice(0, 16).replace('T', ' '),
      label: o.label,
      scenario: builtin ? o.scenario : basename(o.scenario),
      target: o.target,
      transport: o.transport,
      offeredRate: o.rate,
      achievedRate: stats.successful / windowSec,
      calls: stats.created,
      failurePct: stats.created > 0 ? (100 * (stats.created - stats.successful)) / stats.created : 100,
      p50Ms: percentile(rtt.ms, 50),
      p99Ms: percentile(rtt.ms, 99),
      cpuMsPer1000: o.pid && transactions > 0 ? (cpuMs * 1000) / transactions : NaN,
      successful: stats.successful,
      failed: stats.failed,
      retransmissions: stats.retransmissions,
      sippExitCode: exitCode,
      cpuMs,
      workDir: o.keep ? work : undefined,
    };
    if (o.resultsFile) appendResultRow(o.resultsFile, result);
    return result;
  } finally {
    if (!o.keep) rmSync(work, { recursive: true, force: true });
  }
}

const USAGE = `Usage: node --import tsx bench/harness/sipp-run.ts --target HOST:PORT [options]
  --scenario NAME|FILE   ${Object.keys(builtinScenarios).join(', ')} or a SIPp scenario file (default register)
  --target HOST:PORT     server under test (required)
  --transport udp|tcp|tls  (default udp)
  --rate R               calls per second (default 100)
  --rates R1,R2,...      step up through these rates; stop at failures > --max-failure-pct or p99 > --max-p99-ms
  --duration S           seconds of load per step (default 10)
  --users N              distinct users u0000000.. with password "secret" (default 1000)
  --label L              row label (default: scenario-transport)
  --pid PID              measure this process tree's CPU
  --tx-per-call N        SIP transactions per call, for CPU per 1,000 transactions (default 1)
  --retransmit           let SIPp retransmit over UDP (default: off, a lost datagram is a failure)
  --results FILE         table to append to (default bench/RESULTS.md; "-" = do not record)
  --max-failure-pct P    find-max threshold (default 0.1)
  --max-p99-ms MS        find-max threshold (default 50)
  --keep                 keep SIPp's working files
  --sipp-arg ARG         pass ARG to SIPp (repeatable), e.g. --sipp-arg=-aa`;

async function cli(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string', default: 'register' },
      target: { type: 'string' },
      transport: { type: 'string', default: 'udp' },
      rate: { type: 'string', default: '100' },
      rates: { type: 'string' },
      duration: { type: 'string', default: '10' },
      users: { type: 'string', default: '1000' },
      label: { type: 'string' },
      pid: { type: 'string' },
      'tx-per-call': { type: 'string', default: '1' },
      retransmit: { type: 'boolean', default: false },
      results: { type: 'string' },
      'max-failure-pct': { type: 'string', default: '0.1' },
      'max-p99-ms': { type: 'string', default: '50' },
      keep: { type: 'boolean', default: false },
      'sipp-arg': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const transport = values.transport as SippTransport;
  if (!values.target || !/^.+:\d+$/.test(values.target) || !['udp', 'tcp', 'tls'].includes(transport)) {
    console.error(USAGE);
    return 2;
  }
  const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const resultsFile =
    values.results === '-' ? undefined : resolve(values.results ?? join(repoRoot, 'bench', 'RESULTS.md'));
  const base: SippRunOptions = {
    scenario: values.scenario,
    target: values.target,
    transport,
    rate: Number(values.rate),
    durationSec: Number(values.duration),
    users: Number(values.users),
    label: values.label ?? `${basename(values.scenario, '.xml')}-${transport}`,
    pid: values.pid ? Number(values.pid) : undefined,
    transactionsPerCall: Number(values['tx-per-call']),
    retransmit: values.retransmit,
    resultsFile,
    keep: values.keep,
    extraArgs: values['sipp-arg'] ?? [],
  };
  const show = (r: SippRunResult) => {
    console.log(formatResultRow(r));
    if (r.workDir) console.log(`  SIPp files kept in ${r.workDir}`);
  };
  if (values.rates) {
    const rates = values.rates.split(',').map(Number);
    const outcome = await findMaxRate(base, rates, {
      maxFailurePct: Number(values['max-failure-pct']),
      maxP99Ms: Number(values['max-p99-ms']),
      onStep: show,
    });
    console.log(
      outcome.maxRate === undefined
        ? 'no rate met the thresholds'
        : `highest rate meeting the thresholds: ${outcome.maxRate}/s${outcome.stoppedAt ? ` (stopped at ${outcome.stoppedAt}/s: ${outcome.reason})` : ''}`,
    );
    return 0;
  }
  show(await runSipp(base));
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  cli(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exitCode = 1;
    },
  );
}
