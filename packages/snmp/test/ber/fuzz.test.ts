import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BerReader,
  decodeCommunityMessage,
  decodeScopedPdu,
  decodeV3Message,
  encodeCommunityMessage,
  encodeScopedPdu,
  encodeV3Message,
  oid,
  readValue,
} from '../../src/index.js';
import { startTestAgent } from '../helpers/test-agent.js';
import { toySecurityModel } from '../helpers/toy-security-model.js';
import { seededUint32 } from '@beckon/testkit';

function seeds(): Buffer[] {
  const vbs = [
    { oid: oid('1.3.6.1.2.1.1.1.0'), value: { type: 'OctetString' as const, value: Buffer.from('hello') } },
    {
      oid: oid('1.3.6.1.4.1.99999.1.1.1.4.5'),
      value: { type: 'Counter64' as const, value: 12345678901234n },
    },
    { oid: oid('1.3.6.1.2.1.1.3.0'), value: { type: 'TimeTicks' as const, value: 99 } },
    { oid: oid('1.3.6.1.2.1.4.20.1.1.10.0.0.1'), value: { type: 'IpAddress' as const, value: '10.0.0.1' } },
    {
      oid: oid('1.3.6.1.2.1.1.2.0'),
      value: { type: 'ObjectIdentifier' as const, value: oid('1.3.6.1.4.1.4294967295') },
    },
  ];
  const out: Buffer[] = [];
  for (const type of ['GetRequest', 'GetNextRequest', 'SetRequest', 'Response', 'SNMPv2Trap'] as const) {
    const r = encodeCommunityMessage({
      version: 1,
      community: Buffer.from('public'),
      pdu: { type, requestId: 1234, errorStatus: 0, errorIndex: 0, varbinds: vbs },
    });
    if (r.ok) out.push(r.value);
  }
  const bulk = encodeCommunityMessage({
    version: 1,
    community: Buffer.from('public'),
    pdu: { type: 'GetBulkRequest', requestId: 7, nonRepeaters: 1, maxRepetitions: 10, varbinds: vbs },
  });
  if (bulk.ok) out.push(bulk.value);
  const trap = encodeCommunityMessage({
    version: 0,
    community: Buffer.from('public'),
    pdu: {
      type: 'TrapV1',
      enterprise: oid('1.3.6.1.4.1.99999'),
      agentAddr: '127.0.0.1',
      genericTrap: 6,
      specificTrap: 1,
      timestamp: 5,
      varbinds: vbs,
    },
  });
  if (trap.ok) out.push(trap.value);
  const sp = encodeScopedPdu({
    contextEngineId: Buffer.from('8000ea6003626563', 'hex'),
    contextName: Buffer.alloc(0),
    pdu: { type: 'GetRequest', requestId: 9, errorStatus: 0, errorIndex: 0, varbinds: vbs },
  });
  if (sp.ok) {
    out.push(sp.value);
    const v3 = encodeV3Message({
      globalData: { msgId: 1, msgMaxSize: 65507, msgFlags: 4, msgSecurityModel: 3 },
      securityParameters: Buffer.from(JSON.stringify({ engine: '8000ea60', user: 'alice' })),
      msgData: { kind: 'plaintext', scopedPdu: sp.value },
    });
    if (v3.ok) out.push(v3.value.bytes);
  }
  return out;
}

void test('fuzz: 100,000 random and mutated inputs never throw', async () => {
  const agent = await startTestAgent(50, [
    toySecurityModel({ engineId: Buffer.from('8000ea60', 'hex'), users: ['alice'] }),
  ]);
  try {
    const next = seededUint32(0x5eed);
    const base = seeds();
    assert.ok(base.length >= 9);
    // every well-formed seed request reaches the responder (v3 through the toy security model)
    assert.ok(agent.agent.handleMessage(base[base.length - 1]!));
    assert.ok(agent.agent.handleMessage(base[0]!));
    const N = 100_000;
    let decodedOk = 0;
    for (let i = 0; i < N; i++) {
      let buf: Buffer;
      if (i % 4 === 0) {
        buf = Buffer.alloc(next() % 200);
        for (let k = 0; k < buf.length; k++) buf[k] = next() & 0xff;
        if (buf.length > 0 && next() % 2 === 0) buf[0] = 0x30;
      } else {
        const src = base[next() % base.length]!;
        buf = Buffer.from(src);
        const edits = 1 + (next() % 4);
        for (let e = 0; e < edits; e++) {
          const op = next() % 4;
          const at = next() % buf.length;
          if (op === 0) buf[at] = next() & 0xff;
          else if (op === 1) buf = buf.subarray(0, at);
          else if (op === 2)
            buf = Buffer.concat([buf.subarray(0, at), Buffer.from([next() & 0xff]), buf.subarray(at)]);
          else buf[at] = buf[at]! ^ (1 << (next() % 8));
          if (buf.length === 0) break;
        }
      }
      const r1 = decodeCommunityMessage(buf);
      const r2 = decodeV3Message(buf);
      const r3 = decodeScopedPdu(buf, true);
      const rd = new BerReader(buf);
      readValue(rd);
      agent.agent.handleMessage(buf);
      if (r1.ok || r2.ok || r3.ok) decodedOk++;
    }
    assert.ok(decodedOk > 0, `decoded ${decodedOk}`);
    console.log(
      `fuzz: ${N} inputs, ${decodedOk} decoded, ${agent.agent.stats.get('snmpInASNParseErrs')} parse errors`,
    );
    assert.ok(agent.agent.stats.get('snmpInASNParseErrs') > 0);
  } finally {
    await agent.close();
  }
});
