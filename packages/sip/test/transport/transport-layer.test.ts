import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import {
  TransportLayer,
  stunBindingRequest,
  stunMappedAddress,
  type Flow,
  type FlowCloseReason,
  type KeepAliveKind,
  type ListenerSpec,
  type TransportInit,
  type TransportUser,
} from '../../src/transport/index.js';

class Recorder implements TransportUser {
  messages: { data: Buffer; flow: Flow }[] = [];
  keepalives: { flow: Flow; kind: KeepAliveKind }[] = [];
  closed: { flow: Flow; reason: FlowCloseReason }[] = [];
  private waiters: (() => void)[] = [];
  constructor(private readonly echo = false) {}
  onMessage(data: Buffer, flow: Flow): void {
    this.messages.push({ data, flow });
    if (this.echo) flow.send(data);
    this.wake();
  }
  onKeepAlive(flow: Flow, kind: KeepAliveKind): void {
    this.keepalives.push({ flow, kind });
    this.wake();
  }
  onFlowClosed(flow: Flow, reason: FlowCloseReason): void {
    this.closed.push({ flow, reason });
    this.wake();
  }
  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
  /** Waits until the predicate holds (bounded by 5 s). */
  async until(pred: () => boolean, what = 'condition'): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 20);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}

function sipMessage(tag: string, body = ''): Buffer {
  return Buffer.from(
    `MESSAGE sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/UDP x;branch=z9hG4bK${tag}\r\nCall-ID: ${tag}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

async function makeLayer(
  listeners: ListenerSpec[],
  user: TransportUser,
  extra: Partial<TransportInit> = {},
): Promise<{ layer: TransportLayer; metrics: MetricsRegistry }> {
  const metrics = new MetricsRegistry();
  const layer = new TransportLayer({ log: silentLogger(), metrics }, { listeners, ...extra });
  layer.setUser(user);
  const r = await layer.start();
  assert.ok(r.ok, r.ok ? '' : r.error);
  return { layer, metrics };
}

function portOf(layer: TransportLayer, transport: string, family = 'IPv4'): number {
  const l = layer.listeners().find((x) => x.transport === transport && x.family === family);
  assert.ok(l, `no ${transport} ${family} listener`);
  return l.port;
}

/** Every test here does network I/O: a hard bound so that no test can hang the run. */
const BOUNDED = { timeout: 30_000 };

const ipv6 = ((): boolean => {
  return Object.values(os.networkInterfaces()).some((list) =>
    (list ?? []).some((i) => i.family === 'IPv6' && i.address === '::1'),
  );
})();

let tlsDir = '';
let key = '';
let cert = '';
let haveOpenssl = true;

before(() => {
  tlsDir = mkdtempSync(path.join(os.tmpdir(), 'beckon-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        path.join(tlsDir, 'key.pem'),
        '-out',
        path.join(tlsDir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    key = readFileSync(path.join(tlsDir, 'key.pem'), 'utf8');
    cert = readFileSync(path.join(tlsDir, 'cert.pem'), 'utf8');
  } catch {
    haveOpenssl = false;
  }
});

after(() => {
  if (tlsDir) rmSync(tlsDir, { recursive: true, force: true });
});

for (const host of ['127.0.0.1', '::1']) {
  const family = host === '::1' ? 'IPv6' : 'IPv4';
  void describe(
    `echo over ${family}`,
    { ...BOUNDED, skip: host === '::1' && !ipv6 ? 'no IPv6 loopback' : false },
    () => {
      for (const transport of ['udp', 'tcp', 'tls', 'ws', 'wss'] as const) {
        void test(`${transport} echo and flow reuse`, async (t) => {
          if ((transport === 'tls' || transport === 'wss') && !haveOpenssl)
            return t.skip('openssl not available');
          const spec: ListenerSpec = {
            transport,
            host,
            port: 0,
            ...(transport === 'tls' || transport === 'wss' ? { tls: { key, cert } } : {}),
          };
          const serverUser = new Recorder(true);
          const clientUser = new Recorder();
          const server = await makeLayer([spec], serverUser);
          const client = await makeLayer([{ ...spec }], clientUser, {
            tlsClient: { ca: cert, servername: 'localhost' },
          });
          try {
            const port = portOf(server.layer, transport, family);
            for (let i = 0; i < 3; i++) {
              const r = await client.layer.send(
                { transport, address: host, port },
                sipMessage(`m${i}`, `body ${i}`),
              );
              assert.deepEqual(r, { ok: true });
            }
            await clientUser.until(() => clientUser.messages.length === 3, 'echoes');
            assert.deepEqual(
              clientUser.messages.map((m) => m.data.toString()),
              [0, 1, 2].map((i) => sipMessage(`m${i}`, `body ${i}`).toString()),
            );
            const inbound = serverUser.messages[0]?.flow;
            assert.ok(inbound);
            assert.equal(inbound.transport, transport);
            assert.equal(inbound.secure, transport === 'tls' || transport === 'wss');
            assert.equal(inbound.remote.address, host);
            assert.equal(server.layer.getFlow(inbound.id), inbound);
            // Every message from the client arrived on the same flow.
            assert.ok(serverUser.messages.every((m) => m.flow === inbound));
            if (transport !== 'udp') {
              // One connection only, reused both ways (the echo went back on the inbound connection).
              assert.equal(client.layer.connectionFlows().length, 1);
              assert.equal(server.layer.connectionFlows().length, 1);
              assert.match(inbound.id, new RegExp(`^${transport}#\\d+$`));
            } else {
              assert.ok(inbound.id.startsWith('udp:'));
            }
            const c = server.metrics.get('sip_transport_messages_in');
            assert.equal(c?.kind === 'counter' ? c.get(transport) : -1, 3);
          } finally {
            await client.layer.stop();
            await server.layer.stop();
          }
        });
      }
    },
  );
}

void test('listeners report bound addresses and log at info', BOUNDED, async () => {
  const lines: string[] = [];
  const { pino } = await import('pino');
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
  const layer = new TransportLayer(
    { log, metrics: new MetricsRegistry() },
    {
      listeners: [
        { transport: 'udp', host: '127.0.0.1', port: 0 },
        { transport: 'tcp', host: '127.0.0.1', port: 0 },
      ],
    },
  );
  const r = await layer.start();
  assert.ok(r.ok);
  assert.equal(r.listeners.length, 2);
  assert.ok(r.listeners.every((l) => l.port > 0 && l.address === '127.0.0.1'));
  await layer.stop();
  assert.equal(lines.filter((l) => l.includes('listener bound')).length, 2);
  assert.equal(lines.filter((l) => l.includes('listener closed')).length, 2);
});

void test('bind failure is a result, not an exception', BOUNDED, async () => {
  const a = await makeLayer([{ transport: 'tcp', host: '127.0.0.1', port: 0 }], new Recorder());
  const port = portOf(a.layer, 'tcp');
  const b = new TransportLayer(
    { log: silentLogger(), metrics: new MetricsRegistry() },
    { listeners: [{ transport: 'tcp', host: '127.0.0.1', port }] },
  );
  const r = await b.start();
  assert.equal(r.ok, false);
  await b.stop();
  await a.layer.stop();
});

/** A raw TCP client for driving the server byte by byte. */
async function rawClient(
  port: number,
): Promise<{ sock: net.Socket; data: () => string; closed: Promise<void> }> {
  const sock = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  let buf = '';
  sock.on('data', (d: Buffer) => (buf += d.toString('latin1')));
  sock.on('error', () => {});
  const closed = new Promise<void>((resolve) => sock.once('close', () => resolve()));
  return { sock, data: () => buf, closed };
}

void test('TCP: split and coalesced chunks, CRLF ping answered with pong', BOUNDED, async () => {
  const user = new Recorder(true);
  const { layer, metrics } = await makeLayer([{ transport: 'tcp', host: '127.0.0.1', port: 0 }], user);
  const c = await rawClient(portOf(layer, 'tcp'));
  try {
    const a = sipMessage('a', 'aaaa');
    const b = sipMessage('b', 'bb');
    const all = Buffer.concat([a, Buffer.from('\r\n\r\n'), b]);
    c.sock.write(all.subarray(0, 10));
    await new Promise((r) => setTimeout(r, 20));
    c.sock.write(all.subarray(10, 100));
    await new Promise((r) => setTimeout(r, 20));
    c.sock.write(all.subarray(100));
    await user.until(() => user.messages.length === 2, 'two messages');
    assert.equal(user.messages[0]?.data.toString(), a.toString());
    assert.equal(user.messages[1]?.data.toString(), b.toString());
    assert.equal(user.keepalives.length, 1);
    assert.equal(user.keepalives[0]?.kind, 'ping');
    await user.until(() => c.data().length === a.length + 2 + b.length, 'echo + pong');
    assert.equal(c.data(), a.toString() + '\r\n' + b.toString());
    const k = metrics.get('sip_transport_keepalives');
    assert.equal(k?.kind === 'counter' ? k.get('tcp') : -1, 1);
    const g = metrics.get('sip_transport_connections');
    assert.deepEqual(g?.samples().find((s) => s.labels[0] === 'tcp')?.value, 1);
  } finally {
    c.sock.destroy();
    await layer.stop();
  }
});

void test('TCP: missing Content-Length closes the connection and counts an error', BOUNDED, async () => {
  const user = new Recorder();
  const { layer, metrics } = await makeLayer([{ transport: 'tcp', host: '127.0.0.1', port: 0 }], user);
  const c = await rawClient(portOf(layer, 'tcp'));
  c.sock.write('OPTIONS sip:x SIP/2.0\r\nCall-ID: 1\r\n\r\n');
  await c.closed;
  await user.until(() => user.closed.length === 1, 'flow closed');
  assert.equal(user.closed[0]?.reason, 'missing-content-length');
  const e = metrics.get('sip_transport_errors');
  assert.equal(e?.kind === 'counter' ? e.get('tcp', 'missing-content-length') : -1, 1);
  assert.equal(layer.connectionFlows().length, 0);
  await layer.stop();
});

void test('too large: stream closed, datagram dropped, send refused', BOUNDED, async () => {
  const user = new Recorder();
  const { layer, metrics } = await makeLayer(
    [
      { transport: 'tcp', host: '127.0.0.1', port: 0 },
      { transport: 'udp', host: '127.0.0.1', port: 0 },
    ],
    user,
    { maxMessageSize: 1000 },
  );
  try {
    const c = await rawClient(portOf(layer, 'tcp'));
    c.sock.write(sipMessage('big', 'x'.repeat(2000)));
    await c.closed;
    await user.until(() => user.closed.length === 1);
    assert.equal(user.closed[0]?.reason, 'too-large');
    const r = await layer.send({ transport: 'udp', address: '127.0.0.1', port: 9 }, Buffer.alloc(1001, 65));
    assert.deepEqual(r, { ok: false, error: 'too-large' });
    const e = metrics.get('sip_transport_errors');
    assert.equal(e?.kind === 'counter' ? e.get('tcp', 'too-large') : -1, 1);
  } finally {
    await layer.stop();
  }
});

void test('UDP keep-alives are counted and not delivered as messages', BOUNDED, async () => {
  const user = new Recorder();
  const { layer, metrics } = await makeLayer([{ transport: 'udp', host: '127.0.0.1', port: 0 }], user);
  const { layer: other } = await makeLayer(
    [{ transport: 'udp', host: '127.0.0.1', port: 0 }],
    new Recorder(),
  );
  try {
    const port = portOf(layer, 'udp');
    await other.send({ transport: 'udp', address: '127.0.0.1', port }, Buffer.from('\r\n\r\n'));
    await other.send({ transport: 'udp', address: '127.0.0.1', port }, Buffer.from('\r\n'));
    await user.until(() => user.keepalives.length === 2);
    assert.deepEqual(
      user.keepalives.map((k) => k.kind),
      ['ping', 'pong'],
    );
    assert.equal(user.messages.length, 0);
    const k = metrics.get('sip_transport_keepalives');
    assert.equal(k?.kind === 'counter' ? k.get('udp') : -1, 2);
  } finally {
    await other.stop();
    await layer.stop();
  }
});

void test('per-source connection limit refuses and counts', BOUNDED, async () => {
  const user = new Recorder();
  const { layer, metrics } = await makeLayer([{ transport: 'tcp', host: '127.0.0.1', port: 0 }], user, {
    maxConnectionsPerSource: 2,
  });
  const port = portOf(layer, 'tcp');
  const clients = [await rawClient(port), await rawClient(port)];
  try {
    await user.until(() => layer.connectionFlows().length === 2, 'two accepted');
    const third = await rawClient(port);
    await third.closed;
    const e = metrics.get('sip_transport_errors');
    assert.equal(e?.kind === 'counter' ? e.get('tcp', 'conn-limit-per-source') : -1, 1);
    assert.equal(layer.connectionFlows().length, 2);
    // Closing one frees a slot.
    clients[0]?.sock.destroy();
    await user.until(() => layer.connectionFlows().length === 1, 'one closed');
    clients.push(await rawClient(port));
    await user.until(() => layer.connectionFlows().length === 2, 'slot reused');
  } finally {
    for (const c of clients) c.sock.destroy();
    await layer.stop();
  }
});

void test('total connection limit', BOUNDED, async () => {
  const user = new Recorder();
  const { layer, metrics } = await makeLayer([{ transport: 'tcp', host: '127.0.0.1', port: 0 }], user, {
    maxConnections: 1,
  });
  const port = portOf(layer, 'tcp');
  const first = await rawClient(port);
  try {
    await user.until(() => layer.connectionFlows().length === 1);
    const second = await rawClient(port);
    await second.closed;
    const e = metrics.get('sip_transport_errors');
    assert.equal(e?.kind === 'counter' ? e.get('tcp', 'conn-limit') : -1, 1);
  } finally {
    first.sock.destroy();
    await layer.stop();
  }
});

void test('idle connections are reaped unless marked keep', BOUNDED, async () => {
  const user = new Recorder();
  const { layer } = await makeLayer([{ transport: 'tcp', host: '127.0.0.1', port: 0 }], user, {
    idleTimeoutMs: 100,
    reapIntervalMs: 25,
  });
  const port = portOf(layer, 'tcp');
  const idle = await rawClient(port);
  const kept = await rawClient(port);
  try {
    kept.sock.write(sipMessage('keep'));
    await user.until(() => user.messages.length === 1);
    user.messages[0]?.flow.setIdleTimeout(0);
    await idle.closed;
    await user.until(() => user.closed.length === 1);
    assert.equal(user.closed[0]?.reason, 'idle');
    assert.equal(layer.connectionFlows().length, 1);
    assert.equal(layer.connectionFlows()[0], user.messages[0]?.flow);
  } finally {
    kept.sock.destroy();
    await layer.stop();
  }
});

void test('connect failure and sends after stop are results', BOUNDED, async () => {
  const user = new Recorder();
  const { layer } = await makeLayer([{ transport: 'tcp', host: '127.0.0.1', port: 0 }], user, {
    connectTimeoutMs: 2000,
  });
  // A destination that refuses for sure: a port we keep listening on 127.0.0.1 cannot be taken on the
  // wildcard address by anyone else meanwhile, and nothing listens on 127.0.0.2 at that port, so the
  // connect gets ECONNREFUSED at once (a port that was merely free could be taken by a parallel test).
  const holder = net.createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
  const port = (holder.address() as net.AddressInfo).port;
  try {
    const r = await layer.send({ transport: 'tcp', address: '127.0.0.2', port }, sipMessage('x'));
    assert.deepEqual(r, { ok: false, error: 'connect-failed' });
    const ws = await layer.send({ transport: 'ws', address: '127.0.0.2', port }, sipMessage('x'));
    assert.deepEqual(ws, { ok: false, error: 'connect-failed' });
  } finally {
    await layer.stop();
    await new Promise<void>((r) => holder.close(() => r()));
  }
  const after = await layer.send({ transport: 'udp', address: '127.0.0.1', port }, sipMessage('x'));
  assert.deepEqual(after, { ok: false, error: 'stopped' });
});

void test(
  'WebSocket: upgrade without the sip subprotocol is refused; ping answered with pong',
  BOUNDED,
  async () => {
    const user = new Recorder(true);
    const { layer, metrics } = await makeLayer([{ transport: 'ws', host: '127.0.0.1', port: 0 }], user);
    const port = portOf(layer, 'ws');
    try {
      const bad = await rawClient(port);
      bad.sock.write(
        'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat\r\n\r\n',
      );
      await bad.closed;
      assert.match(bad.data(), /^HTTP\/1\.1 400/);
      const e = metrics.get('sip_transport_errors');
      assert.equal(e?.kind === 'counter' ? e.get('ws', 'ws-handshake') : -1, 1);

      const good = await rawClient(port);
      good.sock.write(
        'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: sip\r\n\r\n',
      );
      await user.until(() => good.data().includes('\r\n\r\n'), '101');
      assert.match(good.data(), /^HTTP\/1\.1 101/);
      assert.match(good.data(), /Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/);
      assert.match(good.data(), /Sec-WebSocket-Protocol: sip/);
      const before = good.data().length;
      // A masked ping frame with payload "hi": the answer is an unmasked pong with the same payload.
      good.sock.write(Buffer.from([0x89, 0x82, 1, 2, 3, 4, 0x68 ^ 1, 0x69 ^ 2]));
      await user.until(() => good.data().length >= before + 4, 'pong');
      assert.deepEqual([...Buffer.from(good.data().slice(before), 'latin1')], [0x8a, 0x02, 0x68, 0x69]);
      assert.equal(user.keepalives.length, 1);
      good.sock.destroy();
    } finally {
      await layer.stop();
    }
  },
);

void test(
  'TLS: untrusted server certificate fails the connect; garbage handshake is counted and releases its slot',
  BOUNDED,
  async (t) => {
    if (!haveOpenssl) return t.skip('openssl not available');
    const user = new Recorder(true);
    const { layer, metrics } = await makeLayer(
      [{ transport: 'tls', host: '127.0.0.1', port: 0, tls: { key, cert } }],
      user,
      {
        maxConnectionsPerSource: 1,
      },
    );
    const { layer: client } = await makeLayer(
      [{ transport: 'udp', host: '127.0.0.1', port: 0 }],
      new Recorder(),
    );
    const port = portOf(layer, 'tls');
    try {
      const r = await client.send({ transport: 'tls', address: '127.0.0.1', port }, sipMessage('x'));
      assert.deepEqual(r, { ok: false, error: 'connect-failed' });
      const garbage = await rawClient(port);
      garbage.sock.write('OPTIONS sip:x SIP/2.0\r\n\r\n');
      await garbage.closed;
      const e = metrics.get('sip_transport_errors');
      await user.until(
        () => (e?.kind === 'counter' ? e.get('tls', 'tls-handshake') : 0) >= 1,
        'handshake error',
      );
      // The per-source slot (limit 1) is free again: a trusted client gets through.
      const { layer: trusted } = await makeLayer(
        [{ transport: 'udp', host: '127.0.0.1', port: 0 }],
        new Recorder(),
        {
          tlsClient: { ca: cert, servername: 'localhost' },
        },
      );
      const ok = await trusted.send({ transport: 'tls', address: '127.0.0.1', port }, sipMessage('y'));
      assert.deepEqual(ok, { ok: true });
      await user.until(() => user.messages.length === 1);
      await trusted.stop();
    } finally {
      await client.stop();
      await layer.stop();
    }
  },
);

void test('a throwing user does not break the transport', BOUNDED, async () => {
  let calls = 0;
  const user: TransportUser = {
    onMessage() {
      calls++;
      throw new Error('bug above');
    },
  };
  const { layer, metrics } = await makeLayer(
    [
      { transport: 'udp', host: '127.0.0.1', port: 0 },
      { transport: 'tcp', host: '127.0.0.1', port: 0 },
    ],
    user,
  );
  const sender = new Recorder();
  const { layer: other } = await makeLayer([{ transport: 'udp', host: '127.0.0.1', port: 0 }], sender);
  try {
    await other.send({ transport: 'udp', address: '127.0.0.1', port: portOf(layer, 'udp') }, sipMessage('a'));
    await other.send({ transport: 'tcp', address: '127.0.0.1', port: portOf(layer, 'tcp') }, sipMessage('b'));
    await other.send({ transport: 'tcp', address: '127.0.0.1', port: portOf(layer, 'tcp') }, sipMessage('c'));
    await sender.until(() => calls === 3, 'three deliveries');
    const e = metrics.get('sip_transport_errors');
    assert.equal(
      e?.kind === 'counter' ? e.get('udp', 'user-exception') + e.get('tcp', 'user-exception') : -1,
      3,
    );
  } finally {
    await other.stop();
    await layer.stop();
  }
});

void test('UDP: SendTarget.local picks the listener to send from', BOUNDED, async () => {
  const receiver = new Recorder();
  const { layer: rx } = await makeLayer([{ transport: 'udp', host: '127.0.0.1', port: 0 }], receiver);
  const { layer: tx } = await makeLayer(
    [
      { transport: 'udp', host: '127.0.0.1', port: 0 },
      { transport: 'udp', host: '127.0.0.1', port: 0 },
    ],
    new Recorder(),
  );
  try {
    const port = portOf(rx, 'udp');
    const [first, second] = tx.listeners().filter((l) => l.transport === 'udp');
    assert.ok(first && second && first.port !== second.port);
    for (const from of [second, first, second]) {
      const r = await tx.send(
        { transport: 'udp', address: '127.0.0.1', port, local: { address: '127.0.0.1', port: from.port } },
        sipMessage('x'),
      );
      assert.deepEqual(r, { ok: true });
    }
    await receiver.until(() => receiver.messages.length === 3, 'three datagrams');
    // Datagrams from different sockets have no order on the wire (each listener writes its own queue).
    assert.deepEqual(
      receiver.messages.map((m) => m.flow.remote.port).sort(),
      [second.port, first.port, second.port].sort(),
    );
    const none = await tx.send(
      { transport: 'udp', address: '127.0.0.1', port, local: { address: '127.0.0.1', port: 1 } },
      sipMessage('x'),
    );
    assert.deepEqual(none, { ok: false, error: 'no-listener' });
  } finally {
    await tx.stop();
    await rx.stop();
  }
});

void test('UDP flow cache is bounded', BOUNDED, async () => {
  const user = new Recorder();
  const { layer } = await makeLayer([{ transport: 'udp', host: '127.0.0.1', port: 0 }], user, {
    maxUdpFlows: 2,
  });
  const senders = await Promise.all(
    [0, 1, 2].map(() => makeLayer([{ transport: 'udp', host: '127.0.0.1', port: 0 }], new Recorder())),
  );
  try {
    const port = portOf(layer, 'udp');
    for (const s of senders) {
      await s.layer.send({ transport: 'udp', address: '127.0.0.1', port }, sipMessage('x'));
      const n = user.messages.length + 1;
      await user.until(() => user.messages.length === n);
    }
    const ids = user.messages.map((m) => m.flow.id);
    assert.equal(new Set(ids).size, 3);
    assert.equal(layer.getFlow(ids[0] as string), undefined, 'oldest evicted');
    assert.ok(layer.getFlow(ids[2] as string));
    // An evicted flow can still be used to answer.
    assert.deepEqual(user.messages[0]?.flow.send(sipMessage('late')), { ok: true });
  } finally {
    for (const s of senders) await s.layer.stop();
    await layer.stop();
  }
});

void test(
  'WebSocket: closing a flow runs the close handshake and both sides see it closed',
  BOUNDED,
  async () => {
    const serverUser = new Recorder(true);
    const clientUser = new Recorder();
    const server = await makeLayer([{ transport: 'ws', host: '127.0.0.1', port: 0 }], serverUser);
    const client = await makeLayer([{ transport: 'udp', host: '127.0.0.1', port: 0 }], clientUser);
    try {
      const port = portOf(server.layer, 'ws');
      const big = 'y'.repeat(70_000);
      const r = await client.layer.send(
        { transport: 'ws', address: '127.0.0.1', port },
        sipMessage('w', 'short'),
      );
      assert.deepEqual(r, { ok: true });
      await clientUser.until(() => clientUser.messages.length === 1);
      const flow = clientUser.messages[0]?.flow;
      assert.ok(flow);
      assert.deepEqual(flow.send(sipMessage('w2', big)), { ok: false, error: 'too-large' });
      flow.close();
      await serverUser.until(() => serverUser.closed.length === 1, 'server side closed');
      await clientUser.until(() => clientUser.closed.length === 1, 'client side closed');
      assert.equal(serverUser.closed[0]?.reason, 'remote-closed');
      assert.equal(clientUser.closed[0]?.reason, 'local-close');
    } finally {
      await client.layer.stop();
      await server.layer.stop();
    }
  },
);

void test(
  'UDP: STUN Binding Request is answered with the mapped address and reported as a keep-alive',
  BOUNDED,
  async () => {
    const serverUser = new Recorder();
    const clientUser = new Recorder();
    const { layer } = await makeLayer([{ transport: 'udp', host: '127.0.0.1', port: 0 }], serverUser);
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    try {
      const answer = new Promise<Buffer>((resolve) => sock.once('message', (m) => resolve(m)));
      sock.send(stunBindingRequest(), portOf(layer, 'udp'), '127.0.0.1');
      const res = await answer;
      assert.deepEqual(stunMappedAddress(res), { address: '127.0.0.1', port: sock.address().port });
      await serverUser.until(() => serverUser.keepalives.length === 1);
      assert.equal(serverUser.keepalives[0]?.kind, 'ping');
      assert.equal(serverUser.messages.length, 0);
      // A client layer sees the Binding Success Response as a pong.
      const client = await makeLayer([{ transport: 'udp', host: '127.0.0.1', port: 0 }], clientUser);
      await client.layer.send(
        { transport: 'udp', address: '127.0.0.1', port: portOf(layer, 'udp') },
        stunBindingRequest(),
      );
      await clientUser.until(() => clientUser.keepalives.length === 1);
      assert.equal(clientUser.keepalives[0]?.kind, 'pong');
      await client.layer.stop();
    } finally {
      sock.close();
      await layer.stop();
    }
  },
);

void test(
  'UDP sends of one event-loop turn leave together at its end, in order; stop writes what is queued',
  BOUNDED,
  async () => {
    const rx = dgram.createSocket('udp4');
    const got: string[] = [];
    rx.on('message', (m) => got.push(m.toString()));
    await new Promise<void>((resolve) => rx.bind(0, '127.0.0.1', () => resolve()));
    const port = rx.address().port;
    const to = { transport: 'udp', address: '127.0.0.1', port } as const;
    try {
      for (const coalesce of [true, false]) {
        got.length = 0;
        const { layer, metrics } = await makeLayer(
          [{ transport: 'udp', host: '127.0.0.1', port: 0 }],
          new Recorder(),
          { coalesceUdpSends: coalesce },
        );
        // Ten sends in one synchronous run: counted at once, written by the end of the turn.
        const sends = Array.from({ length: 10 }, (_, i) => layer.send(to, sipMessage(String(i + 1))));
        const out = metrics.get('sip_transport_messages_out');
        assert.equal(out?.kind === 'counter' ? out.get('udp') : -1, 10);
        for (const r of await Promise.all(sends)) assert.deepEqual(r, { ok: true });
        const deadline = Date.now() + 5000;
        while (got.length < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        assert.deepEqual(
          got.map((m) => /Call-ID: (\S+)/.exec(m)?.[1]),
          Array.from({ length: 10 }, (_, i) => String(i + 1)),
          `order kept (coalesce ${coalesce})`,
        );
        // Queued and then stopped within the same turn: still written.
        got.length = 0;
        void layer.send(to, sipMessage('last'));
        await layer.stop();
        while (got.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        assert.equal(
          got.length,
          1,
          `the queued datagram left before the socket closed (coalesce ${coalesce})`,
        );
      }
    } finally {
      rx.close();
    }
  },
);
