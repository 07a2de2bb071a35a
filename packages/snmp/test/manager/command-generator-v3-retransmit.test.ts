import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import {
  CommandGenerator,
  UdpTransport,
  UserBasedSecurityModel,
  decodeV3Message,
  makeDefaultEngineId,
  oid,
} from '../../src/index.js';

void test('v3 retransmissions carry a new msgID each (RFC 3412 §7.1)', async () => {
  const sink = createSocket('udp4');
  await new Promise<void>((r) => sink.bind(0, '127.0.0.1', () => r()));
  const seen: number[] = [];
  sink.on('message', (b) => {
    const m = decodeV3Message(b);
    if (m.ok) seen.push(m.value.globalData.msgId);
  });
  const transport = await UdpTransport.bind();
  const m = new CommandGenerator({ transport, timeoutMs: 50, retries: 2 });
  const usm = new UserBasedSecurityModel(
    { log: silentLogger(), metrics: new MetricsRegistry() },
    {
      engineId: makeDefaultEngineId(),
      engineBoots: 1,
      users: [{ name: 'u', authProtocol: 'sha256', authPassword: 'password-1', privProtocol: 'none' }],
    },
  );
  try {
    const r = await m.get(
      {
        address: '127.0.0.1',
        port: sink.address().port,
        version: 'v3',
        securityModel: usm,
        securityName: 'u',
        securityLevel: 'authNoPriv',
        securityEngineId: Buffer.from('8000000001020304', 'hex'),
      },
      [oid('1.3.6.1.2.1.1.1.0')],
    );
    assert.deepEqual(r, { ok: false, error: { kind: 'timeout' } });
    await new Promise((res) => setTimeout(res, 20));
    assert.equal(seen.length, 3);
    assert.equal(new Set(seen).size, 3);
  } finally {
    m.dispose();
    await transport.close();
    await new Promise<void>((r) => sink.close(() => r()));
  }
});
