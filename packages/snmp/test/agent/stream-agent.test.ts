import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { CommandGenerator, StreamTransport, oid } from '../../src/index.js';
import { startTestAgent, TEST_ENTRY } from '../helpers/test-agent.js';

void test('agent over TCP (RFC 3430): one StreamTransport per accepted connection', async () => {
  const a = await startTestAgent(500);
  const sockets: Socket[] = [];
  const server = createServer((sock) => {
    sockets.push(sock);
    const detach = a.agent.attach(
      new StreamTransport(sock, { peer: { address: sock.remoteAddress ?? '', port: sock.remotePort ?? 0 } }),
    );
    sock.on('close', detach);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const client = connect(port, '127.0.0.1');
  await new Promise<void>((r) => client.once('connect', () => r()));
  const m = new CommandGenerator({ transport: new StreamTransport(client) });
  try {
    const target = {
      address: '127.0.0.1',
      port,
      version: 'v2c' as const,
      community: 'public',
      timeoutMs: 2000,
      retries: 0,
    };
    const g = await m.get(target, [oid('1.3.6.1.2.1.1.5.0')]);
    assert.ok(g.ok);
    assert.equal(g.value.varbinds[0]!.value.type, 'OctetString');
    let n = 0;
    const w = await m.walk(target, TEST_ENTRY, () => n++, { maxRepetitions: 200 });
    assert.ok(w.ok);
    assert.equal(n, 2000);
  } finally {
    m.dispose();
    client.destroy();
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    await a.close();
  }
});
