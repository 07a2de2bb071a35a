// Interop of the UA core (transactions + endpoint over the real transport layer) with SIPp, sipsak and
// tshark. The endpoint runs in-process on 127.0.0.1 with ephemeral ports; every tool run is bounded.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { InMemoryCredentialStore } from '../../src/auth/credential-store.js';
import { DigestServer } from '../../src/auth/digest-server.js';
import { TransportLayer } from '../../src/transport/transport-layer.js';
import { SipEndpoint } from '../../src/ua/sip-endpoint.js';
import { haveTool, ToolRunner, type RunResult } from './tool-runner.js';

const SCENARIOS = join(dirname(fileURLToPath(import.meta.url)), 'scenarios');
const TOOL_TIMEOUT_MS = 20_000;
const HAVE_SIPP = haveTool('sipp');
const HAVE_SIPSAK = haveTool('sipsak');
const HAVE_TSHARK = haveTool('tshark');

/** A port free for both UDP and TCP on 127.0.0.1 right now (SIPp needs an explicit local port). */
async function freePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const srv = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const a = srv.address();
        resolve(typeof a === 'object' && a ? a.port : 0);
      });
    });
    const udp = createSocket('udp4');
    const udpOk = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    await new Promise<void>((r) => udp.close(() => r()));
    await new Promise<void>((r) => srv.close(() => r()));
    if (udpOk && port > 0) return port;
  }
  throw new Error('no free port');
}

function explain(r: RunResult): string {
  return `code=${r.code} signal=${r.signal} timedOut=${r.timedOut}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-2000)}`;
}

void describe('interop: SIPp, sipsak and tshark against SipEndpoint', { timeout: 180_000 }, () => {
  const runner = new ToolRunner();
  const metrics = new MetricsRegistry();
  const log = silentLogger();
  let workDir = '';
  let transport: TransportLayer;
  let endpoint: SipEndpoint;
  let udpPort = 0;
  let tcpPort = 0;
  const registered: string[] = [];

  before(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'beckon-sip-interop-'));
    transport = new TransportLayer(
      { log, metrics },
      {
        listeners: [
          { transport: 'udp', host: '127.0.0.1', port: 0 },
          { transport: 'tcp', host: '127.0.0.1', port: 0 },
        ],
      },
    );
    endpoint = new SipEndpoint({ log, metrics, transport }, { timers: { t1: 500 } });
    const store = new InMemoryCredentialStore();
    store.set('beckon', 'secure', { kind: 'password', password: 's3cret' });
    const digest = new DigestServer(
      { log, metrics, credentials: store },
      { realm: 'beckon', algorithms: ['MD5'] },
    );
    endpoint.onRequest('REGISTER', async (ctx) => {
      const req = ctx.request;
      const to = req.to().uri;
      const user = 'user' in to ? to.user : undefined;
      if (user === 'secure') {
        const v = await digest.verify('REGISTER', req.get('authorization'));
        if (!v.ok) {
          ctx.respond(
            401,
            undefined,
            digest
              .challenge({ stale: v.stale === true })
              .map((c) => ['WWW-Authenticate', c] as [string, string]),
          );
          return;
        }
      }
      registered.push(user ?? '');
      ctx.respond(200, undefined, [
        ['Contact', req.get('contact') ?? ''],
        ['Expires', '300'],
      ]);
    });
    endpoint.onRequest('INVITE', (ctx) => {
      const to = ctx.request.to().uri;
      // 'ringing' is left unanswered (for the CANCEL scenario); anyone else is busy.
      if ('user' in to && to.user === 'ringing') return;
      ctx.respond(486);
    });
    const started = await endpoint.start();
    assert.ok(started.ok, 'transport started');
    for (const l of started.listeners) {
      if (l.transport === 'udp') udpPort = l.port;
      if (l.transport === 'tcp') tcpPort = l.port;
    }
    assert.ok(udpPort > 0 && tcpPort > 0);
  });

  after(async () => {
    runner.killAll();
    await endpoint?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  async function sipp(
    scenario: string,
    transportFlag: 'u1' | 't1',
    port: number,
    extra: string[] = [],
  ): Promise<RunResult> {
    const local = await freePort();
    return runner.run(
      'sipp',
      [
        `127.0.0.1:${port}`,
        '-sf',
        join(SCENARIOS, scenario),
        '-m',
        '1',
        '-t',
        transportFlag,
        '-i',
        '127.0.0.1',
        '-p',
        String(local),
        '-timeout',
        '10s',
        '-timeout_error',
        '-recv_timeout',
        '5000',
        '-nostdin',
        ...extra,
      ],
      TOOL_TIMEOUT_MS,
      workDir,
    );
  }

  void test(
    'SIPp OPTIONS over UDP: 200 with Allow, received and rport',
    { skip: !HAVE_SIPP && 'sipp not installed' },
    async () => {
      const r = await sipp('options.xml', 'u1', udpPort);
      assert.equal(r.code, 0, explain(r));
    },
  );

  void test('SIPp OPTIONS over TCP: 200', { skip: !HAVE_SIPP && 'sipp not installed' }, async () => {
    const r = await sipp('options.xml', 't1', tcpPort);
    assert.equal(r.code, 0, explain(r));
  });

  void test(
    'SIPp REGISTER answered by the test handler',
    { skip: !HAVE_SIPP && 'sipp not installed' },
    async () => {
      const r = await sipp('register.xml', 'u1', udpPort);
      assert.equal(r.code, 0, explain(r));
      assert.ok(registered.includes('device1'));
    },
  );

  void test(
    'SIPp REGISTER with a 401 digest challenge and [authentication] retry',
    { skip: !HAVE_SIPP && 'sipp not installed' },
    async () => {
      const before = registered.filter((u) => u === 'secure').length;
      const r = await sipp('register-auth.xml', 'u1', udpPort, [
        '-s',
        'secure',
        '-au',
        'secure',
        '-ap',
        's3cret',
      ]);
      assert.equal(r.code, 0, explain(r));
      assert.equal(registered.filter((u) => u === 'secure').length, before + 1);
      const results = metrics.get('sip_auth_results');
      assert.ok(results?.kind === 'counter');
      assert.ok(results.get('ok') >= 1);
    },
  );

  void test(
    'SIPp REGISTER with a wrong password gets no 200',
    { skip: !HAVE_SIPP && 'sipp not installed' },
    async () => {
      const r = await sipp('register-auth.xml', 'u1', udpPort, [
        '-s',
        'secure',
        '-au',
        'secure',
        '-ap',
        'wrong',
      ]);
      assert.notEqual(r.code, 0, 'the scenario expects 200 and must fail');
    },
  );

  void test(
    'SIPp malformed OPTIONS: 400 with a Warning',
    { skip: !HAVE_SIPP && 'sipp not installed' },
    async () => {
      const errors = metrics.get('sip_parse_errors');
      const before = errors?.kind === 'counter' ? errors.total() : 0;
      const r = await sipp('malformed.xml', 'u1', udpPort);
      assert.equal(r.code, 0, explain(r));
      const after = metrics.get('sip_parse_errors');
      assert.ok(after?.kind === 'counter');
      assert.ok(after.total() > before);
    },
  );

  void test(
    'sipsak -s sip:beckon@127.0.0.1:PORT gets 200',
    { skip: !HAVE_SIPSAK && 'sipsak not installed' },
    async () => {
      const r = await runner.run(
        'sipsak',
        ['-s', `sip:beckon@127.0.0.1:${udpPort}`, '-vv'],
        TOOL_TIMEOUT_MS,
        workDir,
      );
      assert.equal(r.code, 0, explain(r));
      assert.match(r.stdout, /SIP\/2\.0 200 OK/);
    },
  );

  void test(
    'SIPp INVITE answered 486: SIPp ACKs, no 486 retransmission after the ACK',
    { skip: !HAVE_SIPP && 'sipp not installed' },
    async () => {
      const r = await sipp('invite-busy.xml', 'u1', udpPort);
      assert.equal(r.code, 0, explain(r));
    },
  );

  void test(
    'SIPp INVITE then CANCEL: 200 to the CANCEL, 487 to the INVITE, ACK absorbed',
    { skip: !HAVE_SIPP && 'sipp not installed' },
    async () => {
      const r = await sipp('invite-cancel.xml', 'u1', udpPort);
      assert.equal(r.code, 0, explain(r));
    },
  );

  /** Starts SIPp as a UAS on a free port; resolves with that port and the run's completion. */
  async function sippUas(scenario: string): Promise<{ port: number; done: Promise<RunResult> }> {
    const port = await freePort();
    const done = runner.run(
      'sipp',
      ['-sf', join(SCENARIOS, scenario), '-t', 'u1', '-i', '127.0.0.1', '-p', String(port), '-m', '1'].concat(
        ['-timeout', '10s', '-timeout_error', '-nostdin'],
      ),
      TOOL_TIMEOUT_MS,
      workDir,
    );
    // SIPp binds within a few ms; a request sent before that is retransmitted by Timer E anyway.
    await new Promise((r) => setTimeout(r, 300));
    return { port, done };
  }

  void test(
    'endpoint as UAC: OPTIONS to SIPp (UAS) resolves with its 200',
    { skip: !HAVE_SIPP && 'sipp not installed' },
    async () => {
      const uas = await sippUas('uas-options.xml');
      const req = endpoint.createRequest('OPTIONS', `sip:sipp@127.0.0.1:${uas.port}`, {
        from: '<sip:beckon@127.0.0.1>',
      });
      const res = await endpoint.request(req, { transport: 'udp', address: '127.0.0.1', port: uas.port });
      assert.equal(res.status, 200);
      const r = await uas.done;
      assert.equal(r.code, 0, explain(r));
    },
  );

  void test(
    'endpoint as UAC: REGISTER challenged by SIPp with 401, retried with digest, SIPp verifies it: 200',
    { skip: !HAVE_SIPP && 'sipp not installed' },
    async () => {
      const uas = await sippUas('uas-register-auth.xml');
      const req = endpoint.createRequest('REGISTER', `sip:127.0.0.1:${uas.port}`, {
        from: '<sip:beckon@127.0.0.1>',
        to: '<sip:beckon@127.0.0.1>',
        contact: `<sip:beckon@127.0.0.1:${udpPort}>`,
      });
      const res = await endpoint.request(
        req,
        { transport: 'udp', address: '127.0.0.1', port: uas.port },
        { credentials: { username: 'beckon', password: 'n0tsecret' } },
      );
      assert.equal(res.status, 200, 'SIPp verifyauth accepted our digest (403 means it did not)');
      const r = await uas.done;
      assert.equal(r.code, 0, explain(r));
    },
  );

  void test(
    'endpoint as UAC: a wrong password is refused by SIPp (403), proving verifyauth checks',
    { skip: !HAVE_SIPP && 'sipp not installed' },
    async () => {
      const uas = await sippUas('uas-register-auth.xml');
      const req = endpoint.createRequest('REGISTER', `sip:127.0.0.1:${uas.port}`, {
        from: '<sip:beckon@127.0.0.1>',
      });
      const res = await endpoint.request(
        req,
        { transport: 'udp', address: '127.0.0.1', port: uas.port },
        { credentials: { username: 'beckon', password: 'wrong' } },
      );
      assert.equal(res.status, 403);
      await uas.done;
    },
  );

  void test(
    'endpoint as UAC: INVITE to SIPp, 180, aborted: CANCEL, 200, 487 resolves the INVITE, SIPp gets the ACK',
    { skip: !HAVE_SIPP && 'sipp not installed' },
    async () => {
      const uas = await sippUas('uas-invite-cancel.xml');
      const ac = new AbortController();
      const req = endpoint.createRequest('INVITE', `sip:sipp@127.0.0.1:${uas.port}`, {
        from: '<sip:beckon@127.0.0.1>',
        contact: `<sip:beckon@127.0.0.1:${udpPort}>`,
      });
      const res = await endpoint.request(
        req,
        { transport: 'udp', address: '127.0.0.1', port: uas.port },
        { signal: ac.signal, onProvisional: (r) => r.status === 180 && ac.abort() },
      );
      assert.equal(res.status, 487);
      const r = await uas.done;
      assert.equal(r.code, 0, explain(r));
    },
  );

  void test(
    'tshark on lo decodes our messages as SIP, none malformed',
    { skip: (!HAVE_TSHARK || !HAVE_SIPP || !HAVE_SIPSAK) && 'tshark, sipp or sipsak not installed' },
    async (t) => {
      const pcap = join(workDir, 'capture.pcapng');
      const cap = runner.startBackground('tshark', ['-i', 'lo', '-f', `udp port ${udpPort}`, '-w', pcap]);
      const deadline = Date.now() + 10_000;
      while (!/Capturing on/.test(cap.output()) && Date.now() < deadline) {
        if (cap.child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(cap.output(), /Capturing on/, 'tshark started: ' + cap.output());
      const r1 = await sipp('options.xml', 'u1', udpPort);
      const r2 = await sipp('register-auth.xml', 'u1', udpPort, [
        '-s',
        'secure',
        '-au',
        'secure',
        '-ap',
        's3cret',
      ]);
      const r3 = await runner.run(
        'sipsak',
        ['-s', `sip:beckon@127.0.0.1:${udpPort}`],
        TOOL_TIMEOUT_MS,
        workDir,
      );
      assert.equal(r1.code, 0, explain(r1));
      assert.equal(r2.code, 0, explain(r2));
      assert.equal(r3.code, 0, explain(r3));
      await new Promise((r) => setTimeout(r, 500));
      await runner.stop(cap.child);

      // Every packet we sent (source port = our UDP port) must be dissected as SIP.
      const ours = await runner.run(
        'tshark',
        [
          '-r',
          pcap,
          '-Y',
          `udp.srcport == ${udpPort}`,
          '-T',
          'fields',
          '-e',
          'frame.protocols',
          '-e',
          'sip.Status-Line',
        ],
        TOOL_TIMEOUT_MS,
      );
      assert.equal(ours.code, 0, explain(ours));
      const lines = ours.stdout.trim().split('\n').filter(Boolean);
      // OPTIONS 200, REGISTER 401 + 200, sipsak 200.
      assert.ok(lines.length >= 4, 'captured our responses:\n' + ours.stdout);
      for (const l of lines) assert.match(l, /:sip\t/, 'decoded as SIP: ' + l);
      const statuses = lines.map((l) => l.split('\t')[1]);
      assert.ok(statuses.includes('SIP/2.0 401 Unauthorized'), statuses.join('; '));
      assert.ok(statuses.includes('SIP/2.0 200 OK'), statuses.join('; '));
      t.diagnostic(`our packets decoded as SIP: ${lines.length} (${statuses.join('; ')})`);

      // No malformed packets and no expert-info errors in the whole capture.
      const bad = await runner.run(
        'tshark',
        ['-r', pcap, '-Y', '_ws.malformed || _ws.expert.severity == "Error"'],
        TOOL_TIMEOUT_MS,
      );
      assert.equal(bad.code, 0, explain(bad));
      assert.equal(bad.stdout.trim(), '', 'malformed or erroneous packets:\n' + bad.stdout);
      const expert = await runner.run('tshark', ['-r', pcap, '-q', '-z', 'expert,warn'], TOOL_TIMEOUT_MS);
      assert.equal(expert.code, 0, explain(expert));
      assert.doesNotMatch(expert.stdout, /Malformed|Errors \(/, expert.stdout);
      const all = await runner.run('tshark', ['-r', pcap, '-Y', 'sip'], TOOL_TIMEOUT_MS);
      t.diagnostic(`SIP packets in the capture: ${all.stdout.trim().split('\n').filter(Boolean).length}`);
    },
  );
});
