import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface ResultRow {
  date: string;
  label: string;
  scenario: string;
  target: string;
  transport: string;
  offeredRate: number;
  achievedRate: number;
  calls: number;
  failurePct: number;
  p50Ms: number;
  p99Ms: number;
  /** Target CPU per 1,000 successful transactions; NaN when no --pid was given. */
  cpuMsPer1000: number;
}

const HEADER = [
  '| Date (UTC) | Label | Scenario | Target | Transport | Offered /s | Achieved /s | Calls | Failures % | p50 ms | p99 ms | CPU ms / 1,000 tx |',
  '| --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
];

const PREAMBLE = [
  '# Benchmark results',
  '',
  'Rows are appended by `bench/harness/sipp-run.ts` (see bench/README.md). Response times come from SIPp',
  '(about 4 ms resolution at low load); CPU is user+system time of the target process tree over the run.',
  '',
];

const fmt = (v: number, digits: number): string => (Number.isFinite(v) ? v.toFixed(digits) : '-');
const cell = (s: string): string => s.replace(/\|/g, '\\|');

export function formatResultRow(r: ResultRow): string {
  return `| ${[
    r.date,
    cell(r.label),
    cell(r.scenario),
    cell(r.target),
    r.transport,
    fmt(r.offeredRate, 0),
    fmt(r.achievedRate, 0),
    String(r.calls),
    fmt(r.failurePct, 3),
    fmt(r.p50Ms, 1),
    fmt(r.p99Ms, 1),
    fmt(r.cpuMsPer1000, 0),
  ].join(' | ')} |`;
}

/** Appends one row to the results table, creating the file and the table header when missing. */
export function appendResultRow(file: string, row: ResultRow): void {
  if (!existsSync(file)) writeFileSync(file, `${[...PREAMBLE, ...HEADER].join('\n')}\n`);
  else if (!readFileSync(file, 'utf8').includes(HEADER[0]!)) appendFileSync(file, `\n${HEADER.join('\n')}\n`);
  appendFileSync(file, `${formatResultRow(row)}\n`);
}
