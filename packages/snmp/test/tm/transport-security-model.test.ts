import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import {
  LOCAL_ENGINE_ID,
  NULL_VALUE,
  SecureSessionTransport,
  TransportSecurityModel,
  decodeScopedPdu,
  decodeV3Message,
  encodeScopedPdu,
  flagsFromSecurityLevel,
  oid,
  replaceContextEngineId,
  substituteLocalEngineId,
  tsmStatInstanceOid,
  type SecurityLevel,
  type SnmpTransport,
  type TmStateReference,
  type TransportAddress,
} from '../../src/index.js';
import { DEVICE_ENGINE, SYS_DESCR, tsmAgent } from './helpers/tsm-agent.js';

const TM: TmStateReference = {
  tmTransportDomain: 'tls',
  tmTransportAddress: { address: '127.0.0.1', port: 1 },
  tmSecurityName: 'station',
  tmTransportSecurityLevel: 'authPriv',
  tmSessionId: 's1',
};

/** Builds a TSM request message with the station's TSM. */
function request(
  level: SecurityLevel,
  contextEngineId: Buffer,
  oids = [SYS_DESCR],
  securityName = 'station',
): Buffer {
  const tsm = new TransportSecurityModel({
    engineId: Buffer.from('8000000001aa', 'hex'),
    metrics: new MetricsRegistry(),
  });
  const scoped = encodeScopedPdu({
    contextEngineId,
    contextName: Buffer.alloc(0),
    pdu: {
      type: 'GetRequest',
      requestId: 77,
      errorStatus: 0,
      errorIndex: 0,
      varbinds: oids.map((o) => ({ oid: o, value: NULL_VALUE })),
    },
  });
  assert.ok(scoped.ok);
  const m = tsm.generateRequestMsg({
    globalData: {
      msgId: 5,
      msgMaxSize: 65507,
      msgFlags: flagsFromSecurityLevel(level, true),
      msgSecurityModel: 4,
    },
    securityEngineId: Buffer.alloc(0),
    securityName,
    securityLevel: level,
    scopedPdu: scoped.value,
  });
  assert.ok(m.ok);
  return m.value;
}

function responsePdu(buf: Buffer | undefined): ReturnType<typeof decodeScopedPdu> & { ok: true } {
  assert.ok(buf);
  const m = decodeV3Message(buf);
  assert.ok(m.ok);
  assert.equal(m.value.securityParameters.length, 0, 'TSM: zero-length msgSecurityParameters');
  assert.equal(m.value.globalData.msgSecurityModel, 4);
  assert.equal(m.value.msgData.kind, 'plaintext');
  const sp = decodeScopedPdu(
    m.value.msgData.kind === 'plaintext' ? m.value.msgData.scopedPdu : Buffer.alloc(0),
  );
  assert.ok(sp.ok);
  return sp;
}

void test('TSM: securityName comes from the transport; the message carries no security parameters', () => {
  const a = tsmAgent(['station']);
  const out = a.tsm.withTransportState(TM, () => a.agent.handleMessage(request('authPriv', DEVICE_ENGINE)));
  const sp = responsePdu(out);
  assert.equal(sp.value.pdu.type, 'Response');
  const vb = sp.value.pdu.type === 'Response' ? sp.value.pdu.varbinds[0] : undefined;
  assert.equal(vb?.value.type, 'OctetString');
  // the name in the request is not used: another transport identity is refused by access control
  const other = a.tsm.withTransportState({ ...TM, tmSecurityName: 'intruder' }, () =>
    a.agent.handleMessage(request('authPriv', DEVICE_ENGINE, [SYS_DESCR], 'station')),
  );
  const sp2 = responsePdu(other);
  // RFC 3413 §3.2 (3): noGroupName for "intruder" -> authorizationError (16)
  assert.ok(sp2.value.pdu.type === 'Response' && sp2.value.pdu.errorStatus === 16);
});

void test('TSM: no transport state -> snmpTsmInvalidCaches, dropped', () => {
  const a = tsmAgent(['station']);
  assert.equal(a.agent.handleMessage(request('authPriv', DEVICE_ENGINE)), undefined);
  assert.equal(a.tsm.stats.get('snmpTsmInvalidCaches'), 1);
});

void test('TSM: message level above the transport level -> Report snmpTsmInadequateSecurityLevels', () => {
  const a = tsmAgent(['station']);
  const out = a.tsm.withTransportState({ ...TM, tmTransportSecurityLevel: 'authNoPriv' }, () =>
    a.agent.handleMessage(request('authPriv', DEVICE_ENGINE)),
  );
  const sp = responsePdu(out);
  assert.equal(sp.value.pdu.type, 'Report');
  const vb = sp.value.pdu.type === 'Report' ? sp.value.pdu.varbinds[0] : undefined;
  assert.deepEqual(vb?.oid, tsmStatInstanceOid('snmpTsmInadequateSecurityLevels'));
  assert.deepEqual(vb?.oid, oid('1.3.6.1.2.1.190.1.1.2.0'));
  assert.equal(a.tsm.stats.get('snmpTsmInadequateSecurityLevels'), 1);
});

void test('TSM: snmpTsmStats and snmpTsmConfigurationUsePrefix readable over SNMP; prefix applied', () => {
  const a = tsmAgent(['station', 'tls:station']);
  a.agent.handleMessage(request('authPriv', DEVICE_ENGINE)); // one invalid cache
  const stats = [1, 2, 3, 4].map((i) => oid(`1.3.6.1.2.1.190.1.1.${i}.0`));
  const out = a.tsm.withTransportState(TM, () =>
    a.agent.handleMessage(request('authPriv', DEVICE_ENGINE, [...stats, oid('1.3.6.1.2.1.190.1.2.1.0')])),
  );
  const sp = responsePdu(out);
  assert.ok(sp.value.pdu.type === 'Response');
  const vals = sp.value.pdu.varbinds.map((v) =>
    v.value.type === 'Counter32' || v.value.type === 'Integer' ? v.value.value : -1,
  );
  assert.deepEqual(vals, [1, 0, 0, 0, 2]);
  // with the prefix on, the securityName becomes "tls:station"
  const names: string[] = [];
  const tsm2 = new TransportSecurityModel({
    engineId: DEVICE_ENGINE,
    metrics: new MetricsRegistry(),
    usePrefix: true,
  });
  const msg = decodeV3Message(request('authPriv', DEVICE_ENGINE));
  assert.ok(msg.ok);
  const r = tsm2.withTransportState(TM, () =>
    tsm2.processIncomingMsg({
      globalData: msg.value.globalData,
      securityLevel: 'authPriv',
      securityParameters: msg.value.securityParameters,
      securityParametersOffset: msg.value.securityParametersOffset,
      msgData: msg.value.msgData,
      wholeMsg: request('authPriv', DEVICE_ENGINE),
    }),
  );
  assert.ok(r.ok);
  names.push(r.value.securityName);
  assert.deepEqual(names, ['tls:station']);
  assert.ok(r.value.securityEngineId.equals(DEVICE_ENGINE));
});

void test('TSM outgoing with usePrefix: unknown and mismatching prefixes are counted and refused', () => {
  const tsm = new TransportSecurityModel({
    engineId: DEVICE_ENGINE,
    metrics: new MetricsRegistry(),
    usePrefix: true,
  });
  const base = {
    globalData: { msgId: 1, msgMaxSize: 65507, msgFlags: 7, msgSecurityModel: 4 },
    securityEngineId: DEVICE_ENGINE,
    securityLevel: 'authPriv' as const,
    scopedPdu: Buffer.from('300d04000400a007020101020100020100', 'hex'),
  };
  assert.equal(tsm.generateRequestMsg({ ...base, securityName: 'station' }).ok, false);
  assert.equal(tsm.stats.get('snmpTsmUnknownPrefixes'), 1);
  assert.equal(tsm.generateRequestMsg({ ...base, securityName: 'tls:station' }).ok, true);
  const bad = tsm.withTransportState({ ...TM, tmTransportDomain: 'ssh' }, () =>
    tsm.generateRequestMsg({ ...base, securityName: 'tls:station' }),
  );
  assert.equal(bad.ok, false);
  assert.equal(tsm.stats.get('snmpTsmInvalidPrefixes'), 1);
});

void test('RFC 5343: contextEngineID localEngineID is served as the local engine and echoed back', () => {
  assert.deepEqual([...LOCAL_ENGINE_ID], [0x80, 0, 0, 0, 6]);
  const a = tsmAgent(['station']);
  const out = a.tsm.withTransportState(TM, () =>
    a.agent.handleMessage(request('authPriv', LOCAL_ENGINE_ID, [oid('1.3.6.1.6.3.10.2.1.1.0')])),
  );
  const sp = responsePdu(out);
  assert.ok(sp.value.contextEngineId.equals(LOCAL_ENGINE_ID));
  assert.ok(sp.value.pdu.type === 'Response');
  const v = sp.value.pdu.varbinds[0]?.value;
  assert.ok(v?.type === 'OctetString' && v.value.equals(DEVICE_ENGINE));
});

void test('replaceContextEngineId: long forms, no match, garbage', () => {
  const long = encodeScopedPdu({
    contextEngineId: LOCAL_ENGINE_ID,
    contextName: Buffer.alloc(0),
    pdu: {
      type: 'GetRequest',
      requestId: 1,
      errorStatus: 0,
      errorIndex: 0,
      varbinds: Array.from({ length: 20 }, (_, i) => ({ oid: [1, 3, 6, 1, i], value: NULL_VALUE })),
    },
  });
  assert.ok(long.ok);
  const s = substituteLocalEngineId(long.value, DEVICE_ENGINE);
  assert.ok(s);
  const d = decodeScopedPdu(s);
  assert.ok(d.ok && d.value.contextEngineId.equals(DEVICE_ENGINE) && d.value.pdu.type === 'GetRequest');
  assert.ok(replaceContextEngineId(s, DEVICE_ENGINE, LOCAL_ENGINE_ID)?.equals(long.value));
  assert.equal(substituteLocalEngineId(s, DEVICE_ENGINE), undefined);
  for (const g of [
    Buffer.alloc(0),
    Buffer.from([0x30]),
    Buffer.from([0x30, 0x80, 4, 5]),
    Buffer.from('3005040580000000', 'hex'),
  ])
    assert.equal(substituteLocalEngineId(g, DEVICE_ENGINE), undefined);
});

void test('SecureSessionTransport binds the session state for each delivered message', () => {
  const tsm = new TransportSecurityModel({
    engineId: DEVICE_ENGINE,
    metrics: new MetricsRegistry(),
    log: silentLogger(),
  });
  let deliver: ((b: Buffer, f: TransportAddress) => void) | undefined;
  const sent: Buffer[] = [];
  const inner: SnmpTransport = {
    connected: true,
    send: (b) => sent.push(b),
    onMessage: (cb) => (deliver = cb),
    close: () => Promise.resolve(),
  };
  // a TSM other than the agent's: the agent's TSM sees no state -> invalid cache, dropped
  const a = tsmAgent(['station']);
  a.agent.attach(new SecureSessionTransport(inner, TM, tsm));
  deliver!(request('authPriv', DEVICE_ENGINE), TM.tmTransportAddress);
  assert.equal(sent.length, 0);
  assert.equal(a.tsm.stats.get('snmpTsmInvalidCaches'), 1);
  // the agent's own TSM: processed with the session's identity
  a.agent.attach(new SecureSessionTransport(inner, TM, a.tsm));
  deliver!(request('authPriv', DEVICE_ENGINE), TM.tmTransportAddress);
  assert.equal(sent.length, 1);
  assert.equal(responsePdu(sent[0]).value.pdu.type, 'Response');
});
