import { connect } from 'node:net';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import {
  DigestServer,
  InMemoryCredentialStore,
  Notifier,
  SipEndpoint,
  TransportLayer,
  type Flow,
  type SipRequest,
  type SubscriptionStore,
  type TransportKind,
} from '@beckon/sip';
import { CallHomeListener } from '../../src/management/call-home-listener.js';
import type { CallHomeSessionHandler } from '../../src/management/call-home-session-handler.js';
import { ManagementProtocolRegistry } from '../../src/management/management-protocol-registry.js';
import { ManagementService, type ManagementServiceInit } from '../../src/management/management-service.js';
import { MemoryManagementStore, type ManagementStore } from '../../src/management/management-store.js';
import { encodeHello, LineCollector, parseReplyLine, type CallHomeReply } from '@beckon/mgmt';

export interface SipNode {
  transport: TransportLayer;
  endpoint: SipEndpoint;
  metrics: MetricsRegistry;
  port(kind: TransportKind): number;
}

export async function startSipNode(tls?: { key: string; cert: string }): Promise<SipNode> {
  const metrics = new MetricsRegistry();
  const transport = new TransportLayer(
    { log: silentLogger(), metrics },
    {
      listeners: [
        { transport: 'udp', host: '127.0.0.1', port: 0 },
        { transport: 'tcp', host: '127.0.0.1', port: 0 },
        ...(tls
          ? [{ transport: 'tls' as const, host: '127.0.0.1', port: 0, tls: { key: tls.key, cert: tls.cert } }]
          : []),
      ],
      ...(tls ? { tlsClient: { ca: tls.cert } } : {}),
    },
  );
  const endpoint = new SipEndpoint(
    { log: silentLogger(), metrics, transport },
    { timers: { t1: 50, t2: 400, t4: 500 } },
  );
  const started = await endpoint.start();
  if (!started.ok) throw new Error(`endpoint did not start: ${started.error}`);
  return {
    transport,
    endpoint,
    metrics,
    port(kind) {
      const l = transport.listeners().find((x) => x.transport === kind);
      if (!l) throw new Error(`no ${kind} listener`);
      return l.port;
    },
  };
}

export interface TestStation extends SipNode {
  notifier: Notifier;
  service: ManagementService;
  listener: CallHomeListener;
  store: ManagementStore;
  callHomePort: number;
  credentials: InMemoryCredentialStore;
  stop(): Promise<void>;
}

export async function startStation(
  opts: {
    digestRealm?: string;
    digestAlgorithms?: ('MD5' | 'SHA-256')[];
    init?: Partial<ManagementServiceInit>;
    protocols?: ManagementProtocolRegistry;
    sessions?: CallHomeSessionHandler;
    subscriptions?: SubscriptionStore;
    store?: ManagementStore;
    tls?: { key: string; cert: string };
  } = {},
): Promise<TestStation> {
  const node = await startSipNode(opts.tls);
  const log = silentLogger();
  const credentials = new InMemoryCredentialStore();
  const digest =
    opts.digestRealm !== undefined
      ? new DigestServer(
          { log, metrics: node.metrics, credentials },
          {
            realm: opts.digestRealm,
            ...(opts.digestAlgorithms ? { algorithms: opts.digestAlgorithms } : {}),
          },
        )
      : undefined;
  const notifier = new Notifier(
    {
      log,
      metrics: node.metrics,
      endpoint: node.endpoint,
      ...(opts.subscriptions ? { store: opts.subscriptions } : {}),
      flows: node.transport,
    },
    { summaryIntervalMs: 0 },
  );
  const store = opts.store ?? new MemoryManagementStore();
  const ref: { service?: ManagementService } = {};
  const listener = new CallHomeListener(
    {
      log,
      metrics: node.metrics,
      matcher: {
        matchCallHome: (h, p) => (ref.service as ManagementService).matchCallHome(h, p),
        sessionEnded: (g, o) => (ref.service as ManagementService).sessionEnded(g, o),
      },
      ...(opts.sessions ? { sessions: opts.sessions } : {}),
    },
    { tcp: { host: '127.0.0.1', port: 0 } },
  );
  const addrs = await listener.start();
  const callHomePort = addrs.tcp?.port ?? 0;
  const service = new ManagementService(
    {
      log,
      metrics: node.metrics,
      notifier,
      store,
      ...(opts.protocols ? { protocols: opts.protocols } : {}),
      ...(digest ? { digest } : {}),
    },
    { callHome: { tcp: `127.0.0.1:${callHomePort}` }, notifyMinIntervalSec: 3600, ...opts.init },
  );
  ref.service = service;
  await notifier.start();
  await service.start();
  const s = service;
  return {
    ...node,
    notifier,
    service: s,
    listener,
    store,
    callHomePort,
    credentials,
    async stop() {
      s.stop();
      notifier.stop();
      await listener.stop();
      await node.endpoint.stop();
    },
  };
}

export interface Seen {
  req: SipRequest;
  flow: Flow;
}

/** A device driven by hand: records every NOTIFY and answers 200 (or `answer`). */
export async function rawDevice(tls?: {
  key: string;
  cert: string;
}): Promise<SipNode & { notifies: Seen[]; answer: { status: number } }> {
  const node = await startSipNode(tls);
  const notifies: Seen[] = [];
  const answer = { status: 200 };
  node.endpoint.onRequest('NOTIFY', (ctx) => {
    notifies.push({ req: ctx.request, flow: ctx.flow });
    ctx.respond(answer.status);
  });
  return { ...node, notifies, answer };
}

/** Opens a call-home connection, sends a hello and returns the station's reply. */
export function callHomeRaw(
  port: number,
  hello: { requestId: string; protocol: string; device: string } | Buffer,
): Promise<CallHomeReply | undefined> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port }, () => {
      if (Buffer.isBuffer(hello)) sock.write(hello);
      else {
        const f = encodeHello(hello);
        if (!f.ok) throw new Error(f.error);
        sock.write(f.value);
      }
    });
    const lc = new LineCollector();
    sock.on('data', (c) => {
      const r = lc.push(c);
      if (r.kind === 'line') {
        const p = parseReplyLine(r.line);
        sock.destroy();
        resolve(p.ok ? p.value : undefined);
      }
    });
    sock.on('error', () => resolve(undefined));
    sock.on('close', () => resolve(undefined));
  });
}

/** Polls until `pred` holds (bounded). */
export async function until(pred: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export { ManagementProtocolRegistry };
