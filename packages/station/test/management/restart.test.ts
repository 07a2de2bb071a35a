/**
 * Acceptance (issue 4): 1,000 subscribed devices, kill -9 the station, restart it on the same database and
 * ports, a management request to each device still produces a call-home — without the devices
 * resubscribing (the subscriptions come back from SqliteSubscriptionStore).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnJsonChild, REPO_ROOT } from './fixtures/child.js';

const STATION = join(REPO_ROOT, 'packages/station/test/management/fixtures/station-child.ts');
const SIMULATOR = join(REPO_ROOT, 'packages/device/test/fixtures/simulator-child.ts');
const N = 1000;

void test(
  '1,000 devices: kill -9 the station, restart, every management request still calls home',
  { timeout: 180_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beckon-restart-'));
    const db = join(dir, 'management.sqlite');
    const base = { db, host: '127.0.0.1', intervalSec: 0 };
    let station = spawnJsonChild(STATION, { ...base, udpPort: 0, tcpPort: 0, callHomePort: 0 });
    const sim = { child: undefined as ReturnType<typeof spawnJsonChild> | undefined };
    try {
      const ready = await station.wait((e) => e.event === 'ready', 30_000, 'station ready');
      const ports = {
        udpPort: ready.udp as number,
        tcpPort: ready.tcp as number,
        callHomePort: ready.callHome as number,
      };
      sim.child = spawnJsonChild(SIMULATOR, {
        count: N,
        macBase: '02BEC0000000',
        host: '127.0.0.1',
        transport: 'udp',
        station: { address: '127.0.0.1', port: ports.udpPort },
        allowed: [`127.0.0.1:${ports.callHomePort}`],
        startRatePerSec: 2000,
      });
      const subscribed = await sim.child.wait((e) => e.event === 'subscribed', 90_000, 'devices subscribed');
      assert.equal(subscribed.count, N);
      station.send({ cmd: 'count' });
      const count = await station.wait((e) => e.event === 'count', 10_000, 'count');
      assert.equal(count.subscriptions, N);

      await station.kill('SIGKILL');
      const t0 = Date.now();
      station = spawnJsonChild(STATION, { ...base, ...ports });
      const again = await station.wait((e) => e.event === 'ready', 30_000, 'station ready again');
      const restartMs = Date.now() - t0;
      assert.equal(again.restored, N);

      const targets = Array.from({ length: N }, (_, i) =>
        (0x02bec0000000 + i).toString(16).padStart(12, '0'),
      );
      const t1 = Date.now();
      station.send({ cmd: 'requestMany', targets, protocol: 'snmp-ssh' });
      const requested = await station.wait((e) => e.event === 'requested', 30_000, 'requests stored');
      assert.equal(requested.ok, N);
      const child = sim.child;
      const deadline = Date.now() + 60_000;
      const okCount = (): number =>
        child.events.filter((e) => e.event === 'callhome' && e.result === 'ok').length;
      while (okCount() < N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.equal(okCount(), N, 'every device called home');
      const sessions = station.events.filter((e) => e.event === 'session').length;
      assert.equal(sessions, N);
      // Figures for the report (not asserted).
      const ms = child.events
        .filter((e) => e.event === 'callhome')
        .map((e) => e.ms as number)
        .sort((a, b) => a - b);
      console.log(
        JSON.stringify({
          restartMs,
          allCallHomesMs: Date.now() - t1,
          notifyToCallHomeP50: ms[Math.floor(ms.length / 2)],
          p99: ms[Math.floor(ms.length * 0.99)],
        }),
      );
    } finally {
      sim.child?.send('stop');
      await new Promise((r) => setTimeout(r, 200));
      await sim.child?.kill('SIGKILL');
      await station.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
