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
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnJsonChild, REPO_ROOT } from '../fixtures/child.js';

const STATION = join(REPO_ROOT, 'packages/station/test/management/fixtures/station-child.ts');
const SIMULATOR = join(REPO_ROOT, 'packages/device/test/fixtures/simulator-child.ts');

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, iptables)';
  for (const tool of ['ip', 'iptables'])
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} not installed`;
  return undefined;
}

const sh = (args: string[]): void => void execFileSync(args[0] as string, args.slice(1), { stdio: 'pipe' });

function setup(tag: string): { st: string; dev: string; nat: string } {
  const ns = { st: `bkst-${tag}`, dev: `bkdev-${tag}`, nat: `bknat-${tag}` };
  for (const n of Object.values(ns)) sh(['ip', 'netns', 'add', n]);
  const inNs = (n: string, ...cmd: string[]): void => sh(['ip', 'netns', 'exec', n, ...cmd]);
  // Veth pairs are created inside the router namespace and one end moved: nothing touches the host.
  inNs(ns.nat, 'ip', 'link', 'add', 'd1', 'type', 'veth', 'peer', 'name', 'd0', 'netns', ns.dev);
  inNs(ns.nat, 'ip', 'link', 'add', 's1', 'type', 'veth', 'peer', 'name', 's0', 'netns', ns.st);
  inNs(ns.dev, 'ip', 'addr', 'add', '192.0.2.2/24', 'dev', 'd0');
  inNs(ns.nat, 'ip', 'addr', 'add', '192.0.2.1/24', 'dev', 'd1');
  inNs(ns.nat, 'ip', 'addr', 'add', '198.51.100.1/24', 'dev', 's1');
  inNs(ns.st, 'ip', 'addr', 'add', '198.51.100.2/24', 'dev', 's0');
  for (const [n, dev] of [
    [ns.dev, 'd0'],
    [ns.nat, 'd1'],
    [ns.nat, 's1'],
    [ns.st, 's0'],
  ] as const)
    inNs(n, 'ip', 'link', 'set', dev, 'up');
  for (const n of Object.values(ns)) inNs(n, 'ip', 'link', 'set', 'lo', 'up');
  inNs(ns.dev, 'ip', 'route', 'add', 'default', 'via', '192.0.2.1');
  inNs(ns.nat, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
  inNs(ns.nat, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', 's1', '-j', 'MASQUERADE');
  // The router lets replies in, never a new connection from the station side.
  inNs(
    ns.nat,
    'iptables',
    '-A',
    'FORWARD',
    '-i',
    's1',
    '-o',
    'd1',
    '-m',
    'conntrack',
    '--ctstate',
    'ESTABLISHED,RELATED',
    '-j',
    'ACCEPT',
  );
  inNs(ns.nat, 'iptables', '-A', 'FORWARD', '-i', 's1', '-o', 'd1', '-j', 'DROP');
  return ns;
}

function teardown(ns: { st: string; dev: string; nat: string }): void {
  for (const n of Object.values(ns)) spawnSync('ip', ['netns', 'del', n]);
}

for (const transport of ['udp', 'tcp'] as const) {
  void test(
    `NAT: management request over a ${transport.toUpperCase()} subscription reaches a device behind MASQUERADE`,
    { timeout: 90_000 },
    async (t) => {
      const why = skipReason();
      if (why) return t.skip(why);
      const tag = `${process.pid % 100000}${transport[0]}`;
      const ns = setup(tag);
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
        teardown(ns);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}
