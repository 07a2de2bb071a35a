// Acceptance (issue 5): snmptrapd, with the RFC MIB modules loaded, receives the station's cold-start
// notifications (SNMPv2-MIB coldStart, SIP-COMMON-MIB sipCommonServiceColdStart) and a status-code
// threshold notification caused by SIPp traffic, and decodes them by name. Bounded: snmptrapd and SIPp
// have hard time limits and are killed in `after`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  NET_SNMP_ENV,
  netSnmpMissing,
  runTool,
  sharedMibDir,
  STATION_MIB_MODULES,
} from '../snmp/helpers/net-snmp.js';
import {
  OPTIONS_404_SCENARIO,
  RIG_USERS,
  startStationRig,
  type StationRig,
} from '../snmp/helpers/station-rig.js';
import { freePort, runBounded, type ChildRun } from './interop-helpers.js';

const skip = await netSnmpMissing(['sipp', 'snmptrapd', 'snmpset']);
const mibDir = sharedMibDir() ?? '';
/** The station's configured snmpEngineID (format 4, text 'bkn-test', enterprise 32473). */
const ENGINE_ID = '80007ed904626b6e2d74657374';

async function waitFor(what: string, cond: () => boolean, ms = 10_000, detail?: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}${detail ? `: ${detail()}` : ''}`);
}

void describe('SNMP notifications of the station received by snmptrapd', { skip }, () => {
  let dir: string;
  let rig: StationRig;
  let trapd: ChildRun;
  let trapLog: string;
  const children: ChildRun[] = [];
  const received = (): string => (existsSync(trapLog) ? readFileSync(trapLog, 'utf8') : '');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'beckon-trapd-'));
    trapLog = join(dir, 'traps.log');
    // v2c community 'public', and the SNMPv3 user of the station's traps (RFC 3414 §1.5.1: the sender is
    // authoritative, so the receiver localizes the user's keys with the station's configured engine ID)
    const w = RIG_USERS.writer;
    writeFileSync(
      join(dir, 'snmptrapd.conf'),
      [
        'authCommunity log public',
        `createUser -e 0x${ENGINE_ID} ${w.name} SHA-256 ${w.auth} AES ${w.priv}`,
        `authUser log ${w.name} priv`,
        'doNotRetainNotificationLogs yes',
        '',
      ].join('\n'),
    );
    const port = await freePort();
    trapd = runBounded(
      'snmptrapd',
      [
        '-f',
        '-C',
        '-c',
        join(dir, 'snmptrapd.conf'),
        '-M',
        `+${mibDir}`,
        '-m',
        STATION_MIB_MODULES,
        '-Lf',
        trapLog,
        // the header line says how each notification came (%P: "SNMP v2c, community ..." / "SNMP v3, user ...")
        '-F',
        '%.4y-%.2m-%.2l %.2h:%.2j:%.2k %B [%b] %P:\n%v\n',
        '-p',
        join(dir, 'snmptrapd.pid'),
        `udp:127.0.0.1:${port}`,
      ],
      { cwd: dir, timeoutMs: 120_000, env: NET_SNMP_ENV },
    );
    children.push(trapd);
    await waitFor('snmptrapd to start', () => /NET-SNMP version/.test(received()));
    rig = await startStationRig({
      users: [],
      thresholdPollMs: 100,
      snmp: {
        engineId: ENGINE_ID,
        trapTargets: [
          { host: '127.0.0.1', port, version: 'v2c', community: 'public', inform: false },
          { host: '127.0.0.1', port, version: 'v3', user: RIG_USERS.writer.name, inform: false },
        ],
      },
    });
    writeFileSync(join(rig.dir, 'options-404.xml'), OPTIONS_404_SCENARIO);
  });

  after(async () => {
    for (const c of children) c.kill();
    await rig?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The notifications received with `trapOid`, one text block each (header line with %P, varbinds). */
  const notifications = (trapOid: string): string[] =>
    received()
      .split(/\n(?=\d{4}-\d\d-\d\d )/)
      .filter((t) => t.includes(`SNMPv2-MIB::snmpTrapOID.0 = OID: ${trapOid}`));
  const byVersion = (blocks: string[], v: 'v2c' | 'v3'): string | undefined =>
    blocks.find((b) => (v === 'v2c' ? /SNMP v2c, community public/ : /SNMP v3, user beckonWriter/).test(b));

  void test('cold start (v2c and v3 authPriv targets): coldStart and sipCommonServiceColdStart, decoded by name', async () => {
    await waitFor(
      'sipCommonServiceColdStart from both targets',
      () => notifications('SIP-COMMON-MIB::sipCommonServiceColdStart').length >= 2,
      10_000,
      received,
    );
    const sys = notifications('SNMPv2-MIB::coldStart');
    assert.ok(byVersion(sys, 'v2c') && byVersion(sys, 'v3'), received());
    const sip = notifications('SIP-COMMON-MIB::sipCommonServiceColdStart');
    for (const v of ['v2c', 'v3'] as const) {
      const cold = byVersion(sip, v);
      assert.ok(cold, `${v}: ${received()}`);
      assert.match(cold, /SIP-COMMON-MIB::sipCommonNotifSequenceNumber\.0 = Gauge32: 1/);
      assert.match(cold, /SIP-COMMON-MIB::sipCommonNotifApplIndex\.0 = Gauge32: 1/);
      assert.match(cold, /SIP-COMMON-MIB::sipCommonCfgServiceStartTime\.1 = Timeticks: /);
    }
  });

  void test('threshold: more OPTIONS 404 than sipCommonStatusCodeNotifThresh in the interval -> ThreshExceededOut', async () => {
    const common = [
      '-v2c',
      '-c',
      'private',
      '-M',
      `+${mibDir}`,
      '-m',
      STATION_MIB_MODULES,
      '-t',
      '3',
      '-r',
      '1',
      rig.snmpTarget,
    ];
    const idx = '1."OPTIONS".404';
    const s = await runTool('snmpset', [
      ...common,
      `SIP-COMMON-MIB::sipCommonStatusCodeRowStatus.${idx}`,
      'i',
      'createAndGo',
    ]);
    assert.equal(s.code, 0, s.stderr);
    const t = await runTool('snmpset', [
      ...common,
      `SIP-COMMON-MIB::sipCommonStatusCodeNotifThresh.${idx}`,
      'u',
      '10',
      `SIP-COMMON-MIB::sipCommonStatusCodeNotifInterval.${idx}`,
      'u',
      '60',
    ]);
    assert.equal(t.code, 0, t.stderr);
    await new Promise((r) => setTimeout(r, 400)); // the threshold window opens at the next poll
    const p = await freePort();
    const sipp = runBounded(
      'sipp',
      [
        `127.0.0.1:${rig.sipPort}`,
        '-sf',
        join(rig.dir, 'options-404.xml'),
        '-t',
        'u1',
        '-i',
        '127.0.0.1',
        '-p',
        String(p),
        '-m',
        '30',
        '-r',
        '100',
        '-nr',
        '-timeout',
        '20s',
        '-timeout_error',
        '-nostdin',
      ],
      { cwd: rig.dir, timeoutMs: 30_000 },
    );
    children.push(sipp);
    const r = await sipp.done;
    assert.equal(r.code, 0, r.stdout.slice(-1000));
    await waitFor('sipCommonStatusCodeThreshExceededOutNotif', () =>
      /sipCommonStatusCodeThreshExceededOutNotif/.test(received()),
    );
    await waitFor(
      'the v3 copy too',
      () => notifications('SIP-COMMON-MIB::sipCommonStatusCodeThreshExceededOutNotif').length >= 2,
    );
    const all = notifications('SIP-COMMON-MIB::sipCommonStatusCodeThreshExceededOutNotif');
    const n = byVersion(all, 'v2c');
    assert.ok(n && byVersion(all, 'v3'), received());
    assert.match(n, /SIP-COMMON-MIB::sipCommonStatusCodeOuts\.1\."OPTIONS"\.404 = Counter32: \d+/);
    const outs = Number(/sipCommonStatusCodeOuts\.1\."OPTIONS"\.404 = Counter32: (\d+)/.exec(n)![1]);
    assert.ok(outs > 10 && outs <= 30, `count in the notification: ${outs}`);
    // one notification per window (per target)
    assert.equal(all.length, 2);
  });
});
