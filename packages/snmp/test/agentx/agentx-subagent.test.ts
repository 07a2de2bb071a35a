import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import {
  AgentxError,
  AgentxFlags,
  AgentxPduType,
  AgentxSessionState,
  AgentxSubagent,
  agentxFrameLength,
  decodeAgentxPdu,
  encodeAgentxPdu,
  type AgentxMessage,
  type AgentxPduBody,
} from '../../src/index.js';
import { AX_COUNT, AX_ENTRY, AX_NAME, AX_ROOT, AX_WRITABLE, makeAgentxTestMib } from './agentx-test-mib.js';

const NBO = AgentxFlags.NetworkByteOrder;

/** A scripted AgentX master: answers Open/Register/Ping/Close, records everything, sends requests. */
class FakeMaster {
  readonly received: AgentxMessage[] = [];
  private sock: Socket | undefined;
  private rx = Buffer.alloc(0);
  private nextSession = 100;
  private packet = 1;
  private waiters: { pred: (m: AgentxMessage) => boolean; resolve: (m: AgentxMessage) => void }[] = [];
  answerPings = true;
  connections = 0;

  constructor(readonly server: Server) {
    server.on('connection', (s) => {
      this.connections++;
      this.sock = s;
      this.rx = Buffer.alloc(0);
      s.on('data', (c: Buffer) => this.onData(s, c));
      s.on('error', () => undefined);
    });
  }

  /** Listens on 127.0.0.1:<ephemeral>, or on a Unix socket path. */
  static async start(path?: string): Promise<FakeMaster> {
    const server = createServer();
    await new Promise<void>((r) =>
      path ? server.listen(path, () => r()) : server.listen(0, '127.0.0.1', () => r()),
    );
    return new FakeMaster(server);
  }

  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  session = 0;

  private onData(s: Socket, c: Buffer): void {
    this.rx = Buffer.concat([this.rx, c]);
    for (;;) {
      const n = agentxFrameLength(this.rx);
      if (n <= 0 || this.rx.length < n) return;
      const d = decodeAgentxPdu(this.rx.subarray(0, n));
      this.rx = this.rx.subarray(n);
      assert.ok(d.ok, !d.ok ? d.error : '');
      const m = d.value;
      this.received.push(m);
      const t = m.pdu.type;
      if (t === AgentxPduType.Open) {
        this.session = this.nextSession++;
        this.reply(s, m, this.session);
      } else if (t === AgentxPduType.Register || t === AgentxPduType.Close || t === AgentxPduType.Notify)
        this.reply(s, m, m.header.sessionId);
      else if (t === AgentxPduType.Ping && this.answerPings) this.reply(s, m, m.header.sessionId);
      for (const w of [...this.waiters])
        if (w.pred(m)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(m);
        }
    }
  }

  private reply(s: Socket, m: AgentxMessage, sessionId: number): void {
    const e = encodeAgentxPdu({
      header: { ...m.header, sessionId },
      pdu: { type: AgentxPduType.Response, sysUpTime: 1, error: 0, index: 0, varbinds: [] },
    });
    assert.ok(e.ok);
    s.write(e.value);
  }

  waitFor(pred: (m: AgentxMessage) => boolean): Promise<AgentxMessage> {
    const found = this.received.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  /** Sends a request and resolves with the subagent's Response (matched on packetID). */
  request(
    pdu: AgentxPduBody,
    opts: { transactionId?: number; flags?: number; sessionId?: number } = {},
  ): Promise<AgentxMessage> {
    const packetId = this.packet++;
    const e = encodeAgentxPdu({
      header: {
        flags: opts.flags ?? NBO,
        sessionId: opts.sessionId ?? this.session,
        transactionId: opts.transactionId ?? 0,
        packetId,
      },
      pdu,
    });
    assert.ok(e.ok);
    const p = this.waitFor((m) => m.pdu.type === AgentxPduType.Response && m.header.packetId === packetId);
    this.sock!.write(e.value);
    return p;
  }

  raw(b: Buffer): void {
    this.sock!.write(b);
  }

  dropConnection(): void {
    this.sock?.destroy();
  }

  async close(): Promise<void> {
    this.sock?.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

function resp(m: AgentxMessage): Extract<AgentxPduBody, { type: AgentxPduType.Response }> {
  assert.equal(m.pdu.type, AgentxPduType.Response);
  return m.pdu as Extract<AgentxPduBody, { type: AgentxPduType.Response }>;
}

void describe('AgentxSubagent against a scripted master', () => {
  let master: FakeMaster;
  let sub: AgentxSubagent;
  const mib = makeAgentxTestMib(50);

  before(async () => {
    master = await FakeMaster.start();
    sub = new AgentxSubagent(
      { log: silentLogger(), metrics: new MetricsRegistry() },
      {
        registry: mib.registry,
        socket: { host: '127.0.0.1', port: master.port },
        subtrees: [AX_ROOT],
        timeoutSec: 1,
        reconnectMs: 50,
        pingIntervalMs: 100,
        id: AX_ROOT,
      },
    );
    assert.equal(sub.state, AgentxSessionState.Disconnected);
    sub.start();
    assert.ok(await sub.waitForState(AgentxSessionState.Open, 5000));
  });

  after(async () => {
    await sub.close();
    assert.equal(sub.state, AgentxSessionState.Disconnected);
    await master.close();
  });

  void test('Open then Register of each subtree, in network byte order', () => {
    const [open, reg] = master.received;
    assert.equal(open?.pdu.type, AgentxPduType.Open);
    assert.equal(open?.header.flags & NBO, NBO);
    assert.equal(reg?.pdu.type, AgentxPduType.Register);
    assert.deepEqual(reg?.pdu.type === AgentxPduType.Register && reg.pdu.subtree, AX_ROOT);
    assert.equal(reg?.header.sessionId, master.session);
    assert.equal(sub.sessionId, master.session);
  });

  void test('Get: values, noSuchInstance and noSuchObject', async () => {
    const r = resp(
      await master.request({
        type: AgentxPduType.Get,
        ranges: [
          { start: [...AX_NAME, 0], include: false, end: [] },
          { start: [...AX_ENTRY, 2, 7], include: false, end: [] },
          { start: [...AX_ENTRY, 2, 70], include: false, end: [] },
          { start: [...AX_ROOT, 9, 0], include: false, end: [] },
        ],
      }),
    );
    assert.equal(r.error, 0);
    assert.deepEqual(
      r.varbinds.map((v) => v.value.type),
      ['OctetString', 'OctetString', 'NoSuchInstance', 'NoSuchObject'],
    );
    assert.deepEqual(r.varbinds[1]!.value, { type: 'OctetString', value: Buffer.from('row-7') });
  });

  void test('GetNext honours include and the SearchRange end bound', async () => {
    const r = resp(
      await master.request({
        type: AgentxPduType.GetNext,
        ranges: [
          { start: [...AX_COUNT, 0], include: true, end: [] },
          { start: [...AX_COUNT, 0], include: false, end: [] },
          { start: [...AX_ENTRY, 1, 50], include: false, end: [...AX_ENTRY, 2] },
          { start: AX_ROOT, include: false, end: [...AX_NAME, 0] },
        ],
      }),
    );
    assert.deepEqual(r.varbinds[0], { oid: [...AX_COUNT, 0], value: { type: 'Gauge32', value: 50 } });
    assert.deepEqual(r.varbinds[1]!.oid, [...AX_WRITABLE, 0]);
    assert.deepEqual(r.varbinds[2], { oid: [...AX_ENTRY, 1, 50], value: { type: 'EndOfMibView' } });
    assert.deepEqual(r.varbinds[3], { oid: AX_ROOT, value: { type: 'EndOfMibView' } });
  });

  void test('GetBulk: non-repeaters then repetitions, stops at endOfMibView', async () => {
    const r = resp(
      await master.request({
        type: AgentxPduType.GetBulk,
        nonRepeaters: 1,
        maxRepetitions: 3,
        ranges: [
          { start: AX_NAME, include: false, end: [] },
          { start: [...AX_ENTRY, 1], include: false, end: [] },
          { start: [...AX_ENTRY, 3, 49], include: false, end: [...AX_ENTRY, 4] },
        ],
      }),
    );
    assert.deepEqual(
      r.varbinds.map((v) => v.oid.slice(AX_ROOT.length).join('.') + '=' + v.value.type),
      [
        '1.0=OctetString',
        '4.1.1.1=Integer',
        '4.1.3.50=Counter64',
        '4.1.1.2=Integer',
        '4.1.3.50=EndOfMibView',
        '4.1.1.3=Integer',
        '4.1.3.50=EndOfMibView',
      ],
    );
  });

  void test('a little-endian request is answered in little-endian', async () => {
    const r = await master.request(
      { type: AgentxPduType.Get, ranges: [{ start: [...AX_COUNT, 0], include: false, end: [] }] },
      { flags: 0 },
    );
    assert.equal(r.header.flags & NBO, 0);
    assert.deepEqual(resp(r).varbinds[0]!.value, { type: 'Gauge32', value: 50 });
  });

  void test('Set: TestSet, CommitSet, CleanupSet apply the value', async () => {
    const vb = { oid: [...AX_WRITABLE, 0], value: { type: 'Integer' as const, value: 77 } };
    assert.equal(
      resp(await master.request({ type: AgentxPduType.TestSet, varbinds: [vb] }, { transactionId: 11 }))
        .error,
      0,
    );
    assert.equal(mib.writable.value, 5);
    assert.equal(
      resp(await master.request({ type: AgentxPduType.CommitSet }, { transactionId: 11 })).error,
      0,
    );
    assert.equal(mib.writable.value, 77);
    // CleanupSet has no Response (RFC 2741 §7.2.4.4); a Get after it proves it was consumed
    const e = encodeAgentxPdu({
      header: { flags: NBO, sessionId: master.session, transactionId: 11, packetId: 0x7777 },
      pdu: { type: AgentxPduType.CleanupSet },
    });
    assert.ok(e.ok);
    master.raw(e.value);
    const after = await master.request({
      type: AgentxPduType.Get,
      ranges: [{ start: [...AX_WRITABLE, 0], include: false, end: [] }],
    });
    assert.deepEqual(resp(after).varbinds[0]!.value, { type: 'Integer', value: 77 });
    assert.equal(master.received.filter((m) => m.header.packetId === 0x7777).length, 0);
  });

  void test('Set: a failing TestSet reports error and index; UndoSet reverts a commit', async () => {
    const bad = resp(
      await master.request(
        {
          type: AgentxPduType.TestSet,
          varbinds: [
            { oid: [...AX_WRITABLE, 0], value: { type: 'Integer', value: 1 } },
            { oid: [...AX_NAME, 0], value: { type: 'OctetString', value: Buffer.from('x') } },
          ],
        },
        { transactionId: 12 },
      ),
    );
    assert.deepEqual([bad.error, bad.index], [17, 2]); // notWritable at varbind 2
    const wrong = resp(
      await master.request(
        {
          type: AgentxPduType.TestSet,
          varbinds: [{ oid: [...AX_WRITABLE, 0], value: { type: 'Integer', value: 5000 } }],
        },
        { transactionId: 13 },
      ),
    );
    assert.deepEqual([wrong.error, wrong.index], [10, 1]); // wrongValue
    const vb = { oid: [...AX_WRITABLE, 0], value: { type: 'Integer' as const, value: 9 } };
    assert.equal(
      resp(await master.request({ type: AgentxPduType.TestSet, varbinds: [vb] }, { transactionId: 14 }))
        .error,
      0,
    );
    assert.equal(
      resp(await master.request({ type: AgentxPduType.CommitSet }, { transactionId: 14 })).error,
      0,
    );
    assert.equal(mib.writable.value, 9);
    assert.equal(resp(await master.request({ type: AgentxPduType.UndoSet }, { transactionId: 14 })).error, 0);
    assert.equal(mib.writable.value, 77);
    // CommitSet for an unknown transaction: processingError
    assert.equal(
      resp(await master.request({ type: AgentxPduType.CommitSet }, { transactionId: 99 })).error,
      AgentxError.processingError,
    );
  });

  void test('wrong session: notOpen; unparseable payload: parseError', async () => {
    const r = await master.request(
      { type: AgentxPduType.Get, ranges: [{ start: [...AX_COUNT, 0], include: false, end: [] }] },
      { sessionId: 424242 },
    );
    assert.equal(resp(r).error, AgentxError.notOpen);
    // a Get whose OID claims more sub-identifiers than the payload holds
    const p = master.waitFor((m) => m.pdu.type === AgentxPduType.Response && m.header.packetId === 0xabc);
    master.raw(
      Buffer.from(
        `0105100000000${master.session.toString(16).padStart(3, '0')}00000000` +
          '00000abc' +
          '00000004' +
          '09000000',
        'hex',
      ),
    );
    assert.equal(resp(await p).error, AgentxError.parseError);
  });

  void test('notify sends a Notify-PDU with sysUpTime.0 and snmpTrapOID.0 first', async () => {
    const r = await sub.notify(
      [...AX_ROOT, 0, 1],
      [{ oid: [...AX_NAME, 0], value: { type: 'OctetString', value: Buffer.from('n') } }],
    );
    assert.deepEqual(r, { ok: true });
    const n = await master.waitFor((m) => m.pdu.type === AgentxPduType.Notify);
    assert.ok(n.pdu.type === AgentxPduType.Notify);
    assert.deepEqual(
      n.pdu.varbinds.map((v) => v.oid.join('.')),
      ['1.3.6.1.2.1.1.3.0', '1.3.6.1.6.3.1.1.4.1.0', [...AX_NAME, 0].join('.')],
    );
    assert.deepEqual(n.pdu.varbinds[1]!.value, { type: 'ObjectIdentifier', value: [...AX_ROOT, 0, 1] });
  });

  void test('Ping keep-alive is sent while open', async () => {
    const ping = await master.waitFor((m) => m.pdu.type === AgentxPduType.Ping);
    assert.equal(ping.header.sessionId, master.session);
  });

  void test('the master drops the connection: the subagent reconnects and opens a new session', async () => {
    const before = master.session;
    master.dropConnection();
    assert.ok(await sub.waitForState(AgentxSessionState.Disconnected, 2000));
    assert.ok(await sub.waitForState(AgentxSessionState.Open, 5000));
    assert.notEqual(master.session, before);
    assert.equal(sub.sessionId, master.session);
    assert.equal(master.connections, 2);
  });

  void test('an unanswered Ping makes the subagent reconnect', async () => {
    master.answerPings = false;
    const opened = sub.sessionsOpened;
    assert.ok(await sub.waitForState(AgentxSessionState.Disconnected, 5000));
    master.answerPings = true;
    assert.ok(await sub.waitForState(AgentxSessionState.Open, 5000));
    assert.equal(sub.sessionsOpened, opened + 1);
  });
});

void test('AgentxSubagent over a Unix-domain socket', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'beckon-agentx-'));
  const path = join(dir, 'master');
  const master = await FakeMaster.start(path);
  const mib = makeAgentxTestMib(3);
  const sub = new AgentxSubagent(
    { log: silentLogger(), metrics: new MetricsRegistry() },
    { registry: mib.registry, socket: path, subtrees: [AX_ROOT], context: 'unixctx', reconnectMs: 50 },
  );
  try {
    sub.start();
    assert.ok(await sub.waitForState(AgentxSessionState.Open, 5000));
    const reg = master.received.find((m) => m.pdu.type === AgentxPduType.Register);
    assert.ok(reg && reg.pdu.type === AgentxPduType.Register);
    assert.deepEqual(reg.pdu.context, Buffer.from('unixctx'));
    assert.equal(reg.header.flags & AgentxFlags.NonDefaultContext, AgentxFlags.NonDefaultContext);
    const r = await master.request({
      type: AgentxPduType.Get,
      context: Buffer.from('unixctx'),
      ranges: [{ start: [...AX_COUNT, 0], include: false, end: [] }],
    });
    assert.deepEqual(resp(r).varbinds[0]!.value, { type: 'Gauge32', value: 3 });
  } finally {
    await sub.close();
    await master.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
