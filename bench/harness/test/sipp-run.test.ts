// Drives the real SIPp: the harness loads a SIPp "register-responder" server on loopback, briefly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinScenarios } from '../scenarios.js';
import { runSipp } from '../sipp-run.js';

const haveSipp = spawnSync('sipp', ['-v'], { stdio: 'ignore' }).error === undefined;

function freeUdpPort(): Promise<number> {
  return new Promise((done) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => done(port));
    });
  });
}

void test(
  'runSipp measures a bounded REGISTER load against a SIPp responder',
  { skip: !haveSipp && 'sipp not installed' },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beckon-harness-'));
    const port = await freeUdpPort();
    writeFileSync(join(dir, 'responder.xml'), builtinScenarios['register-responder']!.xml);
    const server = spawn(
      'sipp',
      [
        '-sf',
        'responder.xml',
        '-i',
        '127.0.0.1',
        '-p',
        String(port),
        '-t',
        'u1',
        '-nostdin',
        '-timeout',
        '30s',
      ],
      {
        cwd: dir,
        stdio: 'ignore',
      },
    );
    try {
      await new Promise((r) => setTimeout(r, 500));
      const results = join(dir, 'RESULTS.md');
      const r = await runSipp({
        scenario: 'register',
        target: `127.0.0.1:${port}`,
        transport: 'udp',
        rate: 100,
        durationSec: 2,
        users: 50,
        label: 'harness-self-test',
        pid: server.pid,
        resultsFile: results,
      });
      console.log(r);
      assert.equal(r.calls, 200);
      assert.equal(r.successful, 200);
      assert.equal(r.failurePct, 0);
      assert.ok(Number.isFinite(r.p99Ms));
      assert.ok(r.achievedRate > 0);
      assert.ok(Number.isFinite(r.cpuMs));
      assert.match(
        readFileSync(results, 'utf8'),
        /\| harness-self-test \| register \| 127\.0\.0\.1:\d+ \| udp \| 100 \|/,
      );
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('close', r));
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
