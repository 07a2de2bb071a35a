/**
 * Acceptance (issue 4): SIPp plays a device nobody here wrote. It subscribes with `snmp-ssh` (digest,
 * USER/MAC), receives an empty NOTIFY, and after a management request a non-empty one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManagementRequestState as S } from '../../../src/management/management-request.js';
import { startStation, until, type TestStation } from '../fixtures.js';

const SCENARIO = join(dirname(fileURLToPath(import.meta.url)), 'sipp', 'mgmt-device.xml');

void test(
  'SIPp device: SUBSCRIBE snmp-ssh, empty NOTIFY, then the management request NOTIFY',
  { timeout: 60_000 },
  async (t) => {
    if (spawnSync('sh', ['-c', 'command -v sipp']).status !== 0) return t.skip('sipp not installed');
    const dir = mkdtempSync(join(tmpdir(), 'beckon-sipp-mgmt-'));
    let station: TestStation | undefined;
    try {
      station = await startStation({ digestRealm: 'example.com', digestAlgorithms: ['MD5'] });
      station.credentials.set('example.com', 'alice', { kind: 'password', password: 'secret' });
      const child = spawn(
        'sipp',
        [
          `127.0.0.1:${station.port('udp')}`,
          '-sf',
          SCENARIO,
          '-t',
          'u1',
          '-i',
          '127.0.0.1',
          '-p',
          String(await freeUdpPort()),
          '-m',
          '1',
          '-timeout',
          '30s',
          '-timeout_error',
          '-nostdin',
          '-trace_err',
          '-trace_logs',
        ],
        { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const killer = setTimeout(() => child.kill('SIGKILL'), 45_000);
      const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      const st = station;
      await until(
        () => st.service.package !== undefined && st.notifier.size === 1,
        'SIPp subscribed',
        20_000,
      );
      const r = await st.service.request({
        target: 'sip:MAC%3aFF00000036C5@example.com',
        protocol: 'snmp-ssh',
      });
      assert.ok(r.ok);
      const code = await exit;
      clearTimeout(killer);
      const logs = readdirSync(dir).filter((f) => f.endsWith('_logs.log') || f.endsWith('_errors.log'));
      const text = logs.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
      assert.equal(code, 0, `sipp failed: ${stderr}\n${text}`);
      assert.match(text, /NOTIFY-BODY snmp-ssh;addr=127\.0\.0\.1:\d+;via=tcp;req=/);
      await until(() => st.service.openRequests()[0]?.state === S.Notified, 'request notified');
    } finally {
      await station?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

/** A UDP port on 127.0.0.1 that was free a moment ago (SIPp's -p 0 means 5060). */
async function freeUdpPort(): Promise<number> {
  const sock = createSocket('udp4');
  const port = await new Promise<number>((resolve) =>
    sock.bind(0, '127.0.0.1', () => resolve(sock.address().port)),
  );
  await new Promise<void>((resolve) => sock.close(() => resolve()));
  return port;
}
