import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, type BeckonConfig } from '@beckon/config';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { parseMessage, type SipRequest, type SipResponse } from '@beckon/sip';
import { bestResponseIndex, Station } from '../../src/index.js';

type Handler = (req: SipRequest, reply: (status: number, toTag?: string) => void) => void;

/** A scripted UDP endpoint: requests go to `handler`, everything received is recorded. */
class Peer {
  readonly got: (SipRequest | SipResponse)[] = [];
  private constructor(
    readonly sock: Socket,
    readonly port: number,
    handler: Handler,
  ) {
    sock.on('message', (data, rinfo) => {
      const p = parseMessage(data);
      if (!p.ok) return;
      const m = p.message;
      this.got.push(m);
      if (m.kind !== 'request' || m.method === 'ACK') return;
      handler(m, (status, toTag = `t${this.port}`) => {
        const res = [
          `SIP/2.0 ${status} R`,
          ...m.getRows('via').map((v) => `Via: ${v}`),
          // §12.1.1: a UAS copies Record-Route into its responses.
          ...m.getRows('record-route').map((v) => `Record-Route: ${v}`),
          `From: ${m.get('from')}`,
          `To: ${m.get('to')}${status > 100 ? `;tag=${toTag}` : ''}`,
          `Call-ID: ${m.get('call-id')}`,
          `CSeq: ${m.get('cseq')}`,
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n');
        sock.send(res, rinfo.port, rinfo.address);
      });
    });
  }

  static async open(handler: Handler = () => undefined): Promise<Peer> {
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    return new Peer(sock, sock.address().port, handler);
  }

  send(port: number, text: string): void {
    this.sock.send(text, port, '127.0.0.1');
  }

  async waitFor(
    pred: (m: SipRequest | SipResponse) => boolean,
    ms = 5000,
  ): Promise<SipRequest | SipResponse> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const m = this.got.find(pred);
      if (m) return m;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('timed out waiting for a message');
  }

  close(): void {
    this.sock.close();
  }
}

function msg(
  method: string,
  uri: string,
  port: number,
  extra: string[] = [],
  cseq = 1,
  branch = 'z9hG4bK-inv1',
): string {
  return [
    `${method} ${uri} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=${branch};rport`,
    'Max-Forwards: 70',
    `From: <sip:caller@example.net>;tag=caller1`,
    `To: <${uri}>`,
    'Call-ID: invite-fork-1',
    `CSeq: ${cseq} ${method}`,
    `Contact: <sip:caller@127.0.0.1:${port}>`,
    ...extra,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

function config(dir: string): BeckonConfig {
  const c = defaultConfig();
  return {
    ...c,
    sip: { ...c.sip, domain: 'example.net', listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] },
    storage: { ...c.storage, sqlitePath: join(dir, 'beckon.db') },
  };
}

void test('INVITE forks in parallel: 180s forwarded, first 2xx forwarded, the other branch cancelled', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'beckon-invite-'));
  const station = new Station({ log: silentLogger(), metrics: new MetricsRegistry() }, config(dir), {
    authenticate: false,
    recordRoute: true,
  });
  await station.start();
  const port = station.listeners()[0]!.port;
  // Line A rings then answers; line B rings and waits for the CANCEL.
  const a = await Peer.open((req, reply) => {
    if (req.method === 'INVITE') {
      reply(180);
      setTimeout(() => reply(200), 100);
    } else reply(200);
  });
  let bInviteReply: ((status: number) => void) | undefined;
  const bPeer = await Peer.open((req, reply) => {
    if (req.method === 'INVITE') {
      bInviteReply = reply;
      reply(180);
    }
    if (req.method === 'CANCEL') {
      reply(200);
      bInviteReply?.(487);
    }
  });
  const caller = await Peer.open();
  try {
    for (const [peer, n] of [
      [a, 1],
      [bPeer, 2],
    ] as const) {
      peer.send(
        port,
        [
          'REGISTER sip:example.net SIP/2.0',
          `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bK-reg${n};rport`,
          'Max-Forwards: 70',
          `From: <sip:bob@example.net>;tag=r${n}`,
          'To: <sip:bob@example.net>',
          `Call-ID: reg-${n}`,
          'CSeq: 1 REGISTER',
          `Contact: <sip:bob@127.0.0.1:${peer.port}>`,
          'Expires: 600',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
      );
      await peer.waitFor((m) => m.kind === 'response' && m.status === 200);
    }
    assert.equal(station.location.lookup('sip:bob@example.net').length, 2);

    caller.send(port, msg('INVITE', 'sip:bob@example.net', caller.port));
    const ok = await caller.waitFor((m) => m.kind === 'response' && m.status === 200);
    assert.equal(ok.getAll('via').length, 1);
    assert.ok(ok.getAll('record-route').length === 1, 'Record-Route kept in the 2xx');
    assert.ok(
      caller.got.some((m) => m.kind === 'response' && m.status === 180),
      '180 forwarded',
    );
    const inviteAtB = bPeer.got.find((m) => m.kind === 'request' && m.method === 'INVITE') as SipRequest;
    assert.ok(inviteAtB.get('record-route')?.includes(';lr'));
    const cancel = (await bPeer.waitFor((m) => m.kind === 'request' && m.method === 'CANCEL')) as SipRequest;
    // §9.1: the CANCEL has the INVITE's single top Via (same branch).
    assert.equal(cancel.getAll('via').length, 1);
    assert.equal(cancel.getAll('via')[0], inviteAtB.getAll('via')[0]);
    // The caller sees exactly one 200 and no 487.
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(caller.got.filter((m) => m.kind === 'response' && m.status === 200).length, 1);
  } finally {
    a.close();
    bPeer.close();
    caller.close();
    await station.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('best response: 6xx wins, then the lowest class, preferring 401/407 within 4xx', () => {
  assert.equal(bestResponseIndex([]), -1);
  assert.equal(bestResponseIndex([486, 603, 200]), 1);
  assert.equal(bestResponseIndex([503, 486]), 1);
  assert.equal(bestResponseIndex([404, 407, 408]), 1);
  assert.equal(bestResponseIndex([408, 500]), 0);
  assert.equal(bestResponseIndex([302, 404]), 0);
});
