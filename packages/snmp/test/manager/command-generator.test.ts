import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Duplex, PassThrough } from 'node:stream';
import {
  CommandGenerator,
  ErrorStatus,
  StreamTransport,
  UdpTransport,
  decodeCommunityMessage,
  encodeCommunityMessage,
  oid,
  type SnmpTarget,
} from '../../src/index.js';
import { startTestAgent, TEST_ENTRY, TEST_WRITABLE } from '../helpers/test-agent.js';

void test('get / getNext / getBulk / set / walk over UDP against the in-process agent', async () => {
  const a = await startTestAgent(1000);
  const t = await UdpTransport.bind();
  const m = new CommandGenerator({ transport: t });
  const target: SnmpTarget = { address: '127.0.0.1', port: a.port, version: 'v2c', community: 'public' };
  try {
    const g = await m.get(target, [oid('1.3.6.1.2.1.1.5.0')]);
    assert.ok(g.ok);
    assert.deepEqual(g.value.varbinds[0]!.value, { type: 'OctetString', value: Buffer.from('beckon-test') });
    const n = await m.getNext(target, [[...TEST_ENTRY, 2, 1000]]);
    assert.ok(n.ok);
    assert.deepEqual(n.value.varbinds[0]!.oid, [...TEST_ENTRY, 3, 1]);
    const b = await m.getBulk(target, 0, 10, [[...TEST_ENTRY, 1]]);
    assert.ok(b.ok);
    assert.equal(b.value.varbinds.length, 10);
    const s = await m.set({ ...target, community: 'private' }, [
      { oid: [...TEST_WRITABLE, 0], value: { type: 'Integer', value: 33 } },
    ]);
    assert.ok(s.ok);
    assert.equal(s.value.errorStatus, 0);
    assert.equal(a.writable.value, 33);
    const bad = await m.set({ ...target, community: 'private' }, [
      { oid: [...TEST_WRITABLE, 0], value: { type: 'Integer', value: 333 } },
    ]);
    assert.ok(bad.ok);
    assert.deepEqual([bad.value.errorStatus, bad.value.errorIndex], [ErrorStatus.wrongValue, 1]);
    const w = await m.walk(target, [...TEST_ENTRY, 2], undefined, { maxRepetitions: 50 });
    assert.ok(w.ok);
    assert.equal(w.value.length, 1000);
    const w1 = await m.walk({ ...target, version: 'v1' }, oid('1.3.6.1.2.1.1'));
    assert.ok(w1.ok);
    assert.equal(w1.value.length, 11);
    let count = 0;
    const wEnd = await m.walk(target, oid('1.3.6.1.4.1.99999'), () => count++);
    assert.ok(wEnd.ok);
    assert.equal(count, 4001); // 4 columns x 1000 rows + the writable scalar
  } finally {
    m.dispose();
    await t.close();
    await a.close();
  }
});

void test('timeouts with retries: every attempt is sent, then a timeout result', async () => {
  const silent = await UdpTransport.bind();
  let received = 0;
  silent.onMessage(() => received++);
  const t = await UdpTransport.bind();
  const m = new CommandGenerator({ transport: t });
  try {
    const r = await m.get(
      {
        address: '127.0.0.1',
        port: silent.localAddress.port,
        version: 'v2c',
        community: 'public',
        timeoutMs: 50,
        retries: 2,
      },
      [oid('1.3.6.1.2.1.1.1.0')],
    );
    assert.deepEqual(r, { ok: false, error: { kind: 'timeout' } });
    assert.equal(received, 3);
  } finally {
    m.dispose();
    await t.close();
    await silent.close();
  }
});

void test('UDP responses from another source are ignored', async () => {
  const responder = await UdpTransport.bind();
  const other = await UdpTransport.bind();
  responder.onMessage((buf, from) => {
    const d = decodeCommunityMessage(buf);
    if (!d.ok || d.value.pdu.type !== 'GetRequest') return;
    const resp = encodeCommunityMessage({ ...d.value, pdu: { ...d.value.pdu, type: 'Response' } });
    if (resp.ok) other.send(resp.value, from); // wrong source port
  });
  const t = await UdpTransport.bind();
  const m = new CommandGenerator({ transport: t });
  try {
    const r = await m.get(
      {
        address: '127.0.0.1',
        port: responder.localAddress.port,
        version: 'v2c',
        community: 'public',
        timeoutMs: 100,
        retries: 0,
      },
      [oid('1.3.6.1.2.1.1.1.0')],
    );
    assert.deepEqual(r, { ok: false, error: { kind: 'timeout' } });
    assert.equal(m.unmatched, 1);
  } finally {
    m.dispose();
    await Promise.all([t.close(), responder.close(), other.close()]);
  }
});

/** An in-memory duplex pair (what a TLS/SSH channel would look like). */
function duplexPair(): [Duplex, Duplex] {
  const ab = new PassThrough();
  const ba = new PassThrough();
  const a = Duplex.from({ readable: ba, writable: ab });
  const b = Duplex.from({ readable: ab, writable: ba });
  return [a, b];
}

void test('over a stream transport (RFC 3430 framing), with a misbehaving responder', async () => {
  const [mgrSide, agentSide] = duplexPair();
  const mt = new StreamTransport(mgrSide);
  const at = new StreamTransport(agentSide);
  // responder: answers each GetNext with a non-increasing OID, split into small chunks
  at.onMessage((buf) => {
    const d = decodeCommunityMessage(buf);
    if (!d.ok || d.value.pdu.type === 'TrapV1' || d.value.pdu.type === 'GetBulkRequest') return;
    const resp = encodeCommunityMessage({
      ...d.value,
      pdu: {
        ...d.value.pdu,
        type: 'Response',
        varbinds: [{ oid: oid('1.3.6.1.2.1.1.1.0'), value: { type: 'Integer', value: 1 } }],
      },
    });
    assert.ok(resp.ok);
    for (let i = 0; i < resp.value.length; i += 3) agentSide.write(resp.value.subarray(i, i + 3));
  });
  const m = new CommandGenerator({ transport: mt });
  const target: SnmpTarget = {
    address: 'peer',
    port: 0,
    version: 'v1',
    community: 'public',
    timeoutMs: 500,
    retries: 0,
  };
  try {
    const g = await m.getNext(target, [oid('1.3.6.1.2.1.1')]);
    assert.ok(g.ok);
    // a response outside the subtree ends the walk
    const w = await m.walk(target, oid('1.3.6.1.4'));
    assert.deepEqual(w, { ok: true, value: [] });
    // the second round returns the same OID again -> non-increasing
    const w2 = await m.walk(target, oid('1.3.6.1.2'));
    assert.deepEqual(w2, { ok: false, error: { kind: 'nonIncreasing', oid: oid('1.3.6.1.2.1.1.1.0') } });
  } finally {
    m.dispose();
    await mt.close();
    await at.close();
  }
});
