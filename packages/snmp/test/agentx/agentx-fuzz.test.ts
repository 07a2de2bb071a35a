import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AgentxFlags,
  AgentxPduType,
  decodeAgentxPdu,
  encodeAgentxPdu,
  oid,
  type AgentxMessage,
  type AgentxPduBody,
  type SnmpValue,
  type VarBind,
} from '../../src/index.js';
import { seededUint32 } from '@beckon/testkit';

function randomOid(r: () => number): number[] {
  const n = r() % 14;
  const base = r() % 2 === 0 ? [1, 3, 6, 1, 1 + (r() % 6)] : [];
  const out = [...base];
  for (let i = 0; i < n; i++) out.push(r() % 3 === 0 ? r() : r() % 200);
  return out;
}

function randomValue(r: () => number): SnmpValue {
  switch (r() % 12) {
    case 0:
      return { type: 'Integer', value: r() | 0 };
    case 1:
      return { type: 'OctetString', value: Buffer.alloc(r() % 11, r() & 0xff) };
    case 2:
      return { type: 'Null' };
    case 3:
      return { type: 'ObjectIdentifier', value: randomOid(r) };
    case 4:
      return { type: 'IpAddress', value: `${r() % 256}.${r() % 256}.${r() % 256}.${r() % 256}` };
    case 5:
      return { type: 'Counter32', value: r() };
    case 6:
      return { type: 'Gauge32', value: r() };
    case 7:
      return { type: 'TimeTicks', value: r() };
    case 8:
      return { type: 'Counter64', value: (BigInt(r()) << 32n) | BigInt(r()) };
    case 9:
      return { type: 'Opaque', value: Buffer.alloc(r() % 7, 0x9f) };
    case 10:
      return { type: 'NoSuchInstance' };
    default:
      return { type: 'EndOfMibView' };
  }
}

function randomVarbinds(r: () => number): VarBind[] {
  return Array.from({ length: r() % 5 }, () => ({ oid: randomOid(r), value: randomValue(r) }));
}

function randomRanges(r: () => number): { start: number[]; include: boolean; end: number[] }[] {
  return Array.from({ length: r() % 4 }, () => ({
    start: randomOid(r),
    include: r() % 2 === 0,
    end: r() % 3 === 0 ? [] : randomOid(r),
  }));
}

function randomMessage(r: () => number): AgentxMessage {
  const ctx = r() % 4 === 0 ? { context: Buffer.from('ctx'.slice(0, r() % 4)) } : {};
  let pdu: AgentxPduBody;
  switch (r() % 12) {
    case 0:
      pdu = { type: AgentxPduType.Open, timeout: r() % 256, id: randomOid(r), descr: Buffer.from('beckon') };
      break;
    case 1:
      pdu = { type: AgentxPduType.Close, reason: 1 + (r() % 6) };
      break;
    case 2: {
      const subtree = [1, 3, 6, 1, 4, 1, 99999, r() % 9];
      const ranged = r() % 2 === 0;
      pdu = {
        type: AgentxPduType.Register,
        ...ctx,
        timeout: r() % 256,
        priority: r() % 256,
        rangeSubid: ranged ? 8 : 0,
        subtree,
        ...(ranged ? { upperBound: r() } : {}),
      };
      break;
    }
    case 3:
      pdu = { type: AgentxPduType.Get, ...ctx, ranges: randomRanges(r) };
      break;
    case 4:
      pdu = { type: AgentxPduType.GetNext, ...ctx, ranges: randomRanges(r) };
      break;
    case 5:
      pdu = {
        type: AgentxPduType.GetBulk,
        ...ctx,
        nonRepeaters: r() % 3,
        maxRepetitions: r() % 50,
        ranges: randomRanges(r),
      };
      break;
    case 6:
      pdu = { type: AgentxPduType.TestSet, ...ctx, varbinds: randomVarbinds(r) };
      break;
    case 7:
      pdu = {
        type: [AgentxPduType.CommitSet, AgentxPduType.UndoSet, AgentxPduType.CleanupSet][r() % 3]!,
      } as AgentxPduBody;
      break;
    case 8:
      pdu = { type: AgentxPduType.Ping, ...ctx };
      break;
    case 9:
      pdu = { type: AgentxPduType.Notify, ...ctx, varbinds: randomVarbinds(r) };
      break;
    case 10:
      pdu = {
        type: AgentxPduType.Unregister,
        ...ctx,
        priority: 127,
        rangeSubid: 0,
        subtree: oid('1.3.6.1.4.1.99999'),
      };
      break;
    default:
      pdu = {
        type: AgentxPduType.Response,
        sysUpTime: r(),
        error: r() % 270,
        index: r() % 5,
        varbinds: randomVarbinds(r),
      };
  }
  return {
    header: {
      flags: r() % 2 === 0 ? AgentxFlags.NetworkByteOrder : 0,
      sessionId: r(),
      transactionId: r(),
      packetId: r(),
    },
    pdu,
  };
}

void test('AgentX codec: 2,000 random messages round-trip in both byte orders', () => {
  const r = seededUint32(0xa6e7);
  for (let i = 0; i < 2000; i++) {
    const m = randomMessage(r);
    const e = encodeAgentxPdu(m);
    assert.ok(e.ok, !e.ok ? e.error : '');
    const d = decodeAgentxPdu(e.value);
    assert.ok(d.ok, !d.ok ? `${d.error} at ${i}` : '');
    const expectFlags =
      (m.header.flags & ~AgentxFlags.NonDefaultContext) |
      ('context' in m.pdu ? AgentxFlags.NonDefaultContext : 0);
    assert.deepEqual(d.value, { header: { ...m.header, flags: expectFlags }, pdu: m.pdu });
  }
});

void test('AgentX decoder fuzz: 60,000 mutated and random inputs, zero exceptions, stable re-encoding', () => {
  const r = seededUint32(0x5eed);
  const seeds: Buffer[] = [];
  for (let i = 0; i < 200; i++) {
    const e = encodeAgentxPdu(randomMessage(r));
    if (e.ok) seeds.push(e.value);
  }
  let decoded = 0;
  for (let i = 0; i < 60_000; i++) {
    let input: Buffer;
    const mode = r() % 6;
    if (mode === 0) {
      input = Buffer.alloc(r() % 96);
      for (let k = 0; k < input.length; k++) input[k] = r() & 0xff;
      if (input.length > 0 && r() % 2 === 0) input[0] = 1;
    } else {
      const seed = seeds[r() % seeds.length]!;
      input = Buffer.from(seed);
      const flips = 1 + (r() % 4);
      for (let k = 0; k < flips && input.length > 0; k++) {
        const at = r() % input.length;
        if (mode === 1) input[at] = r() & 0xff;
        else if (mode === 2) input[at] = input[at]! ^ (1 << (r() % 8));
        else if (mode === 3) input = input.subarray(0, r() % (input.length + 1));
        else if (mode === 4 && input.length >= 20) {
          // rewrite the payload length (both byte orders) to something plausible
          const len = (r() % 64) * 4;
          if (r() % 2 === 0) input.writeUInt32BE(len, 16);
          else input.writeUInt32LE(len, 16);
        } else if (input.length > 24) {
          // grow an inner length or count field
          const pos = 20 + 4 * (r() % Math.floor((input.length - 20) / 4));
          input[pos + (r() % 4)] = 0xff;
        }
      }
    }
    let d: ReturnType<typeof decodeAgentxPdu>;
    try {
      d = decodeAgentxPdu(input);
    } catch (err) {
      assert.fail(`decoder threw on ${input.toString('hex')}: ${String(err)}`);
    }
    if (!d.ok) continue;
    decoded++;
    const e = encodeAgentxPdu(d.value);
    assert.ok(e.ok, `re-encode failed for ${input.toString('hex')}`);
    const again = decodeAgentxPdu(e.value);
    assert.ok(again.ok);
    assert.deepEqual(again.value, d.value);
  }
  assert.ok(decoded > 1000, `only ${decoded} inputs decoded`);
});
