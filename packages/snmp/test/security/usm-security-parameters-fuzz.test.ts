import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { UserBasedSecurityModel } from '../../src/security/user-based-security-model.js';
import { decodeV3Message, encodeScopedPdu } from '../../src/proto/v3-message.js';
import { flagsFromSecurityLevel, securityLevelFromFlags } from '../../src/proto/security-model.js';
import {
  decodeUsmSecurityParameters,
  encodeUsmSecurityParameters,
} from '../../src/security/usm-security-parameters.js';
import { seededUint32 } from '@beckon/testkit';

void test('USM parameters decoder: 60,000 fuzzed inputs, zero exceptions', () => {
  const next = seededUint32(0x5eed);
  const seeds: Buffer[] = [];
  for (const mac of [0, 12, 24, 48]) {
    const e = encodeUsmSecurityParameters({
      authoritativeEngineId: Buffer.from('80001f88056162636465', 'hex'),
      authoritativeEngineBoots: next() & 0x7fffffff,
      authoritativeEngineTime: next() & 0x7fffffff,
      userName: Buffer.from('fuzzuser'),
      authenticationParametersLength: mac,
      privacyParameters: mac ? Buffer.alloc(8, 3) : Buffer.alloc(0),
    });
    assert.ok(e.ok);
    seeds.push(e.value.bytes);
  }
  let decoded = 0;
  let rejected = 0;
  const N = 60_000;
  for (let i = 0; i < N; i++) {
    let input: Buffer;
    const mode = next() % 4;
    if (mode === 0) {
      // pure random bytes, random length
      input = Buffer.alloc(next() % 200);
      for (let j = 0; j < input.length; j++) input[j] = next() & 0xff;
    } else {
      // mutate a valid encoding: flip bytes, truncate, extend
      const base = seeds[next() % seeds.length]!;
      input = Buffer.from(base);
      const flips = 1 + (next() % 4);
      for (let k = 0; k < flips; k++) input[next() % input.length] = next() & 0xff;
      if (mode === 2) input = input.subarray(0, next() % input.length);
      if (mode === 3) input = Buffer.concat([input, Buffer.from([next() & 0xff, next() & 0xff])]);
    }
    let r: ReturnType<typeof decodeUsmSecurityParameters>;
    try {
      r = decodeUsmSecurityParameters(input);
    } catch (e) {
      assert.fail(`exception on input ${input.toString('hex')}: ${String(e)}`);
    }
    if (r.ok) {
      decoded++;
      const v = r.value;
      // Invariants of accepted input.
      assert.ok(v.authoritativeEngineId.length <= 32);
      assert.ok(v.userName.length <= 32);
      assert.ok(v.authoritativeEngineBoots >= 0 && v.authoritativeEngineBoots <= 2147483647);
      assert.ok(v.authoritativeEngineTime >= 0 && v.authoritativeEngineTime <= 2147483647);
      assert.ok(v.authenticationParametersOffset + v.authenticationParameters.length <= input.length);
    } else rejected++;
  }
  assert.equal(decoded + rejected, N);
  assert.ok(decoded > 0 && rejected > 0, `decoded ${decoded} rejected ${rejected}`);
});

void test('USM processIncomingMsg: 20,000 mutated v3 messages, zero exceptions, none accepted when tampered', () => {
  const engineId = Buffer.from('80001f88056167656e7431', 'hex');
  const users = [
    {
      name: 'u',
      authProtocol: 'sha256' as const,
      authPassword: 'fuzz-auth-pw',
      privProtocol: 'aes' as const,
      privPassword: 'fuzz-priv-pw',
    },
  ];
  const agent = new UserBasedSecurityModel(
    { log: silentLogger(), metrics: new MetricsRegistry() },
    { engineId, engineBoots: 1, users },
  );
  const mgr = new UserBasedSecurityModel(
    { log: silentLogger(), metrics: new MetricsRegistry() },
    { engineId: Buffer.from('80001f88056d6772', 'hex'), engineBoots: 1, users },
  );
  mgr.remoteEngines.synchronise(engineId, 1, 0);
  const scoped = encodeScopedPdu({
    contextEngineId: engineId,
    contextName: Buffer.alloc(0),
    pdu: {
      type: 'GetRequest',
      requestId: 1,
      errorStatus: 0,
      errorIndex: 0,
      varbinds: [{ oid: [1, 3, 6, 1, 2, 1, 1, 1, 0], value: { type: 'Null' } }],
    },
  });
  assert.ok(scoped.ok);
  const seeds: Buffer[] = [];
  for (const level of ['noAuthNoPriv', 'authNoPriv', 'authPriv'] as const) {
    const r = mgr.generateRequestMsg({
      globalData: {
        msgId: 9,
        msgMaxSize: 65507,
        msgFlags: flagsFromSecurityLevel(level, true),
        msgSecurityModel: 3,
      },
      securityEngineId: engineId,
      securityName: 'u',
      securityLevel: level,
      scopedPdu: scoped.value,
    });
    assert.ok(r.ok);
    seeds.push(r.value);
  }
  const next = seededUint32(0xfeed);
  let accepted = 0;
  for (let i = 0; i < 20_000; i++) {
    const seedIndex = next() % seeds.length;
    const input = Buffer.from(seeds[seedIndex]!);
    const flips = 1 + (next() % 3);
    for (let k = 0; k < flips; k++) {
      const at = next() % input.length;
      input[at] = input[at]! ^ (1 + (next() % 255));
    }
    const m = decodeV3Message(input);
    if (!m.ok) continue;
    const level = securityLevelFromFlags(m.value.globalData.msgFlags);
    if (!level) continue;
    try {
      const r = agent.processIncomingMsg({
        globalData: m.value.globalData,
        securityLevel: level,
        securityParameters: m.value.securityParameters,
        securityParametersOffset: m.value.securityParametersOffset,
        msgData: m.value.msgData,
        wholeMsg: input,
      });
      if (r.ok && level !== 'noAuthNoPriv') accepted++;
    } catch (e) {
      assert.fail(`exception on ${input.toString('hex')}: ${String(e)}`);
    }
  }
  assert.equal(accepted, 0, 'a tampered authenticated message was accepted');
});
