/**
 * Interop (issue 6 acceptance): Beckon's station as the call-home manager against a real Net-SNMP 5.9.3
 * `snmpd` on tlstcp. A harness poses as the device: it subscribes, takes the NOTIFY, opens TCP to the
 * station's call-home port and sends the hello, then splices the connection to snmpd's TLS port. The
 * station, as TLS client (test-only legacy profile: Debian's 5.9.3 negotiates TLS 1.0), authenticates
 * snmpd by the certificate fingerprint configured for the device and runs the task's GET over TSM.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { TestPki, type TestCert } from '@beckon/testkit';
import { SnmpdTls, freeTcpPort } from '../fixtures/snmpd-tls.js';
import { startStationHarness, type StationHarness } from '../fixtures/station-harness.js';
import { StubDevice, until } from '../fixtures/stub-device.js';

const MAC = '02BEC4000001';
let pki: TestPki;
let ca: TestCert;
let stationCert: TestCert;
let snmpdCert: TestCert;

before(() => {
  pki = new TestPki({ keyType: 'rsa' });
  ca = pki.ca('interop-ca');
  stationCert = pki.leaf('station', ca, 'station.example');
  snmpdCert = pki.leaf('snmpd', ca, 'device.example');
});
after(() => pki.dispose());

void test(
  'station (TLS client, TSM manager) against Net-SNMP snmpd through a call-home splice',
  { timeout: 60_000 },
  async (t) => {
    if (spawnSync('sh', ['-c', 'command -v snmpd']).status !== 0) return t.skip('snmpd not installed');
    const snmpd = new SnmpdTls({
      own: snmpdCert,
      ca,
      stationFingerprint: stationCert.netSnmpFingerprint,
      user: 'station',
      descr: 'Net-SNMP behind a call-home splice',
    });
    let station: StationHarness | undefined;
    let device: StubDevice | undefined;
    try {
      const port = await freeTcpPort();
      await snmpd.start(port);
      station = await startStationHarness({
        tls: { cert: stationCert.cert, key: stationCert.key, securityName: 'station', legacyTls: true },
        trust: [{ device: MAC, tlsFingerprints: [snmpdCert.fingerprintText] }],
      });
      device = new StubDevice({
        mac: MAC,
        station: { host: '127.0.0.1', udp: station.sipUdp },
        protocols: ['snmp-tls'],
        registrar: '127.0.0.1',
        splice: { host: '127.0.0.1', port },
      });
      await device.start();
      const d = device;
      await until(() => d.subscribed, 'harness subscribed');
      const r = await station.tasks.create({
        device: MAC,
        ops: [
          { op: 'get', oids: ['sysDescr.0'] },
          { op: 'walk', root: 'system' },
        ],
        timeoutMs: 20_000,
      });
      assert.ok(r.ok && r.finished, JSON.stringify(r));
      assert.equal(r.task.state, 'done', `${r.task.fault}\n${snmpd.output.slice(-2000)}`);
      assert.deepEqual(
        r.task.results?.[0]?.varbinds.map((v) => [v.name, v.value]),
        [['sysDescr.0', 'Net-SNMP behind a call-home splice']],
      );
      assert.ok((r.task.results?.[1]?.varbinds.length ?? 0) >= 7);
      assert.equal(r.task.authenticatedAs, `tls:${snmpdCert.fingerprintText}`);
    } finally {
      await device?.stop();
      await station?.stop();
      await snmpd.dispose();
    }
  },
);
