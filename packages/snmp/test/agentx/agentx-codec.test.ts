import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AgentxFlags,
  AgentxPduType,
  agentxFrameLength,
  decodeAgentxPdu,
  encodeAgentxPdu,
  oid,
  type AgentxMessage,
  type AgentxPduBody,
} from '../../src/index.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const NBO = AgentxFlags.NetworkByteOrder;

/** encode(m) === bytes and decode(bytes) deep-equals m. */
function golden(m: AgentxMessage, bytes: Buffer): void {
  const e = encodeAgentxPdu(m);
  assert.ok(e.ok, !e.ok ? e.error : '');
  assert.equal(e.value.toString('hex'), bytes.toString('hex'));
  const d = decodeAgentxPdu(bytes);
  assert.ok(d.ok, !d.ok ? d.error : '');
  assert.deepEqual(d.value, m);
}

void describe('AgentX PDU codec (RFC 2741 §5, §6) golden bytes', () => {
  void test('Open-PDU, network byte order, OID prefix compression, padded octet string', () => {
    golden(
      {
        header: { flags: NBO, sessionId: 0, transactionId: 0, packetId: 1 },
        pdu: {
          type: AgentxPduType.Open,
          timeout: 5,
          id: oid('1.3.6.1.4.1.99999'),
          descr: Buffer.from('abc'),
        },
      },
      hex(`01 01 10 00  00000000 00000000 00000001 00000018
           05 000000
           02 04 00 00  00000001 0001869f
           00000003 61626300`),
    );
  });

  void test('GetNext-PDU, little-endian, non-default context, SearchRange with include', () => {
    golden(
      {
        header: { flags: AgentxFlags.NonDefaultContext, sessionId: 2, transactionId: 3, packetId: 4 },
        pdu: {
          type: AgentxPduType.GetNext,
          context: Buffer.from('ctx'),
          ranges: [{ start: oid('1.3.6.1.2.1.1'), include: true, end: oid('1.3.6.1.2.1.2') }],
        },
      },
      hex(`01 06 08 00  02000000 03000000 04000000 20000000
           03000000 63747800
           02 02 01 00  01000000 01000000
           02 02 00 00  01000000 02000000`),
    );
  });

  void test('Get-PDU with an uncompressed OID and a null end OID', () => {
    golden(
      {
        header: { flags: NBO, sessionId: 9, transactionId: 1, packetId: 2 },
        pdu: { type: AgentxPduType.Get, ranges: [{ start: oid('1.2.3'), include: false, end: [] }] },
      },
      hex(`01 05 10 00  00000009 00000001 00000002 00000014
           03 00 00 00  00000001 00000002 00000003
           00 00 00 00`),
    );
  });

  void test('Response-PDU with Integer, OctetString, Counter64 and endOfMibView varbinds', () => {
    golden(
      {
        header: { flags: NBO, sessionId: 7, transactionId: 8, packetId: 9 },
        pdu: {
          type: AgentxPduType.Response,
          sysUpTime: 100,
          error: 0,
          index: 0,
          varbinds: [
            { oid: oid('1.3.6.1.2.1.1.7.0'), value: { type: 'Integer', value: -1 } },
            { oid: oid('1.3.6.1.4.1.99999.1'), value: { type: 'OctetString', value: Buffer.from('hello') } },
            { oid: oid('1.3.6.1.2.1.31'), value: { type: 'Counter64', value: 0x100000002n } },
            { oid: oid('1.2.3'), value: { type: 'EndOfMibView' } },
          ],
        },
      },
      hex(`01 12 10 00  00000007 00000008 00000009 00000070
           00000064 0000 0000
           0002 0000  04 02 00 00 00000001 00000001 00000007 00000000  ffffffff
           0004 0000  03 04 00 00 00000001 0001869f 00000001  00000005 68656c6c 6f000000
           0046 0000  02 02 00 00 00000001 0000001f  00000001 00000002
           0082 0000  03 00 00 00 00000001 00000002 00000003`),
    );
  });

  void test('Register-PDU with a range (r.range_subid and r.upper_bound)', () => {
    golden(
      {
        header: {
          flags: NBO | AgentxFlags.InstanceRegistration,
          sessionId: 1,
          transactionId: 0,
          packetId: 3,
        },
        pdu: {
          type: AgentxPduType.Register,
          timeout: 0,
          priority: 127,
          rangeSubid: 10,
          subtree: oid('1.3.6.1.2.1.2.2.1.1.1'),
          upperBound: 22,
        },
      },
      hex(`01 03 11 00  00000001 00000000 00000003 00000024
           00 7f 0a 00
           06 02 00 00  00000001 00000002 00000002 00000001 00000001 00000001
           00000016`),
    );
  });

  void test('TestSet with IpAddress, Gauge32 and ObjectIdentifier values; CommitSet; Close; Ping', () => {
    golden(
      {
        header: { flags: NBO, sessionId: 1, transactionId: 5, packetId: 6 },
        pdu: {
          type: AgentxPduType.TestSet,
          varbinds: [
            { oid: oid('1.3.6.1.4.1.1'), value: { type: 'IpAddress', value: '127.0.0.1' } },
            { oid: oid('1.3.6.1.4.1.2'), value: { type: 'Gauge32', value: 0xffffffff } },
            { oid: oid('1.3.6.1.4.1.3'), value: { type: 'ObjectIdentifier', value: oid('1.3.6.1.6.3.1') } },
          ],
        },
      },
      hex(`01 08 10 00  00000001 00000005 00000006 00000048
           0040 0000  02 04 00 00 00000001 00000001  00000004 7f000001
           0042 0000  02 04 00 00 00000001 00000002  ffffffff
           0006 0000  02 04 00 00 00000001 00000003  02 06 00 00 00000003 00000001`),
    );
    golden(
      {
        header: { flags: NBO, sessionId: 1, transactionId: 5, packetId: 7 },
        pdu: { type: AgentxPduType.CommitSet },
      },
      hex('01 09 10 00 00000001 00000005 00000007 00000000'),
    );
    golden(
      {
        header: { flags: 0, sessionId: 1, transactionId: 0, packetId: 8 },
        pdu: { type: AgentxPduType.Close, reason: 5 },
      },
      hex('01 02 00 00 01000000 00000000 08000000 04000000 05000000'),
    );
    golden(
      {
        header: { flags: NBO, sessionId: 1, transactionId: 0, packetId: 9 },
        pdu: { type: AgentxPduType.Ping },
      },
      hex('01 0d 10 00 00000001 00000000 00000009 00000000'),
    );
  });

  void test('GetBulk-PDU in both byte orders decodes to the same PDU', () => {
    const pdu: AgentxPduBody = {
      type: AgentxPduType.GetBulk,
      nonRepeaters: 1,
      maxRepetitions: 10,
      ranges: [
        { start: oid('1.3.6.1.2.1.1.3'), include: false, end: [] },
        { start: oid('1.3.6.1.2.1.2.2.1.1'), include: false, end: oid('1.3.6.1.2.1.2.2.1.2') },
      ],
    };
    const be = encodeAgentxPdu({ header: { flags: NBO, sessionId: 1, transactionId: 2, packetId: 3 }, pdu });
    const le = encodeAgentxPdu({ header: { flags: 0, sessionId: 1, transactionId: 2, packetId: 3 }, pdu });
    assert.ok(be.ok && le.ok);
    assert.notEqual(be.value.toString('hex'), le.value.toString('hex'));
    assert.equal(be.value.subarray(20, 24).toString('hex'), '0001000a');
    assert.equal(le.value.subarray(20, 24).toString('hex'), '01000a00');
    const a = decodeAgentxPdu(be.value);
    const b = decodeAgentxPdu(le.value);
    assert.ok(a.ok && b.ok);
    assert.deepEqual(a.value.pdu, b.value.pdu);
  });

  void test('bad inputs are values, not exceptions', () => {
    assert.deepEqual(decodeAgentxPdu(hex('01 05 10 00')), { ok: false, error: 'truncated header' });
    assert.deepEqual(decodeAgentxPdu(hex('02 05 10 00 00000000 00000000 00000000 00000000')), {
      ok: false,
      error: 'bad header',
    });
    // payload length not a multiple of 4
    assert.equal(agentxFrameLength(hex('01 05 10 00 00000000 00000000 00000000 00000003')), -1);
    // unknown PDU type
    assert.equal(decodeAgentxPdu(hex('01 63 10 00 00000000 00000000 00000000 00000000')).ok, false);
    // NON_DEFAULT_CONTEXT on a Response
    assert.equal(
      decodeAgentxPdu(hex('01 12 18 00 00000000 00000000 00000000 00000008 00000000 00000000')).ok,
      false,
    );
    // octet string longer than the payload
    assert.equal(decodeAgentxPdu(hex('01 0d 18 00 00000001 00000000 00000001 00000004 000000ff')).ok, false);
    // OID with 129 sub-identifiers claimed
    assert.equal(decodeAgentxPdu(hex('01 05 10 00 00000001 00000000 00000001 00000004 81000000')).ok, false);
    // integer out of range on encode
    const e = encodeAgentxPdu({
      header: { flags: NBO, sessionId: 0, transactionId: 0, packetId: 0 },
      pdu: {
        type: AgentxPduType.Response,
        sysUpTime: 0,
        error: 0,
        index: 0,
        varbinds: [{ oid: [1], value: { type: 'Integer', value: 2 ** 31 } }],
      },
    });
    assert.equal(e.ok, false);
  });
});
