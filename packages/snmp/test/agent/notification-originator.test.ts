import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '@beckon/ops';
import {
  NotificationOriginator,
  SNMP_TRAP_OID_0,
  UdpTransport,
  decodeCommunityMessage,
  encodeCommunityMessage,
  oid,
} from '../../src/index.js';

void test('inform is retransmitted until acknowledged; trap is fire-and-forget; unacknowledged inform times out', async () => {
  const receiver = await UdpTransport.bind();
  let informs = 0;
  let traps = 0;
  receiver.onMessage((buf, from) => {
    const d = decodeCommunityMessage(buf);
    if (!d.ok) return;
    const pdu = d.value.pdu;
    if (pdu.type === 'SNMPv2Trap') traps++;
    if (pdu.type !== 'InformRequest') return;
    assert.deepEqual(pdu.varbinds[1]!.oid, SNMP_TRAP_OID_0);
    informs++;
    if (informs < 3) return; // drop the first two attempts
    const ack = encodeCommunityMessage({ ...d.value, pdu: { ...pdu, type: 'Response' } });
    if (ack.ok) receiver.send(ack.value, from);
  });
  const silent = await UdpTransport.bind();
  const transport = await UdpTransport.bind();
  const port = receiver.localAddress.port;
  const orig = new NotificationOriginator({
    transport,
    targets: [
      {
        name: 'inform',
        address: '127.0.0.1',
        port,
        version: 'v2c',
        community: 'public',
        type: 'inform',
        timeoutMs: 40,
        retries: 4,
      },
      { name: 'trap', address: '127.0.0.1', port, version: 'v2c', community: 'public', type: 'trap' },
      {
        name: 'dead',
        address: '127.0.0.1',
        port: silent.localAddress.port,
        version: 'v2c',
        community: 'public',
        type: 'inform',
        timeoutMs: 20,
        retries: 1,
      },
    ],
    upTime: () => 1,
    log: silentLogger(),
  });
  try {
    const r = await orig.notify(oid('1.3.6.1.6.3.1.1.5.1'));
    assert.deepEqual(r, [
      { target: 'inform', ok: true },
      { target: 'trap', ok: true },
      { target: 'dead', ok: false, error: 'timeout' },
    ]);
    assert.equal(informs, 3);
    assert.equal(traps, 1);
  } finally {
    orig.dispose();
    await Promise.all([transport.close(), receiver.close(), silent.close()]);
  }
});
