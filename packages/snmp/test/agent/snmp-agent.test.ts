import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeCommunityMessage,
  decodeScopedPdu,
  decodeV3Message,
  encodeCommunityMessage,
  encodeScopedPdu,
  encodeV3Message,
  oid,
  type SecurityModel,
} from '../../src/index.js';
import { startTestAgent } from '../helpers/test-agent.js';

void test('counters: bad versions, parse errors, bad community, unexpected PDUs; same numbers in Prometheus', async () => {
  const a = await startTestAgent(10);
  try {
    const bad = encodeCommunityMessage({
      version: 1,
      community: Buffer.from('public'),
      pdu: { type: 'GetRequest', requestId: 1, errorStatus: 0, errorIndex: 0, varbinds: [] },
    });
    assert.ok(bad.ok);
    const v2 = Buffer.from(bad.value);
    v2[4] = 2; // msgVersion 2 (SNMPv2u/v2*) is not supported
    assert.equal(a.agent.handleMessage(v2), undefined);
    assert.equal(a.agent.stats.get('snmpInBadVersions'), 1);
    assert.equal(a.agent.handleMessage(Buffer.from('garbage')), undefined);
    assert.equal(a.agent.stats.get('snmpInASNParseErrs'), 1);
    const wrong = encodeCommunityMessage({
      version: 1,
      community: Buffer.from('nope'),
      pdu: { type: 'GetRequest', requestId: 1, errorStatus: 0, errorIndex: 0, varbinds: [] },
    });
    assert.ok(wrong.ok);
    assert.equal(a.agent.handleMessage(wrong.value), undefined);
    assert.equal(a.agent.stats.get('snmpInBadCommunityNames'), 1);
    const resp = encodeCommunityMessage({
      version: 1,
      community: Buffer.from('public'),
      pdu: { type: 'Response', requestId: 1, errorStatus: 0, errorIndex: 0, varbinds: [] },
    });
    assert.ok(resp.ok);
    assert.equal(a.agent.handleMessage(resp.value), undefined);
    assert.equal(a.agent.stats.get('snmpInGetResponses'), 1);
    assert.equal(a.agent.stats.get('snmpInPkts'), 4);
    assert.match(
      a.metrics.toPrometheus(),
      /beckon_snmp_engine_stats_total\{counter="snmpInBadCommunityNames"\} 1/,
    );
    // the snmp group reads the same counter
    const get = encodeCommunityMessage({
      version: 1,
      community: Buffer.from('public'),
      pdu: {
        type: 'GetRequest',
        requestId: 9,
        errorStatus: 0,
        errorIndex: 0,
        varbinds: [{ oid: oid('1.3.6.1.2.1.11.6.0'), value: { type: 'Null' } }],
      },
    });
    assert.ok(get.ok);
    const out = a.agent.handleMessage(get.value);
    assert.ok(out);
    const d = decodeCommunityMessage(out);
    assert.ok(d.ok && d.value.pdu.type === 'Response');
    assert.deepEqual(d.value.pdu.varbinds[0]!.value, { type: 'Counter32', value: 1 });
  } finally {
    await a.close();
  }
});

/** A pass-through security model standing in for USM: checks the seam, not cryptography. */
function fakeSecurityModel(known: string): SecurityModel & { seen: number } {
  return {
    id: 3,
    seen: 0,
    processIncomingMsg(p) {
      this.seen++;
      const user = p.securityParameters.toString();
      if (p.msgData.kind !== 'plaintext') return { ok: false, error: { status: 'decryptionError' } };
      if (user !== known)
        return {
          ok: false,
          error: { status: 'unknownUserName', report: { oid: oid('1.3.6.1.6.3.15.1.1.3.0'), value: 1 } },
        };
      return {
        ok: true,
        value: {
          securityEngineId: Buffer.from('e'),
          securityName: user,
          scopedPdu: p.msgData.scopedPdu,
          maxSizeResponseScopedPdu: 65000,
          securityStateReference: user,
        },
      };
    },
    generateRequestMsg() {
      return { ok: false, error: { status: 'parseError' } };
    },
    generateResponseMsg(p) {
      const e = encodeV3Message({
        globalData: p.globalData,
        securityParameters: Buffer.from(String(p.securityStateReference ?? 'report')),
        msgData: { kind: 'plaintext', scopedPdu: p.scopedPdu },
      });
      return e.ok ? { ok: true, value: e.value.bytes } : { ok: false, error: { status: 'parseError' } };
    },
  };
}

void test('v3 through the SecurityModel seam: response and Report', async () => {
  const a = await startTestAgent(10);
  const sm = fakeSecurityModel('alice');
  // rebuild an agent with the security model: reuse the test registry
  const { SnmpAgent, CommunityAccessControl } = await import('../../src/index.js');
  const { MetricsRegistry, silentLogger } = await import('@beckon/ops');
  const acl = new CommunityAccessControl([]);
  const agent = new SnmpAgent({
    registry: a.registry,
    access: {
      isAccessAllowed: (model, name) =>
        model === 3 && name === 'alice'
          ? 'accessAllowed'
          : acl.isAccessAllowed(model, name, 'noAuthNoPriv', 'read', '', []),
    },
    securityModels: [sm],
    engineId: Buffer.from('8000ea6003626563', 'hex'),
    metrics: new MetricsRegistry(),
    log: silentLogger(),
  });
  try {
    const scoped = encodeScopedPdu({
      contextEngineId: Buffer.from('8000ea6003626563', 'hex'),
      contextName: Buffer.alloc(0),
      pdu: {
        type: 'GetRequest',
        requestId: 77,
        errorStatus: 0,
        errorIndex: 0,
        varbinds: [{ oid: oid('1.3.6.1.2.1.1.5.0'), value: { type: 'Null' } }],
      },
    });
    assert.ok(scoped.ok);
    const msg = (user: string, flags = 4) =>
      encodeV3Message({
        globalData: { msgId: 500, msgMaxSize: 65507, msgFlags: flags, msgSecurityModel: 3 },
        securityParameters: Buffer.from(user),
        msgData: { kind: 'plaintext', scopedPdu: scoped.value },
      });
    const m1 = msg('alice');
    assert.ok(m1.ok);
    const out = agent.handleMessage(m1.value.bytes);
    assert.ok(out);
    const d = decodeV3Message(out);
    assert.ok(d.ok && d.value.msgData.kind === 'plaintext');
    assert.equal(d.value.globalData.msgId, 500);
    assert.equal(d.value.globalData.msgFlags & 4, 0);
    const s = decodeScopedPdu(d.value.msgData.scopedPdu);
    assert.ok(s.ok && s.value.pdu.type === 'Response');
    assert.equal(s.value.pdu.requestId, 77);
    assert.deepEqual(s.value.pdu.varbinds[0]!.value, {
      type: 'OctetString',
      value: Buffer.from('beckon-test'),
    });
    // unknown user: Report with the counter varbind
    const m2 = msg('mallory');
    assert.ok(m2.ok);
    const rep = agent.handleMessage(m2.value.bytes);
    assert.ok(rep);
    const d2 = decodeV3Message(rep);
    assert.ok(d2.ok && d2.value.msgData.kind === 'plaintext');
    const s2 = decodeScopedPdu(d2.value.msgData.scopedPdu);
    assert.ok(s2.ok && s2.value.pdu.type === 'Report');
    assert.deepEqual(s2.value.pdu.varbinds[0]!.oid, oid('1.3.6.1.6.3.15.1.1.3.0'));
    assert.equal(s2.value.pdu.requestId, 77);
    // not reportable: silently dropped
    const m3 = msg('mallory', 0);
    assert.ok(m3.ok);
    assert.equal(agent.handleMessage(m3.value.bytes), undefined);
    // invalid flags (priv without auth) and unknown security model
    const m4 = msg('alice', 2);
    assert.ok(m4.ok);
    assert.equal(agent.handleMessage(m4.value.bytes), undefined);
    assert.equal(agent.stats.get('snmpInvalidMsgs'), 1);
    const m5 = encodeV3Message({
      globalData: { msgId: 1, msgMaxSize: 65507, msgFlags: 4, msgSecurityModel: 99 },
      securityParameters: Buffer.alloc(0),
      msgData: { kind: 'plaintext', scopedPdu: scoped.value },
    });
    assert.ok(m5.ok);
    assert.equal(agent.handleMessage(m5.value.bytes), undefined);
    assert.equal(agent.stats.get('snmpUnknownSecurityModels'), 1);
    // a contextEngineID that is not ours: no application for it (snmpUnknownPDUHandlers)
    const other = encodeScopedPdu({
      contextEngineId: Buffer.from('800000000000', 'hex'),
      contextName: Buffer.alloc(0),
      pdu: { type: 'GetRequest', requestId: 1, errorStatus: 0, errorIndex: 0, varbinds: [] },
    });
    assert.ok(other.ok);
    const m6 = encodeV3Message({
      globalData: { msgId: 2, msgMaxSize: 65507, msgFlags: 4, msgSecurityModel: 3 },
      securityParameters: Buffer.from('alice'),
      msgData: { kind: 'plaintext', scopedPdu: other.value },
    });
    assert.ok(m6.ok);
    assert.equal(agent.handleMessage(m6.value.bytes), undefined);
    assert.equal(agent.stats.get('snmpUnknownPDUHandlers'), 1);
  } finally {
    await a.close();
  }
});
