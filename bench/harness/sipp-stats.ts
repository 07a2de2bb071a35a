/** What SIPp's statistics file (-trace_stat, semicolon separated, cumulative "(C)" columns) says. */
export interface SippStats {
  created: number;
  successful: number;
  failed: number;
  retransmissions: number;
  /** ElapsedTime(C) of the last row, seconds. */
  elapsedSec: number;
  /** Seconds until the periodic row in which every call had been created (the sending window). */
  sendWindowSec: number;
}

function seconds(hms: string): number {
  let s = 0;
  for (const part of hms.trim().split(/\s+/)[0]!.split(':')) s = s * 60 + Number(part);
  return Number.isFinite(s) ? s : 0;
}

/** Parses the stat CSV; undefined when it has no data row. */
export function parseSippStats(text: string): SippStats | undefined {
  const rows = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(';'));
  const header = rows[0];
  if (!header || rows.length < 2) return undefined;
  const col = (row: string[], name: string): string => row[header.indexOf(name)] ?? '';
  const num = (row: string[], name: string): number => Number(col(row, name)) || 0;
  const last = rows[rows.length - 1]!;
  const created = num(last, 'TotalCallCreated') || num(last, 'OutgoingCall(C)');
  let sendWindowSec = seconds(col(last, 'ElapsedTime(C)'));
  for (const row of rows.slice(1))
    if (created > 0 && num(row, 'TotalCallCreated') >= created) {
      sendWindowSec = seconds(col(row, 'ElapsedTime(C)'));
      break;
    }
  return {
    created,
    successful: num(last, 'SuccessfulCall(C)'),
    failed: num(last, 'FailedCall(C)'),
    retransmissions: num(last, 'Retransmissions(C)'),
    elapsedSec: seconds(col(last, 'ElapsedTime(C)')),
    sendWindowSec,
  };
}

/** Response-time samples of one rtd from SIPp's -trace_rtt file (`Date_ms;response_time_ms;rtd_no`). */
export interface RttSamples {
  /** Sorted ascending, milliseconds. */
  ms: number[];
  firstDateMs: number;
  lastDateMs: number;
}

export function parseSippRtt(text: string, rtd = '1'): RttSamples {
  const ms: number[] = [];
  let firstDateMs = Infinity;
  let lastDateMs = -Infinity;
  for (const line of text.split('\n').slice(1)) {
    const [date, rt, no] = line.trim().split(';');
    if (no !== rtd || rt === undefined || date === undefined) continue;
    const v = Number(rt);
    const d = Number(date);
    if (!Number.isFinite(v) || !Number.isFinite(d)) continue;
    ms.push(v);
    if (d < firstDateMs) firstDateMs = d;
    if (d > lastDateMs) lastDateMs = d;
  }
  ms.sort((a, b) => a - b);
  return { ms, firstDateMs, lastDateMs };
}

/** Nearest-rank percentile of sorted samples (NaN when there are none). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}
