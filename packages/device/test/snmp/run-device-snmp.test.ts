import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { loadConfig, type BeckonConfig } from '@beckon/config';
import { snmpDeviceFleetInit } from '../../src/run-device.js';
import { TestPki } from '@beckon/testkit';

/** The `device.snmp` section as run-device turns it into an SnmpDeviceFleet init (issue 6). */
const pki = new TestPki();
after(() => pki.dispose());

function config(sets: string[]): BeckonConfig {
  const r = loadConfig({ sets });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  return r.config;
}

void test('tls: credentials, station fingerprints and system group reach the fleet init', () => {
  const ca = pki.ca('ca');
  const cert = pki.leaf('device', ca, 'device');
  const c = config([
    'device.count=3',
    'device.snmp.enabled=true',
    `device.snmp.certFile=${cert.certFile}`,
    `device.snmp.keyFile=${cert.keyFile}`,
    "device.snmp.stationFingerprints=['04:AA']",
    'device.snmp.stationName=ops',
    'device.snmp.sysDescr=UA {mac}',
    'device.snmp.sysLocation=lab',
  ]);
  const init = snmpDeviceFleetInit(c);
  assert.equal(init.count, 3);
  assert.equal(init.userPrefix, 'dev');
  assert.deepEqual(init.readers, ['ops']);
  assert.equal(init.sessions.tls?.cert, cert.cert);
  assert.deepEqual(init.sessions.tls?.stations, [{ fingerprint: '04:AA', securityName: 'ops' }]);
  assert.equal(init.sessions.ssh, undefined);
  assert.equal(init.descr?.('02BEC1000001', 1), 'UA 02BEC1000001');
  assert.equal(init.location, 'lab');
  assert.deepEqual(init.registrar, { host: '127.0.0.1', port: 5060 });
});

void test('missing credentials are configuration errors', () => {
  assert.throws(() => snmpDeviceFleetInit(config(['device.snmp.enabled=true'])), /certFile/);
  assert.throws(
    () => snmpDeviceFleetInit(config(['device.snmp.enabled=true', 'device.snmp.protocol=ssh'])),
    /hostKeyFile/,
  );
});
