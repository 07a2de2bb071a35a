// Acceptance (issue 5): Net-SNMP tools against the station's SNMP agent, with the values SIPp traffic
// produced. The station (SIP, registrar, proxy, location service) runs in-process as `beckon station`
// composes it, with StationSnmp and HttpApi; SIPp registers 200 users (digest, NNN/MAC instruments) and
// sends 200 OPTIONS. Every child process is bounded in time and killed in `after`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { complianceObjects } from '../snmp/helpers/mib-compliance.js';
import { netSnmpMissing, runTool, sharedMibDir, STATION_MIB_MODULES } from '../snmp/helpers/net-snmp.js';
import {
  OPTIONS_404_SCENARIO,
  RIG_DOMAIN,
  RIG_USERS,
  startStationRig,
  type StationRig,
} from '../snmp/helpers/station-rig.js';
import {
  freePort,
  instrumentUsersCsv,
  macOf,
  runBounded,
  SCENARIOS,
  type ChildRun,
} from './interop-helpers.js';

const USERS = 200;
const OPTIONS_CALLS = 200;
const skip = await netSnmpMissing(['sipp', 'snmpbulkwalk', 'snmpset']);
const mibDir = sharedMibDir() ?? '';

void describe('SNMP agent of the station: Net-SNMP tools, SIPp traffic', { skip }, () => {
  let rig: StationRig;
  const children: ChildRun[] = [];
  let sippRegisterPort = 0;
  let v2cWalk = '';

  const mibArgs = (): string[] => ['-M', `+${mibDir}`, '-m', STATION_MIB_MODULES];
  const v2c = (community = 'public'): string[] => [
    '-v2c',
    '-c',
    community,
    ...mibArgs(),
    '-t',
    '3',
    '-r',
    '1',
  ];
  const v3 = (who: keyof typeof RIG_USERS, authPass?: string): string[] => {
    const u = RIG_USERS[who];
    return [
      '-v3',
      '-l',
      'authPriv',
      '-u',
      u.name,
      '-a',
      'SHA-256',
      '-A',
      authPass ?? u.auth,
      '-x',
      'AES',
      '-X',
      u.priv,
      ...mibArgs(),
      '-t',
      '3',
      '-r',
      '1',
    ];
  };
  const get1 = async (args: string[], name: string): Promise<string> => {
    const r = await runTool('snmpget', [...args, '-Oqv', rig.snmpTarget, name]);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const sipp = async (args: string[], timeoutMs: number): Promise<void> => {
    const run = runBounded('sipp', [`127.0.0.1:${rig.sipPort}`, ...args, '-nostdin', '-trace_err'], {
      cwd: rig.dir,
      timeoutMs,
    });
    children.push(run);
    const r = await run.done;
    const errs = readdirSync(rig.dir).filter((f) => f.endsWith('_errors.log'));
    assert.equal(
      r.code,
      0,
      `sipp exit ${r.code}: ${r.stdout.slice(-1500)} ${errs.map((f) => readFileSync(join(rig.dir, f), 'utf8').slice(0, 1500)).join('')}`,
    );
  };

  before(async () => {
    const gen = instrumentUsersCsv(USERS, RIG_DOMAIN);
    rig = await startStationRig({ users: gen.users });
    writeFileSync(join(rig.dir, 'users.csv'), gen.csv);
    writeFileSync(join(rig.dir, 'options-404.xml'), OPTIONS_404_SCENARIO);
  });

  after(async () => {
    for (const c of children) c.kill();
    await rig?.stop();
  });

  void test(`SIPp registers ${USERS} users (401 + digest NNN/MAC, 200): SIP-SERVER-MIB registrar stats`, async () => {
    sippRegisterPort = await freePort();
    await sipp(
      [
        '-sf',
        join(SCENARIOS, 'reg-instrument.xml'),
        '-inf',
        join(rig.dir, 'users.csv'),
        '-t',
        'u1',
        '-i',
        '127.0.0.1',
        '-p',
        String(sippRegisterPort),
        '-m',
        String(USERS),
        '-r',
        '200',
        '-rp',
        '1000',
        '-timeout',
        '30s',
        '-timeout_error',
      ],
      60_000,
    );
    assert.equal(rig.station.location.size.bindings, USERS);
    assert.equal(await get1(v2c(), 'SIP-SERVER-MIB::sipServerRegStatsAcceptedRegs.1'), String(USERS));
    assert.equal(await get1(v2c(), 'SIP-SERVER-MIB::sipServerRegCurrentUsers.1'), String(USERS));
    // REGISTERs answered by the stateless registrar front are counted like every other request: each user
    // sent at least two (the challenged one and the authenticated one).
    const reqIn = rig.metrics.get('sip_requests_in');
    assert.ok(reqIn && reqIn.kind === 'counter');
    assert.ok(reqIn.get('REGISTER') >= 2 * USERS, `sip_requests_in{REGISTER} = ${reqIn.get('REGISTER')}`);
    const summaryIn = Number(await get1(v2c(), 'SIP-COMMON-MIB::sipCommonSummaryInRequests.1'));
    assert.ok(summaryIn >= 2 * USERS, `sipCommonSummaryInRequests = ${summaryIn}`);
    const resOut = rig.metrics.get('sip_responses_out');
    assert.ok(resOut && resOut.kind === 'counter');
    assert.equal(resOut.get('REGISTER', '200'), USERS);
  });

  void test('snmpset creates a status-code row (OPTIONS 404); its counter counts the SIPp responses', async () => {
    const row = 'SIP-COMMON-MIB::sipCommonStatusCodeRowStatus.1."OPTIONS".404';
    const outs = 'SIP-COMMON-MIB::sipCommonStatusCodeOuts.1."OPTIONS".404';
    const s = await runTool('snmpset', [...v2c('private'), rig.snmpTarget, row, 'i', 'createAndGo']);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /createAndGo\(4\)/);
    assert.equal(await get1(v2c(), row), 'active');
    assert.equal(await get1(v2c(), outs), '0');
    // the creation is a logged change of the running configuration, reported to the station
    assert.ok(rig.changes.some((c) => c.oid.endsWith('.7.79.80.84.73.79.78.83.404') && c.by === 'private'));

    const inBefore = Number(await get1(v2c(), 'SIP-COMMON-MIB::sipCommonSummaryInRequests.1'));
    const p = await freePort();
    // -nr: no retransmissions, so the requests SIPp sent are exactly OPTIONS_CALLS
    await sipp(
      [
        '-sf',
        join(rig.dir, 'options-404.xml'),
        '-t',
        'u1',
        '-i',
        '127.0.0.1',
        '-p',
        String(p),
        '-m',
        String(OPTIONS_CALLS),
        '-r',
        '200',
        '-nr',
        '-timeout',
        '30s',
        '-timeout_error',
      ],
      60_000,
    );
    assert.equal(await get1(v2c(), outs), String(OPTIONS_CALLS));
    const inAfter = Number(await get1(v2c(), 'SIP-COMMON-MIB::sipCommonSummaryInRequests.1'));
    assert.equal(
      inAfter - inBefore,
      OPTIONS_CALLS,
      'sipCommonSummaryInRequests grew by the OPTIONS SIPp sent',
    );
    // one source of truth: the MIB shows the MetricsRegistry's counter
    const c = rig.metrics.get('sip_requests_in');
    assert.ok(c && c.kind === 'counter');
    assert.equal(inAfter, c.total());
    assert.equal(c.get('OPTIONS'), OPTIONS_CALLS);
    assert.equal(
      await get1(v2c(), 'SIP-COMMON-MIB::sipCommonMethodStatsInbounds.1."OPTIONS"'),
      String(OPTIONS_CALLS),
    );
  });

  void test('snmpbulkwalk -v2c mib-2: names resolve from the RFC modules, mandatory objects present, SIPp values', async () => {
    const r = await runTool('snmpbulkwalk', [...v2c(), '-Cr50', rig.snmpTarget, '1.3.6.1.2.1'], 120_000);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /Cannot find module|Unknown Object|Unlinked|Timeout/, r.stderr);
    v2cWalk = r.stdout;
    const lines = r.stdout
      .trim()
      .split('\n')
      .filter((l) => !/No more variables left in this MIB View/.test(l));
    const objects = new Set<string>();
    for (const l of lines) {
      assert.match(l, /^[A-Z][\w-]+::[a-zA-Z]\w*(\.\S+)? = /, `unresolved name: ${l}`);
      assert.doesNotMatch(l, /No Such (Object|Instance)/, l);
      objects.add(/::(\w+)/.exec(l)![1]!);
    }
    const mandatory = [
      ...complianceObjects(mibDir, 'SIP-COMMON-MIB', 'sipCommonCompliance'),
      ...complianceObjects(mibDir, 'SIP-SERVER-MIB', 'sipServerRegistrarServerCompliance', [
        'sipServerRegistrarUsersGroup',
      ]),
      ...complianceObjects(mibDir, 'SIP-SERVER-MIB', 'sipServerProxyServerCompliance'),
    ];
    assert.ok(mandatory.length > 40, `compliance objects read: ${mandatory.length}`);
    const missing = mandatory.filter((o) => !objects.has(o));
    assert.deepEqual(missing, [], 'mandatory objects missing from the walk');
    for (const o of ['sysDescr', 'sysObjectID', 'snmpInPkts', 'applName']) assert.ok(objects.has(o), o);
    assert.match(r.stdout, /NETWORK-SERVICES-MIB::applName\.1 = STRING: sip_proxy_registrar1$/m);
    assert.match(r.stdout, /SNMPv2-MIB::sysDescr\.0 = STRING: Beckon station /);
    assert.match(
      r.stdout,
      new RegExp(
        `SIP-COMMON-MIB::sipCommonSummaryInRequests\\.1 = Counter32: ${rig.metrics.get('sip_requests_in')!.kind === 'counter' ? (rig.metrics.get('sip_requests_in') as { total(): number }).total() : -1}$`,
        'm',
      ),
    );
    // sipServerRegContactTable holds the SIPp contacts, sipServerRegUserTable their AORs
    const contacts = [
      ...r.stdout.matchAll(/^SIP-SERVER-MIB::sipServerRegContactURI\.1\.\d+\.\d+ = STRING: (.*)$/gm),
    ].map((m) => m[1]);
    assert.equal(contacts.length, USERS);
    for (const c of contacts)
      assert.match(c!, new RegExp(`^sip:1\\d{3}@127\\.0\\.0\\.1:${sippRegisterPort};transport=UDP$`, 'i'));
    const users = [
      ...r.stdout.matchAll(/^SIP-SERVER-MIB::sipServerRegUserUri\.1\.\d+ = STRING: (.*)$/gm),
    ].map((m) => m[1]);
    assert.equal(users.length, USERS);
    assert.ok(users.includes(`1000@${RIG_DOMAIN}`));
  });

  void test('snmpbulkwalk -v3 authPriv (HMAC-SHA-256, AES-128) of mib-2 returns the same objects', async () => {
    const r = await runTool(
      'snmpbulkwalk',
      [...v3('reader'), '-Cr50', rig.snmpTarget, '1.3.6.1.2.1'],
      120_000,
    );
    assert.equal(r.code, 0, r.stderr);
    const names = (out: string): string[] =>
      out
        .trim()
        .split('\n')
        .filter((l) => !/No more variables/.test(l))
        .map((l) => l.split(' = ')[0]!);
    assert.ok(v2cWalk.length > 0, 'v2c walk ran first');
    assert.deepEqual(names(r.stdout), names(v2cWalk));
    assert.match(r.stdout, /SIP-SERVER-MIB::sipServerRegContactURI\.1\./);
    // a wrong authentication key is refused and counted (usmStatsWrongDigests)
    const bad = await runTool('snmpget', [
      ...v3('reader', 'not-the-password'),
      '-r',
      '0',
      rig.snmpTarget,
      'SNMPv2-MIB::sysDescr.0',
    ]);
    assert.notEqual(bad.code, 0);
    assert.notEqual(await get1(v2c(), 'SNMP-USER-BASED-SM-MIB::usmStatsWrongDigests.0'), '0');
  });

  void test('SNMPv3 write access: the read-write user sets sysContact, the read-only user cannot', async () => {
    const ro = await runTool('snmpset', [
      ...v3('reader'),
      rig.snmpTarget,
      'SNMPv2-MIB::sysContact.0',
      's',
      'reader@example.net',
    ]);
    assert.notEqual(ro.code, 0);
    assert.match(ro.stderr, /noAccess|authorizationError/);
    const rw = await runTool('snmpset', [
      ...v3('writer'),
      rig.snmpTarget,
      'SNMPv2-MIB::sysContact.0',
      's',
      'noc@example.net',
    ]);
    assert.equal(rw.code, 0, rw.stderr);
    assert.equal(rig.snmp.runningConfig().sysContact, 'noc@example.net');
    assert.deepEqual(rig.changes.at(-1), {
      path: 'snmp.sysContact',
      oid: '1.3.6.1.2.1.1.4.0',
      value: 'noc@example.net',
      by: RIG_USERS.writer.name,
    });
  });

  void test('malformed packets are counted in snmpInASNParseErrs and the agent keeps answering', async () => {
    const before = Number(await get1(v2c(), 'SNMPv2-MIB::snmpInASNParseErrs.0'));
    // a valid v2c GetRequest for sysDescr.0, truncated at every length; and random bytes not starting
    // with a SEQUENCE tag
    const valid = Buffer.from(
      '3029020101040670756' + '26c6963a01c020412345678020100020100300e300c06082b060102010101000500',
      'hex',
    );
    const bad: Buffer[] = [];
    for (let k = 1; k < valid.length; k++) bad.push(valid.subarray(0, k));
    let seed = 12345;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 255;
    for (let i = 0; i < 60; i++) {
      const b = Buffer.alloc(1 + (rnd() % 200));
      for (let j = 0; j < b.length; j++) b[j] = rnd();
      b[0] = b[0]! % 0x30;
      bad.push(b);
    }
    const sock = createSocket('udp4');
    const [host, port] = rig.snmpTarget.split(':') as [string, string];
    for (const b of bad)
      await new Promise<void>((resolve) => sock.send(b, Number(port), host, () => resolve()));
    sock.close();
    await new Promise((r) => setTimeout(r, 300));
    const afterCount = Number(await get1(v2c(), 'SNMPv2-MIB::snmpInASNParseErrs.0'));
    assert.equal(afterCount - before, bad.length);
    const m = rig.metrics.get('snmp_engine_stats_total');
    assert.ok(m && m.kind === 'counter');
    assert.equal(m.get('snmpInASNParseErrs'), afterCount);
    assert.match(await get1(v2c(), 'SNMPv2-MIB::sysDescr.0'), /Beckon station/);
  });

  void test('HTTP API on the same station: /metrics, instruments, bindings, 400 on a bad query', async () => {
    const metrics = await (await fetch(`${rig.httpBase}/metrics`)).text();
    assert.match(metrics, new RegExp(`^beckon_sip_requests_in\\{method="OPTIONS"\\} ${OPTIONS_CALLS}$`, 'm'));
    assert.match(metrics, new RegExp(`^beckon_registrar_bindings ${USERS}$`, 'm'));
    const inst = (await (await fetch(`${rig.httpBase}/api/v1/instruments`)).json()) as {
      count: number;
      instruments: { instrument: string; lines: string[] }[];
    };
    assert.equal(inst.count, USERS / 2);
    for (const i of inst.instruments) assert.equal(i.lines.length, 2);
    const mac = macOf(0);
    const one = (await (await fetch(`${rig.httpBase}/api/v1/instruments/${mac}`)).json()) as {
      lines: { aor: string }[];
    };
    assert.deepEqual(
      one.lines.map((l) => l.aor),
      [`sip:1000@${RIG_DOMAIN}`, `sip:1001@${RIG_DOMAIN}`],
    );
    const b = (await (
      await fetch(`${rig.httpBase}/api/v1/bindings?instrument=${mac}&aor=sip:1001@${RIG_DOMAIN}`)
    ).json()) as {
      bindings: { contact: string; source: string }[];
    };
    assert.equal(b.bindings.length, 1);
    assert.equal(b.bindings[0]!.source, `127.0.0.1:${sippRegisterPort}`);
    const badQ = await fetch(`${rig.httpBase}/api/v1/bindings?aor=nobody`);
    assert.equal(badQ.status, 400);
    assert.equal(((await badQ.json()) as { field: string }).field, 'aor');
  });
});
