/**
 * Issue 6 acceptance on a NAT'd device: the device runs in a network namespace behind an iptables
 * MASQUERADE router, the station in another namespace with no route to the device. A GET task returns
 * sysDescr and SIP-UA-MIB values over snmp-tls and over snmp-ssh (the device dials out; the station sees
 * only the router's address and identifies the device by its certificate / host key), and a SET of the
 * registrar makes the device re-register, through the NAT, at the new address.
 *
 * Addresses: documentation ranges (RFC 5737) on veths inside namespaces this test creates (device
 * 192.0.2.2/24 — router 192.0.2.1 | router 198.51.100.1/24 — station 198.51.100.2 and .3). Needs root
 * and iproute2/iptables; skipped otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskRecord } from '../../../src/tasks/index.js';
import { natTopology, natTopologySkipReason, sshKey, TestPki } from '@beckon/testkit';
import { REPO_ROOT, spawnJsonChild, type JsonChild } from '../fixtures/json-child.js';

const STATION = join(REPO_ROOT, 'packages/station/test/callhome/fixtures/callhome-station-child.ts');
const DEVICE = join(REPO_ROOT, 'packages/device/test/snmp/fixtures/callhome-device-child.ts');
const MAC = '02BEC6000001';

void test(
  'NAT: GET over snmp-tls and snmp-ssh, then a SET moves the registrar; the device re-registers',
  { timeout: 120_000 },
  async (t) => {
    const why = natTopologySkipReason();
    if (why) return t.skip(why);
    const tag = String(process.pid % 100000);
    const ns = natTopology({
      names: { st: `bkchs-${tag}`, dev: `bkchd-${tag}`, nat: `bkchn-${tag}` },
      extraStationAddresses: ['198.51.100.3'],
    });
    const pki = new TestPki();
    let station: JsonChild | undefined;
    let device: JsonChild | undefined;
    try {
      const ca = pki.ca('ca');
      const stationCert = pki.leaf('station', ca, 'station.example');
      const deviceCert = pki.leaf('device', ca, 'device.example');
      const stationKey = sshKey();
      const hostKey = sshKey();
      writeFileSync(join(pki.dir, 'station-ssh.key'), stationKey.private);
      writeFileSync(join(pki.dir, 'device-host.key'), hostKey.private);
      const probe = spawnSync(
        'ip',
        ['netns', 'exec', ns.st, 'timeout', '2', 'bash', '-c', 'exec 3<>/dev/tcp/192.0.2.2/9'],
        { stdio: 'pipe' },
      );
      assert.notEqual(probe.status, 0, 'station reached the device directly');
      station = spawnJsonChild(
        STATION,
        {
          host: '198.51.100.2',
          tls: { certFile: stationCert.certFile, keyFile: stationCert.keyFile },
          ssh: { keyFile: join(pki.dir, 'station-ssh.key') },
          trust: [
            {
              device: MAC,
              tlsFingerprints: [deviceCert.fingerprintText],
              sshHostKeys: [hostKey.fingerprint],
            },
          ],
          registrars: ['198.51.100.2', '198.51.100.3'],
        },
        ['ip', 'netns', 'exec', ns.st],
      );
      const ready = await station.wait((e) => e.event === 'ready', 30_000, 'station ready');
      device = spawnJsonChild(
        DEVICE,
        {
          macBase: MAC,
          host: '192.0.2.2',
          station: { address: '198.51.100.2', udp: ready.udp },
          allowed: [`198.51.100.2:${String(ready.callHome)}`],
          protocols: ['snmp-tls', 'snmp-ssh'],
          tls: {
            certFile: deviceCert.certFile,
            keyFile: deviceCert.keyFile,
            stationFingerprint: stationCert.fingerprintText,
          },
          ssh: {
            hostKeyFile: join(pki.dir, 'device-host.key'),
            stationKeyFingerprint: stationKey.fingerprint,
          },
          registrar: { host: '198.51.100.2', port: ready.registrarPort },
        },
        ['ip', 'netns', 'exec', ns.dev],
      );
      await device.wait((e) => e.event === 'subscribed' && e.count === 1, 30_000, 'device subscribed');
      const st = station;
      const run = async (ops: unknown[], protocol?: string): Promise<TaskRecord> => {
        const e = await st.ask({ cmd: 'task', device: MAC, ops, ...(protocol ? { protocol } : {}) }, 30_000);
        const r = e.result as { ok: boolean; task: TaskRecord; error?: string };
        assert.ok(r.ok, r.error);
        return r.task;
      };
      for (const protocol of ['snmp-tls', 'snmp-ssh']) {
        const task = await run([{ op: 'get', oids: ['sysDescr.0', 'sipUACfgServerAddress.1.1'] }], protocol);
        assert.equal(task.state, 'done', `${protocol}: ${task.fault}`);
        const v = Object.fromEntries((task.results?.[0]?.varbinds ?? []).map((x) => [x.name, x.value]));
        assert.equal(v['sysDescr.0'], `Beckon test device ${MAC}`);
        assert.equal(v['sipUACfgServerAddress.1.1'], '198.51.100.2');
      }
      const set = await run([
        { op: 'set', varbinds: [{ oid: 'sipUACfgServerAddress.1.1', value: '198.51.100.3' }] },
      ]);
      assert.equal(set.state, 'done', set.fault ?? '');
      const reg = await device.wait(
        (e) => e.event === 'registered' && (e.server as { host: string }).host === '198.51.100.3',
        15_000,
        're-registration through the NAT',
      );
      assert.equal(reg.status, 200);
      const seen = await st.ask({ cmd: 'registers', name: '198.51.100.3' }, 5000);
      assert.ok((seen.list as unknown[]).length >= 1, 'the new registrar saw the REGISTER');
    } finally {
      await device?.stop();
      await station?.stop();
      ns.remove();
      pki.dispose();
    }
  },
);
