// Interop of the event framework (Notifier) with a SIPp UAC that plays a management-req subscriber:
// SUBSCRIBE, 200, immediate NOTIFY, a NOTIFY with a body that the test triggers, unsubscribe. Passing
// means SIPp exits 0. The endpoint runs in-process on 127.0.0.1 with ephemeral ports; SIPp is bounded.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { Notifier } from '../../src/event/notifier.js';
import { TransportLayer } from '../../src/transport/transport-layer.js';
import { SipEndpoint } from '../../src/ua/sip-endpoint.js';
import { testPackage } from '../event/event-fixtures.js';
import { haveTool, ToolRunner, type RunResult } from './tool-runner.js';

const SCENARIOS = join(dirname(fileURLToPath(import.meta.url)), 'scenarios');
const HAVE_SIPP = haveTool('sipp');

/** A port free for UDP and TCP on 127.0.0.1 right now (SIPp needs an explicit local port). */
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
    const ok = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    await new Promise<void>((r) => udp.close(() => r()));
    await new Promise<void>((r) => srv.close(() => r()));
    if (ok && port > 0) return port;
  }
  throw new Error('no free port');
}

function explain(r: RunResult): string {
  return `code=${r.code} signal=${r.signal} timedOut=${r.timedOut}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-2000)}`;
}

void describe('interop: SIPp subscriber against the Notifier (management-req)', { timeout: 120_000 }, () => {
  const runner = new ToolRunner();
  const metrics = new MetricsRegistry();
  const log = silentLogger();
  let workDir = '';
  let endpoint: SipEndpoint;
  let notifier: Notifier;
  const ports = { udp: 0, tcp: 0 };

  before(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'beckon-event-interop-'));
    const transport = new TransportLayer(
      { log, metrics },
      {
        listeners: [
          { transport: 'udp', host: '127.0.0.1', port: 0 },
          { transport: 'tcp', host: '127.0.0.1', port: 0 },
        ],
      },
    );
    endpoint = new SipEndpoint({ log, metrics, transport }, { timers: { t1: 500 } });
    const started = await endpoint.start();
    assert.ok(started.ok);
    for (const l of started.listeners)
      if (l.transport === 'udp' || l.transport === 'tcp') ports[l.transport] = l.port;
    notifier = new Notifier({ log, metrics, endpoint });
    notifier.packages.register(testPackage());
    await notifier.start();
  });

  after(async () => {
    runner.killAll();
    notifier?.stop();
    await endpoint?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  async function run(flag: 'u1' | 't1', port: number): Promise<RunResult> {
    const local = await freePort();
    const sent = metrics.counter('sip_notify_sent', '', ['event']);
    const before = sent.get('management-req');
    const sipp = runner.run(
      'sipp',
      [
        `127.0.0.1:${port}`,
        '-sf',
        join(SCENARIOS, 'event-subscribe.xml'),
        '-m',
        '1',
        '-t',
        flag,
        '-i',
        '127.0.0.1',
        '-p',
        String(local),
        '-timeout',
        '15s',
        '-timeout_error',
        '-recv_timeout',
        '8000',
        '-nostdin',
      ],
      20_000,
      workDir,
    );
    // Once SIPp has answered the immediate NOTIFY, send the management request (seed 000 §4.8).
    const deadline = Date.now() + 10_000;
    while (sent.get('management-req') === before && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const sub = [...notifier.subscriptions('management-req')].at(-1);
    if (sub)
      await notifier.notify(sub.id, { contentType: 'application/mgmt-protos-list', body: 'snmp-ssh\r\n' });
    return sipp;
  }

  void test(
    'SIPp over UDP: subscribe, immediate NOTIFY, triggered NOTIFY, unsubscribe',
    { skip: !HAVE_SIPP && 'sipp not installed' },
    async () => {
      const r = await run('u1', ports.udp);
      assert.equal(r.code, 0, explain(r));
      assert.equal(notifier.size, 0);
    },
  );

  void test(
    'SIPp over TCP: same flow over one connection',
    { skip: !HAVE_SIPP && 'sipp not installed' },
    async () => {
      const r = await run('t1', ports.tcp);
      assert.equal(r.code, 0, explain(r));
      assert.equal(notifier.size, 0);
    },
  );
});
