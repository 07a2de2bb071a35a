import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, type BeckonConfig } from '@beckon/config';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { parseMessage } from '@beckon/sip';
import { Station } from '../../src/index.js';
import { Ua, req } from './proxy-ua.js';

function config(dir: string): BeckonConfig {
  const c = defaultConfig();
  return {
    ...c,
    sip: { ...c.sip, domain: 'example.net', listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] },
    storage: { ...c.storage, driver: 'sqlite', sqlitePath: join(dir, 'beckon.db') },
  };
}

void test('station: REGISTER with +sip.instance, ~~in~MAC forks to both lines, ~~in~user&MAC to one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'beckon-station-'));
  const metrics = new MetricsRegistry();
  const station = new Station({ log: silentLogger(), metrics }, config(dir), { authenticate: false });
  await station.start();
  const port = station.listeners()[0]!.port;
  const line69 = await Ua.open(200);
  const line70 = await Ua.open(486);
  const caller = await Ua.open();
  try {
    for (const [ua, user, t] of [
      [line69, '69', 'e'],
      [line70, '70', 'f'],
    ] as const) {
      const inst = `"<urn:uuid:f81d4fa${t}-7dec-11d0-a765-0000deadbeef>"`;
      const r = await ua.request(
        port,
        req(
          'REGISTER',
          `sip:${user}@example.net`,
          ua,
          [`Contact: <sip:${user}@127.0.0.1:${ua.port}>;+sip.instance=${inst}`, 'Expires: 600'],
          user,
        ),
      );
      assert.equal(r.status, 200);
    }
    const view = station.instruments();
    assert.deepEqual(
      view.map((v) => [v.instrument, v.lines.map((l) => l.aor)]),
      [['0000deadbeef', ['sip:69@example.net', 'sip:70@example.net']]],
    );

    // Both line appearances get the OPTIONS; 200 wins over 486 (§16.7).
    let r = await caller.request(port, req('OPTIONS', 'sip:~~in~0000DEADBEEF@example.net', caller));
    assert.equal(r.status, 200);
    assert.equal(line69.received.filter((m) => m.method === 'OPTIONS').length, 1);
    assert.equal(line70.received.filter((m) => m.method === 'OPTIONS').length, 1);
    assert.equal(r.getAll('via').length, 1, 'proxy Via removed');

    // Only line 70 (which answers 486).
    r = await caller.request(port, req('MESSAGE', 'sip:~~in~70&0000deadbeef@example.net', caller));
    assert.equal(r.status, 486);
    assert.equal(line69.received.filter((m) => m.method === 'MESSAGE').length, 0);
    assert.equal(line70.received.filter((m) => m.method === 'MESSAGE').length, 1);
    const fwd = line70.received.find((m) => m.method === 'MESSAGE')!;
    assert.equal(fwd.get('max-forwards'), '69');
    assert.equal(fwd.rawUri, `sip:70@127.0.0.1:${line70.port}`);

    // AOR routing, unknown user, foreign domain, Max-Forwards 0, loop.
    r = await caller.request(port, req('MESSAGE', 'sip:69@example.net', caller));
    assert.equal(r.status, 200);
    r = await caller.request(port, req('MESSAGE', 'sip:nobody@example.net', caller));
    assert.equal(r.status, 404);
    r = await caller.request(port, req('MESSAGE', 'sip:~~in~001122334455@example.net', caller));
    assert.equal(r.status, 480);
    r = await caller.request(port, req('MESSAGE', 'sip:bob@elsewhere.org', caller));
    assert.equal(r.status, 403);
    r = await caller.request(
      port,
      req('MESSAGE', 'sip:69@example.net', caller).replace('Max-Forwards: 70', 'Max-Forwards: 0'),
    );
    assert.equal(r.status, 483);

    const counters = metrics.get('proxy_forks')?.samples()[0]?.value;
    assert.equal(counters, 4);
  } finally {
    line69.close();
    line70.close();
    caller.close();
    await station.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('a contact registered over TCP is reached over that same connection', async () => {
  const { connect } = await import('node:net');
  const dir = mkdtempSync(join(tmpdir(), 'beckon-station-tcp-'));
  const c = config(dir);
  const station = new Station(
    { log: silentLogger(), metrics: new MetricsRegistry() },
    {
      ...c,
      sip: {
        ...c.sip,
        listen: [
          { transport: 'udp', host: '127.0.0.1', port: 0 },
          { transport: 'tcp', host: '127.0.0.1', port: 0 },
        ],
      },
    },
    { authenticate: false },
  );
  await station.start();
  const udpPort = station.listeners().find((l) => l.transport === 'udp')!.port;
  const tcpPort = station.listeners().find((l) => l.transport === 'tcp')!.port;
  const sock = connect(tcpPort, '127.0.0.1');
  await new Promise<void>((r) => sock.once('connect', () => r()));
  let buf = '';
  const received: string[] = [];
  sock.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\r\n\r\n')) >= 0) {
      const msg = buf.slice(0, i + 4);
      buf = buf.slice(i + 4);
      received.push(msg);
      if (msg.startsWith('OPTIONS ')) {
        const p = parseMessage(Buffer.from(msg));
        assert.ok(p.ok && p.message.kind === 'request');
        const m = p.message;
        sock.write(
          [
            'SIP/2.0 200 OK',
            ...m.getRows('via').map((v) => `Via: ${v}`),
            `From: ${m.get('from')}`,
            `To: ${m.get('to')};tag=tcp1`,
            `Call-ID: ${m.get('call-id')}`,
            `CSeq: ${m.get('cseq')}`,
            'Content-Length: 0',
            '',
            '',
          ].join('\r\n'),
        );
      }
    }
  });
  const caller = await Ua.open();
  try {
    // The Contact names a port nobody listens on: only the registration's connection reaches the UA.
    sock.write(
      [
        'REGISTER sip:example.net SIP/2.0',
        'Via: SIP/2.0/TCP 10.1.2.3:5060;branch=z9hG4bK-tcpreg',
        'Max-Forwards: 70',
        'From: <sip:natted@example.net>;tag=a',
        'To: <sip:natted@example.net>',
        'Call-ID: tcp-reg-1',
        'CSeq: 1 REGISTER',
        'Contact: <sip:natted@10.1.2.3:5060;transport=tcp>',
        'Expires: 600',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    );
    const until = Date.now() + 5000;
    while (!received.some((m) => m.startsWith('SIP/2.0 200')) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 10));
    assert.ok(
      received.some((m) => m.startsWith('SIP/2.0 200')),
      'REGISTER answered on the connection',
    );
    const r = await caller.request(udpPort, req('OPTIONS', 'sip:natted@example.net', caller));
    assert.equal(r.status, 200);
    assert.ok(received.some((m) => m.startsWith('OPTIONS sip:natted@10.1.2.3:5060;transport=tcp')));
  } finally {
    sock.destroy();
    caller.close();
    await station.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
