import { MetricsRegistry, silentLogger } from '@beckon/ops';
import type { EventPackage, NotifyContent, SubscribeOutcome } from '../../src/event/event-package.js';
import type { SubscriptionRecord, SubscriptionStore } from '../../src/event/subscription-store.js';
import type { SipRequest } from '../../src/message/sip-request.js';
import { TransportLayer } from '../../src/transport/transport-layer.js';
import type { ListenerSpec, TransportKind } from '../../src/transport/transport-types.js';
import { SipEndpoint } from '../../src/ua/sip-endpoint.js';

export interface TestNode {
  transport: TransportLayer;
  endpoint: SipEndpoint;
  metrics: MetricsRegistry;
  port(kind: TransportKind): number;
  stop(): Promise<void>;
}

/** A SIP endpoint on 127.0.0.1 with UDP and TCP listeners (ephemeral ports unless given). */
export async function startNode(ports: { udp?: number; tcp?: number } = {}): Promise<TestNode> {
  const metrics = new MetricsRegistry();
  const listeners: ListenerSpec[] = [
    { transport: 'udp', host: '127.0.0.1', port: ports.udp ?? 0 },
    { transport: 'tcp', host: '127.0.0.1', port: ports.tcp ?? 0 },
  ];
  const transport = new TransportLayer({ log: silentLogger(), metrics }, { listeners });
  // Short T1 so that NOTIFY timeouts (64*T1) stay short in tests.
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
    port(kind: TransportKind): number {
      const l = transport.listeners().find((x) => x.transport === kind);
      if (!l) throw new Error(`no ${kind} listener`);
      return l.port;
    },
    stop: () => endpoint.stop(),
  };
}

/** A dummy management-req package: accepts unless the body says `reject`; empty state NOTIFYs. */
export function testPackage(over: Partial<EventPackage> = {}): EventPackage {
  return {
    name: 'management-req',
    defaultExpires: 3600,
    minExpires: 1,
    maxExpires: 7200,
    subscribeBodyTypes: ['application/mgmt-protos-list'],
    accept(req: SipRequest): SubscribeOutcome {
      if (req.body.toString().includes('reject'))
        return { ok: false, status: 403, reason: 'Protocol Not Offered' };
      return { ok: true, packageState: { protos: req.body.toString().trim() } };
    },
    initialNotify(): NotifyContent {
      return {};
    },
    ...over,
  };
}

/** SubscriptionStore in memory; records pass through JSON like a real store. */
export class MemorySubscriptionStore implements SubscriptionStore {
  readonly rows = new Map<string, string>();
  saves = 0;
  updates = 0;
  failSave = false;

  save(record: SubscriptionRecord): Promise<void> {
    if (this.failSave) return Promise.reject(new Error('disk full'));
    this.saves++;
    this.rows.set(record.id, JSON.stringify(record));
    return Promise.resolve();
  }

  update(record: SubscriptionRecord): Promise<void> {
    this.updates++;
    if (this.rows.has(record.id)) this.rows.set(record.id, JSON.stringify(record));
    return Promise.resolve();
  }

  remove(id: string): Promise<void> {
    this.rows.delete(id);
    return Promise.resolve();
  }

  loadAll(): Promise<Iterable<SubscriptionRecord>> {
    return Promise.resolve([...this.rows.values()].map((r) => JSON.parse(r) as SubscriptionRecord));
  }

  get(id: string): SubscriptionRecord | undefined {
    const r = this.rows.get(id);
    return r === undefined ? undefined : (JSON.parse(r) as SubscriptionRecord);
  }
}

/** Polls until `pred` holds (bounded). */
export async function until(pred: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function counter(metrics: MetricsRegistry, name: string, ...labels: string[]): number {
  const m = metrics.get(name);
  if (!m || m.kind !== 'counter') return 0;
  return m.get(...labels);
}

export function gauge(metrics: MetricsRegistry, name: string, label: string): number {
  const m = metrics.get(name);
  if (!m) return 0;
  return m.samples().find((s) => s.labels[0] === label)?.value ?? 0;
}
