import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSippRtt, parseSippStats, percentile } from '../sipp-stats.js';
import { appendResultRow } from '../results-table.js';
import { findMaxRate } from '../find-max-rate.js';
import type { SippRunOptions, SippRunResult } from '../sipp-run.js';
import { processTreeTicks } from '../proc-cpu.js';
import { rttFrequency } from '../sipp-run.js';

const header =
  'StartTime;LastResetTime;CurrentTime;ElapsedTime(P);ElapsedTime(C);TargetRate;TotalCallCreated;SuccessfulCall(C);FailedCall(C);Retransmissions(C)';
const stat = [
  header,
  '2026-11-21\t05:33:13.45;x;y;00:00:00;00:00:00;200;0;0;0;0',
  '2026-11-21\t05:33:14.45;x;y;00:00:01;00:00:01;200;200;199;0;0',
  '2026-11-21\t05:33:15.45;x;y;00:00:01;00:00:02;200;400;398;1;3',
  '2026-11-21\t05:33:16.45;x;y;00:00:01;00:00:03;200;400;399;1;3',
].join('\n');

void test('parses the cumulative columns of the last stat row and the sending window', () => {
  assert.deepEqual(parseSippStats(stat), {
    created: 400,
    successful: 399,
    failed: 1,
    retransmissions: 3,
    elapsedSec: 3,
    sendWindowSec: 2,
  });
  assert.equal(parseSippStats(header), undefined);
  assert.equal(parseSippStats(''), undefined);
});

void test('rtt samples of one rtd, sorted, with their time span; nearest-rank percentiles', () => {
  const r = parseSippRtt(
    'Date_ms;response_time_ms;rtd_no\n8.0;4;1\n12.0;0;1\n13.0;99;2\n1008.0;8;1\nbad line\n',
  );
  assert.deepEqual(r.ms, [0, 4, 8]);
  assert.equal(r.firstDateMs, 8);
  assert.equal(r.lastDateMs, 1008);
  assert.equal(percentile(r.ms, 50), 4);
  assert.equal(percentile(r.ms, 99), 8);
  assert.ok(Number.isNaN(percentile([], 50)));
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(hundred, 99), 99);
  assert.equal(percentile(hundred, 50), 50);
});

void test('appends rows under one table header', () => {
  const dir = mkdtempSync(join(tmpdir(), 'beckon-results-'));
  try {
    const file = join(dir, 'RESULTS.md');
    const row = {
      date: '2026-11-21 05:40',
      label: 'a|b',
      scenario: 'register',
      target: '127.0.0.1:5060',
      transport: 'udp',
      offeredRate: 1000,
      achievedRate: 998.4,
      calls: 10000,
      failurePct: 0,
      p50Ms: 0,
      p99Ms: 4,
      cpuMsPer1000: NaN,
    };
    appendResultRow(file, row);
    appendResultRow(file, { ...row, label: 'second' });
    const text = readFileSync(file, 'utf8');
    assert.equal(text.match(/\| Date \(UTC\) \|/g)?.length, 1);
    assert.ok(
      text.includes(
        '| 2026-11-21 05:40 | a\\|b | register | 127.0.0.1:5060 | udp | 1000 | 998 | 10000 | 0.000 | 0.0 | 4.0 | - |',
      ),
    );
    assert.ok(text.includes('| second |'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('findMaxRate steps up and stops at the first step over a threshold', async () => {
  const fake = (failurePct: number, p99Ms: number) => ({ failurePct, p99Ms }) as SippRunResult;
  const table: Record<number, SippRunResult> = {
    100: fake(0, 4),
    200: fake(0.05, 20),
    400: fake(0, 80),
    800: fake(0, 4),
  };
  const seen: number[] = [];
  const out = await findMaxRate({ label: 'x' } as SippRunOptions, [400, 100, 200, 800], {
    pauseSec: 0,
    run: (o) => {
      seen.push(o.rate);
      return Promise.resolve(table[o.rate]!);
    },
  });
  assert.deepEqual(seen, [100, 200, 400]);
  assert.equal(out.maxRate, 200);
  assert.equal(out.stoppedAt, 400);
  assert.match(out.reason ?? '', /p99 80 ms > 50 ms/);
});

void test('CPU ticks of this process can be read from /proc', () => {
  const t = processTreeTicks(process.pid);
  assert.ok(t > 0);
});

void test('the rtt batch size divides the call count (SIPp drops an incomplete last batch)', () => {
  assert.equal(rttFrequency(10000), 1000);
  assert.equal(rttFrequency(200), 200);
  assert.equal(rttFrequency(1500), 750);
  assert.equal(rttFrequency(1009), 1);
});
