import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { UserBasedSecurityModel, type UsmInit } from '../../src/security/user-based-security-model.js';
import type { UsmUserConfig } from '../../src/security/usm-user-table.js';
import { AUTH_PROTOCOL_NAMES } from '../../src/security/auth-protocol.js';
import { usmStatInstanceOid } from '../../src/security/usm-stats.js';
import { registerUsmStatsMib } from '../../src/security/usm-stats-mib.js';
import { MibRegistry } from '../../src/mib/mib-registry.js';
import { decodeScopedPdu, decodeV3Message, encodeScopedPdu } from '../../src/proto/v3-message.js';
import {
  flagsFromSecurityLevel,
  securityLevelFromFlags,
  type SecurityLevel,
  type SecurityResult,
  type IncomingSecurityOutput,
} from '../../src/proto/security-model.js';

const AGENT_ENGINE = Buffer.from('80001f88056167656e7431', 'hex');
const SYS_DESCR = [1, 3, 6, 1, 2, 1, 1, 1, 0];

class FakeClock {
  ms = 5_000;
  now = (): number => this.ms;
}

function users(): UsmUserConfig[] {
  const list: UsmUserConfig[] = [{ name: 'public-ish', authProtocol: 'none', privProtocol: 'none' }];
  for (const a of AUTH_PROTOCOL_NAMES) {
    if (a === 'none') continue;
    list.push({ name: `auth-${a}`, authProtocol: a, authPassword: `pass-${a}-word`, privProtocol: 'none' });
    list.push({
      name: `priv-${a}`,
      authProtocol: a,
      authPassword: `pass-${a}-word`,
      privProtocol: 'aes',
      privPassword: `secret-${a}-priv`,
    });
  }
  return list;
}

function makeUsm(over: Partial<UsmInit> & { metrics?: MetricsRegistry } = {}): UserBasedSecurityModel {
  const metrics = over.metrics ?? new MetricsRegistry();
  return new UserBasedSecurityModel(
    { log: silentLogger(), metrics },
    { engineId: AGENT_ENGINE, engineBoots: 5, users: users(), ...over },
  );
}

function scoped(requestId: number, type: 'GetRequest' | 'Response' | 'Report' = 'GetRequest'): Buffer {
  const r = encodeScopedPdu({
    contextEngineId: AGENT_ENGINE,
    contextName: Buffer.alloc(0),
    pdu: {
      type,
      requestId,
      errorStatus: 0,
      errorIndex: 0,
      varbinds: [{ oid: SYS_DESCR, value: { type: 'Null' } }],
    },
  });
  assert.ok(r.ok);
  return r.value;
}

let msgIds = 100;

function request(
  from: UserBasedSecurityModel,
  engineId: Buffer,
  user: string,
  level: SecurityLevel,
  msgId = msgIds++,
): Buffer {
  const r = from.generateRequestMsg({
    globalData: {
      msgId,
      msgMaxSize: 65507,
      msgFlags: flagsFromSecurityLevel(level, true),
      msgSecurityModel: 3,
    },
    securityEngineId: engineId,
    securityName: user,
    securityLevel: level,
    scopedPdu: scoped(msgId),
  });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
  return r.value;
}

function receive(to: UserBasedSecurityModel, whole: Buffer): SecurityResult<IncomingSecurityOutput> {
  const m = decodeV3Message(whole);
  assert.ok(m.ok);
  const level = securityLevelFromFlags(m.value.globalData.msgFlags);
  assert.ok(level);
  return to.processIncomingMsg({
    globalData: m.value.globalData,
    securityLevel: level,
    securityParameters: m.value.securityParameters,
    securityParametersOffset: m.value.securityParametersOffset,
    msgData: m.value.msgData,
    wholeMsg: whole,
  });
}

function msgIdOf(whole: Buffer): number {
  const m = decodeV3Message(whole);
  assert.ok(m.ok);
  return m.value.globalData.msgId;
}

/** The agent answers (response or report) with generateResponseMsg. */
function respond(
  agent: UserBasedSecurityModel,
  incoming: Buffer,
  level: SecurityLevel,
  stateRef: unknown,
  type: 'Response' | 'Report' = 'Response',
): Buffer {
  const id = msgIdOf(incoming);
  const r = agent.generateResponseMsg({
    globalData: {
      msgId: id,
      msgMaxSize: 65507,
      msgFlags: flagsFromSecurityLevel(level, false),
      msgSecurityModel: 3,
    },
    securityEngineId: AGENT_ENGINE,
    securityName: '',
    securityLevel: level,
    scopedPdu: scoped(id, type),
    securityStateReference: stateRef,
  });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
  return r.value;
}

/** A manager that already knows the agent's engine and time (as after discovery). */
function syncedManager(agent: UserBasedSecurityModel, clock = new FakeClock()): UserBasedSecurityModel {
  const mgr = makeUsm({
    engineId: Buffer.from('80001f88056d677231', 'hex'),
    nowMs: clock.now,
    instance: 'mgr',
  });
  const t = agent.clock.read();
  mgr.remoteEngines.synchronise(AGENT_ENGINE, t.engineBoots, t.engineTime);
  return mgr;
}

void test('every auth protocol, authNoPriv and authPriv (AES), request and response round trip', () => {
  const agent = makeUsm();
  const mgr = syncedManager(agent);
  for (const a of AUTH_PROTOCOL_NAMES) {
    if (a === 'none') continue;
    for (const [user, level] of [
      [`auth-${a}`, 'authNoPriv'],
      [`priv-${a}`, 'authPriv'],
      [`priv-${a}`, 'authNoPriv'],
    ] as const) {
      const req = request(mgr, AGENT_ENGINE, user, level);
      const wire = decodeV3Message(req);
      assert.ok(wire.ok);
      assert.equal(wire.value.msgData.kind, level === 'authPriv' ? 'encrypted' : 'plaintext');
      const got = receive(agent, req);
      assert.ok(got.ok, `${user} ${level}: ${JSON.stringify(!got.ok && got.error)}`);
      assert.equal(got.value.securityName, user);
      assert.deepEqual(got.value.securityEngineId, AGENT_ENGINE);
      const sp = decodeScopedPdu(got.value.scopedPdu);
      assert.ok(sp.ok);
      assert.deepEqual(sp.value.pdu.varbinds[0]?.oid, SYS_DESCR);
      const resp = respond(agent, req, level, got.value.securityStateReference);
      const back = receive(mgr, resp);
      assert.ok(back.ok, `${user} response: ${JSON.stringify(!back.ok && back.error)}`);
      const rp = decodeScopedPdu(back.value.scopedPdu);
      assert.ok(rp.ok);
      assert.equal(rp.value.pdu.type, 'Response');
    }
  }
  for (const s of ['usmStatsWrongDigests', 'usmStatsNotInTimeWindows', 'usmStatsDecryptionErrors'] as const) {
    assert.equal(agent.stats.get(s), 0, s);
  }
});

void test('noAuthNoPriv user round trip', () => {
  const agent = makeUsm();
  const mgr = syncedManager(agent);
  const got = receive(agent, request(mgr, AGENT_ENGINE, 'public-ish', 'noAuthNoPriv'));
  assert.ok(got.ok);
  assert.equal(got.value.securityName, 'public-ish');
});

void test('discovery: empty engine ID -> usmStatsUnknownEngineIDs report with the local engine ID, then authPriv works', () => {
  const agentClock = new FakeClock();
  const agent = makeUsm({ nowMs: agentClock.now });
  agentClock.ms += 42_000;
  const mgr = makeUsm({ engineId: Buffer.from('80001f88056d677232', 'hex'), instance: 'mgr' });
  const probe = request(mgr, Buffer.alloc(0), '', 'noAuthNoPriv');
  const r = receive(agent, probe);
  assert.equal(r.ok, false);
  assert.ok(!r.ok);
  assert.equal(r.error.status, 'unknownEngineID');
  assert.deepEqual(r.error.report?.oid, usmStatInstanceOid('usmStatsUnknownEngineIDs'));
  assert.equal(r.error.report?.value, 1);
  assert.equal(r.error.securityLevel, 'noAuthNoPriv');
  const report = respond(agent, probe, 'noAuthNoPriv', r.error.securityStateReference, 'Report');
  // The report carries the agent's engine ID, boots and time.
  const back = receive(mgr, report);
  assert.ok(back.ok, JSON.stringify(!back.ok && back.error));
  assert.deepEqual(back.value.securityEngineId, AGENT_ENGINE);
  assert.ok(mgr.remoteEngines.has(AGENT_ENGINE));
  assert.deepEqual(mgr.remoteEngines.current(AGENT_ENGINE), { boots: 5, time: 42 });
  // The same unsolicited report a second time (msgID no longer outstanding) is not trusted for
  // new engines: an unrelated engine ID is refused.
  const other = makeUsm({ engineId: Buffer.from('80001f8805ffeeddcc', 'hex') });
  const unsolicited = respond(other, probe, 'noAuthNoPriv', r.error.securityStateReference, 'Report');
  const rej = receive(mgr, unsolicited);
  assert.ok(!rej.ok);
  assert.equal(rej.error.status, 'unknownEngineID');
  // Now an authenticated, encrypted request succeeds at once (time hint from the report).
  const got = receive(agent, request(mgr, AGENT_ENGINE, 'priv-sha256', 'authPriv'));
  assert.ok(got.ok, JSON.stringify(!got.ok && got.error));
  assert.equal(agent.stats.get('usmStatsUnknownEngineIDs'), 1);
});

void test('time window: authoritative side reports notInTimeWindow (authenticated), manager resynchronises', () => {
  const agentClock = new FakeClock();
  const agent = makeUsm({ nowMs: agentClock.now, engineBoots: 9 });
  agentClock.ms += 1_000_000;
  const mgrClock = new FakeClock();
  const mgr = makeUsm({
    engineId: Buffer.from('80001f88056d677233', 'hex'),
    nowMs: mgrClock.now,
    instance: 'mgr',
  });
  // Manager configured with the engine ID but no time: boots 0, time 0.
  const req = request(mgr, AGENT_ENGINE, 'auth-sha', 'authNoPriv');
  const r = receive(agent, req);
  assert.ok(!r.ok);
  assert.equal(r.error.status, 'notInTimeWindow');
  assert.equal(r.error.securityLevel, 'authNoPriv');
  assert.deepEqual(r.error.report?.oid, usmStatInstanceOid('usmStatsNotInTimeWindows'));
  const report = respond(agent, req, 'authNoPriv', r.error.securityStateReference, 'Report');
  const back = receive(mgr, report);
  assert.ok(back.ok, JSON.stringify(!back.ok && back.error));
  assert.deepEqual(mgr.remoteEngines.current(AGENT_ENGINE), { boots: 9, time: 1000 });
  // Retry succeeds.
  assert.ok(receive(agent, request(mgr, AGENT_ENGINE, 'auth-sha', 'authNoPriv')).ok);
  // 151 s of drift in either direction is outside the window; 150 s is inside.
  mgrClock.ms += 150_000;
  assert.ok(receive(agent, request(mgr, AGENT_ENGINE, 'auth-sha', 'authNoPriv')).ok);
  mgrClock.ms += 1_000;
  const late = receive(agent, request(mgr, AGENT_ENGINE, 'auth-sha', 'authNoPriv'));
  assert.ok(!late.ok);
  assert.equal(late.error.status, 'notInTimeWindow');
  assert.equal(agent.stats.get('usmStatsNotInTimeWindows'), 2);
});

void test('time window: non-authoritative side drops replayed old responses without a report', () => {
  const clock = new FakeClock(); // agent and manager clocks run at the same rate
  const agent = makeUsm({ nowMs: clock.now });
  const mgr = syncedManager(agent, clock);
  const req = request(mgr, AGENT_ENGINE, 'auth-md5', 'authNoPriv');
  const got = receive(agent, req);
  assert.ok(got.ok);
  const oldResponse = respond(agent, req, 'authNoPriv', got.value.securityStateReference);
  clock.ms += 400_000;
  // A fresh response moves the manager's notion of the agent's time forward.
  const req2 = request(mgr, AGENT_ENGINE, 'auth-md5', 'authNoPriv');
  const got2 = receive(agent, req2);
  assert.ok(got2.ok);
  assert.ok(receive(mgr, respond(agent, req2, 'authNoPriv', got2.value.securityStateReference)).ok);
  const replay = receive(mgr, oldResponse);
  assert.ok(!replay.ok);
  assert.equal(replay.error.status, 'notInTimeWindow');
  assert.equal(replay.error.report, undefined);
});

void test('unknown user, wrong digest, unsupported level, decryption error: counters and report OIDs', () => {
  const metrics = new MetricsRegistry();
  const agent = makeUsm({ metrics, instance: 'agent' });
  // Manager whose user table differs from the agent's.
  const mgr = makeUsm({
    engineId: Buffer.from('80001f88056d677234', 'hex'),
    instance: 'mgr',
    users: [
      { name: 'ghost', authProtocol: 'sha', authPassword: 'whatever-pw', privProtocol: 'none' },
      { name: 'auth-sha256', authProtocol: 'sha256', authPassword: 'WRONG-password', privProtocol: 'none' },
      // agent has auth-md5 without privacy
      {
        name: 'auth-md5',
        authProtocol: 'md5',
        authPassword: 'pass-md5-word',
        privProtocol: 'aes',
        privPassword: 'x-priv-pass',
      },
      // right auth password, wrong privacy password
      {
        name: 'priv-sha',
        authProtocol: 'sha',
        authPassword: 'pass-sha-word',
        privProtocol: 'aes',
        privPassword: 'wrong-priv-pw',
      },
    ],
  });
  const t = agent.clock.read();
  mgr.remoteEngines.synchronise(AGENT_ENGINE, t.engineBoots, t.engineTime);

  const u = receive(agent, request(mgr, AGENT_ENGINE, 'ghost', 'authNoPriv'));
  assert.ok(!u.ok);
  assert.equal(u.error.status, 'unknownUserName');
  assert.deepEqual(u.error.report?.oid, usmStatInstanceOid('usmStatsUnknownUserNames'));

  const d = receive(agent, request(mgr, AGENT_ENGINE, 'auth-sha256', 'authNoPriv'));
  assert.ok(!d.ok);
  assert.equal(d.error.status, 'wrongDigest');
  assert.equal(d.error.securityLevel, 'noAuthNoPriv');
  assert.deepEqual(d.error.report?.oid, usmStatInstanceOid('usmStatsWrongDigests'));
  // the Report for a wrong digest is sent unauthenticated
  const rep = respond(
    agent,
    request(mgr, AGENT_ENGINE, 'auth-sha256', 'authNoPriv'),
    'noAuthNoPriv',
    d.error.securityStateReference,
    'Report',
  );
  assert.ok(decodeV3Message(rep).ok);

  const s = receive(agent, request(mgr, AGENT_ENGINE, 'auth-md5', 'authPriv'));
  assert.ok(!s.ok);
  assert.equal(s.error.status, 'unsupportedSecLevel');
  assert.deepEqual(s.error.report?.oid, usmStatInstanceOid('usmStatsUnsupportedSecLevels'));

  // With the wrong privacy key the plaintext is garbage; nearly always it fails the SEQUENCE check.
  let decErrors = 0;
  for (let i = 0; i < 8; i++) {
    const x = receive(agent, request(mgr, AGENT_ENGINE, 'priv-sha', 'authPriv'));
    if (!x.ok) {
      assert.equal(x.error.status, 'decryptionError');
      assert.deepEqual(x.error.report?.oid, usmStatInstanceOid('usmStatsDecryptionErrors'));
      decErrors++;
    } else assert.equal(decodeScopedPdu(x.value.scopedPdu).ok, false);
  }
  assert.ok(decErrors >= 1);

  assert.equal(agent.stats.get('usmStatsUnknownUserNames'), 1);
  assert.equal(agent.stats.get('usmStatsWrongDigests'), 1);
  assert.equal(agent.stats.get('usmStatsUnsupportedSecLevels'), 1);
  assert.equal(agent.stats.get('usmStatsDecryptionErrors'), decErrors);
  // The counters live in the MetricsRegistry.
  const c = metrics.get('snmp_usm_stats_total');
  assert.ok(c && c.kind === 'counter');
  assert.equal(c.get('agent', 'usmStatsWrongDigests'), 1);

  // And are readable as MIB scalars.
  const registry = new MibRegistry();
  const reg = registerUsmStatsMib(registry, agent.stats);
  assert.ok(reg.ok);
  const ctx = { securityModel: 3, securityName: 'x', securityLevel: 'authNoPriv' as const, contextName: '' };
  assert.deepEqual(registry.get(usmStatInstanceOid('usmStatsWrongDigests'), ctx).value, {
    type: 'Counter32',
    value: 1,
  });
  assert.equal(registerUsmStatsMib(registry, agent.stats).ok, false, 'second registration overlaps');
  reg.unregister();
  assert.equal(registry.size, 0);
});

void test('a message for another engine is refused with unknownEngineID; tampering is a wrong digest', () => {
  const agent = makeUsm();
  const stranger = makeUsm({ engineId: Buffer.from('80001f8805aabbccdd', 'hex') });
  const mgr = syncedManager(stranger);
  // A request authoritative for the stranger engine, sent to our agent.
  mgr.remoteEngines.synchronise(stranger.engineId, 5, 0);
  const r = receive(agent, request(mgr, stranger.engineId, 'auth-sha', 'authNoPriv'));
  assert.ok(!r.ok);
  assert.equal(r.error.status, 'unknownEngineID');

  const good = request(syncedManager(agent), AGENT_ENGINE, 'auth-sha512', 'authNoPriv');
  for (let i = 0; i < good.length; i += 7) {
    const bad = Buffer.from(good);
    bad[i] = bad[i]! ^ 0x01;
    const m = decodeV3Message(bad);
    if (!m.ok) continue; // framing broken: message processing drops it before USM
    const x = receive(agent, bad);
    assert.equal(x.ok, false, `flip at ${i}`);
  }
});

void test('request generation errors are values: unknown user, unsupported level, auth without engine', () => {
  const mgr = makeUsm();
  const gd = { msgId: 1, msgMaxSize: 65507, msgFlags: 0, msgSecurityModel: 3 };
  const base = { globalData: gd, scopedPdu: scoped(1) };
  const a = mgr.generateRequestMsg({
    ...base,
    securityEngineId: AGENT_ENGINE,
    securityName: 'nobody',
    securityLevel: 'authNoPriv',
  });
  assert.ok(!a.ok && a.error.status === 'unknownUserName');
  const b = mgr.generateRequestMsg({
    ...base,
    securityEngineId: AGENT_ENGINE,
    securityName: 'auth-md5',
    securityLevel: 'authPriv',
  });
  assert.ok(!b.ok && b.error.status === 'unsupportedSecLevel');
  const c = mgr.generateRequestMsg({
    ...base,
    securityEngineId: Buffer.alloc(0),
    securityName: 'auth-md5',
    securityLevel: 'authNoPriv',
  });
  assert.ok(!c.ok && c.error.status === 'unknownEngineID');
});

void test('invalid configuration is reported by create()', () => {
  const r = UserBasedSecurityModel.create(
    { log: silentLogger(), metrics: new MetricsRegistry() },
    {
      engineId: Buffer.alloc(3),
      engineBoots: -1,
      users: [
        { name: '', authProtocol: 'sha', authPassword: 'short', privProtocol: 'none' },
        { name: 'p', authProtocol: 'none', privProtocol: 'aes', privPassword: 'longenough' },
        { name: 'q', authProtocol: 'sha', authPassword: 'longenough', privProtocol: 'aes' },
      ],
    },
  );
  assert.ok(!r.ok);
  assert.equal(r.errors.length, 6, r.errors.join('\n'));
});
