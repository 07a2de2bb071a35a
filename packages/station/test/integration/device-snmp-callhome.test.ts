import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestPki } from '@beckon/testkit';
import { BeckonProcess, freePort, freeUdpPort, promSample, until } from './integration-helpers.js';

/**
 * Issue 6, device side, as the commands run it: `beckon station` with management.callHomeSnmp over TLS
 * and a trust list, `beckon device` with device.snmp.enabled (3 devices, each an SNMP agent reachable only
 * through its call-home session), and `beckon task create --get sysDescr.0 ...` answered by the device.
 */
const DEVICES = 3;
const MACS = Array.from({ length: DEVICES }, (_, i) => `02:be:c1:00:00:0${i}`);

interface TaskJson {
  state: string;
  protocol: string | null;
  fault: string | null;
  results?: { op: string; varbinds?: { name: string; value: unknown }[] }[];
}

void describe('beckon device with device.snmp (TLS call home) answers beckon task', () => {
  const pki = new TestPki();
  let cfg = '';
  let base = '';
  let station: BeckonProcess | undefined;
  let devices: BeckonProcess | undefined;

  before(async () => {
    const ca = pki.ca('ca');
    const stationCert = pki.leaf('station', ca, 'station');
    const deviceCert = pki.leaf('device', ca, 'device');
    const sip = await freePort();
    const http = await freePort(false);
    const callHome = await freePort(false);
    const snmp = await freeUdpPort();
    base = `http://127.0.0.1:${http}`;
    cfg = join(pki.dir, 'beckon.yaml');
    const trust = MACS.map(
      (m) => `      - { device: '${m}', tlsFingerprints: ['${deviceCert.fingerprintText}'] }`,
    );
    const users = MACS.map((_, i) => `    - { username: dev${i}, password: pw }`);
    writeFileSync(
      cfg,
      [
        'log:',
        '  level: info',
        'sip:',
        '  listen:',
        `    - { transport: udp, host: 127.0.0.1, port: ${sip} }`,
        'snmp:',
        `  listen: [{ transport: udp, host: 127.0.0.1, port: ${snmp} }]`,
        'http:',
        `  listen: { host: 127.0.0.1, port: ${http} }`,
        'management:',
        `  callHomeListen: { host: 127.0.0.1, port: ${callHome} }`,
        '  notifyMinIntervalSec: 0',
        '  callHomeSnmp:',
        `    tls: { certFile: '${stationCert.certFile}', keyFile: '${stationCert.keyFile}' }`,
        '    trust:',
        ...trust,
        'storage:',
        `  sqlitePath: ${JSON.stringify(join(pki.dir, 'var', 'beckon.db'))}`,
        'auth:',
        '  users:',
        ...users,
        'device:',
        `  count: ${DEVICES}`,
        `  stationPort: ${sip}`,
        '  password: pw',
        '  sockets: 1',
        '  protocols: [snmp-tls]',
        '',
      ].join('\n'),
    );
    station = new BeckonProcess(['station', '--config', cfg]);
    await station.waitLog('station ready', 30_000);
    devices = new BeckonProcess([
      'device',
      '--config',
      cfg,
      '--set',
      'device.snmp.enabled=true',
      '--set',
      `device.snmp.certFile=${deviceCert.certFile}`,
      '--set',
      `device.snmp.keyFile=${deviceCert.keyFile}`,
      '--set',
      `device.snmp.stationFingerprints=['${stationCert.fingerprintText}']`,
      '--set',
      'device.snmp.sysDescr=Beckon lab UA {mac}',
    ]);
    await devices.waitLog('devices started', 30_000);
    await until(
      `${DEVICES} management-req subscriptions`,
      async () => {
        const r = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5000) });
        const n = promSample(await r.text(), 'beckon_sip_subscriptions_active{event="management-req"}');
        return n === DEVICES ? n : undefined;
      },
      30_000,
    );
  });

  after(async () => {
    await devices?.stop('SIGTERM', 10_000);
    await station?.stop('SIGTERM', 10_000);
    pki.dispose();
  });

  void it('task create --get sysDescr.0 returns the sysDescr of the device agent', async () => {
    const mac = MACS[1] as string;
    const task = new BeckonProcess([
      'task',
      'create',
      '--api',
      base,
      '--device',
      mac,
      '--get',
      'sysDescr.0',
      '--get',
      'sipUACfgServerAddress.1.1',
      '--timeout',
      '20',
      '--json',
    ]);
    const kill = setTimeout(() => task.child.kill('SIGKILL'), 40_000);
    const exit = await task.exited;
    clearTimeout(kill);
    assert.equal(exit.code, 0, `${task.stdout}\n${task.stderr}\n${devices?.stdout.slice(-3000)}`);
    const record = JSON.parse(task.stdout) as TaskJson;
    assert.equal(record.state, 'done', record.fault ?? '');
    assert.equal(record.protocol, 'snmp-tls');
    const values = new Map(record.results?.flatMap((r) => r.varbinds ?? []).map((v) => [v.name, v.value]));
    // the fleet writes the MAC as 12 hex digits (the instrument identifier form)
    assert.equal(values.get('sysDescr.0'), `Beckon lab UA ${mac.replaceAll(':', '').toUpperCase()}`);
    assert.equal(values.get('sipUACfgServerAddress.1.1'), '127.0.0.1');
  });
});
