/**
 * Acceptance (issue 4): the device sits in a network namespace behind an iptables MASQUERADE router, the
 * station in another namespace with no route to the device. The station cannot open a connection to the
 * device, yet a management request over a UDP and over a TCP subscription still ends in a call-home
 * connection (the NOTIFY rides the NAT binding of the SUBSCRIBE's flow; the device dials out).
 *
 * Addresses: only documentation ranges (RFC 5737) on veths that exist inside the namespaces this test
 * creates (device 192.0.2.2/24 — router 192.0.2.1 | router 198.51.100.1/24 — station 198.51.100.2);
 * nothing is routed outside them. Needs root (CAP_NET_ADMIN) and iproute2/iptables; skipped otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { natTopology, natTopologySkipReason } from '@beckon/testkit';
import { spawnJsonChild, REPO_ROOT } from '../fixtures/child.js';

const STATION = join(REPO_ROOT, 'packages/station/test/management/fixtures/station-child.ts');
const SIMULATOR = join(REPO_ROOT, 'packages/device/test/fixtures/simulator-child.ts');

for (const transport of ['udp', 'tcp'] as const) {
  void test(
    `NAT: management request over a ${transport.toUpperCase()} subscription reaches a device behind MASQUERADE`,
    { timeout: 90_000 },
    async (t) => {
      const why = natTopologySkipReason();
      if (why) return t.skip(why);
      const tag = `${process.pid % 100000}${transport[0]}`;
      const ns = natTopology({ names: { st: `bkst-${tag}`, dev: `bkdev-${tag}`, nat: `bknat-${tag}` } });
      const dir = mkdtempSync(join(tmpdir(), 'beckon-nat-'));
      let station: ReturnType<typeof spawnJsonChild> | undefined;
      let sim: ReturnType<typeof spawnJsonChild> | undefined;
      try {
        // The station cannot open a connection to the device (no route, and the router drops it).
        const probe = spawnSync(
          'ip',
          ['netns', 'exec', ns.st, 'timeout', '2', 'bash', '-c', 'exec 3<>/dev/tcp/192.0.2.2/5060'],
          {
            stdio: 'pipe',
          },
        );
        assert.notEqual(probe.status, 0, 'station reached the device directly');
        station = spawnJsonChild(
          STATION,
          {
            db: join(dir, 'm.sqlite'),
            host: '198.51.100.2',
            udpPort: 0,
            tcpPort: 0,
            callHomePort: 0,
            intervalSec: 0,
          },
          ['ip', 'netns', 'exec', ns.st],
        );
        const ready = await station.wait((e) => e.event === 'ready', 30_000, 'station ready');
        sim = spawnJsonChild(
          SIMULATOR,
          {
            count: 3,
            macBase: '02BEC1000000',
            host: '192.0.2.2',
            transport,
            station: { address: '198.51.100.2', port: transport === 'udp' ? ready.udp : ready.tcp },
            allowed: [`198.51.100.2:${ready.callHome as number}`],
          },
          ['ip', 'netns', 'exec', ns.dev],
        );
        const subscribed = await sim.wait((e) => e.event === 'subscribed', 30_000, 'devices subscribed');
        assert.equal(subscribed.count, 3);
        station.send({ cmd: 'requestMany', targets: ['02bec1000000', '02bec1000002'], protocol: 'snmp-ssh' });
        const s = sim;
        await s.wait(
          (e) => e.event === 'callhome' && e.mac === '02BEC1000000',
          20_000,
          'call-home of device 0',
        );
        await s.wait(
          (e) => e.event === 'callhome' && e.mac === '02BEC1000002',
          20_000,
          'call-home of device 2',
        );
        assert.ok(s.events.filter((e) => e.event === 'callhome').every((e) => e.result === 'ok'));
        const st = station;
        await st.wait(
          (e) => e.event === 'session' && st.events.filter((x) => x.event === 'session').length >= 2,
          5000,
          'sessions',
        );
        const sessions = st.events.filter((e) => e.event === 'session');
        assert.equal(sessions.length, 2);
        // The station saw the device through the NAT: the router's address, never the device's own.
        for (const e of sessions) assert.match(String(e.peer), /^198\.51\.100\.1:/);
      } finally {
        sim?.send('stop');
        await sim?.kill('SIGKILL');
        await station?.kill('SIGKILL');
        ns.remove();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}
