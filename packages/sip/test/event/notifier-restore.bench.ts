// Heap per notifier subscription, measured through the restore path with 100,000 fake subscriptions.
// Run: node --expose-gc --import tsx packages/sip/test/event/notifier-restore.bench.ts [count]
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { Notifier } from '../../src/event/notifier.js';
import type { NotifierEndpoint } from '../../src/event/notify-sender.js';
import type { SubscriptionRecord, SubscriptionStore } from '../../src/event/subscription-store.js';
import { createResponse } from '../../src/message/create-response.js';
import { testPackage } from './event-fixtures.js';

const count = Number(process.argv[2] ?? 100_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

function record(i: number): SubscriptionRecord {
  const tag = (0x10000000 + i).toString(16) + 'a1b2c3d4';
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  return {
    id: tag,
    event: 'management-req',
    eventId: null,
    state: 'active',
    callId: `${i.toString(36)}Zx9KqP2rT7mW4vB1nC8dF3g`,
    localTag: tag,
    remoteTag: `dev${i}tag`,
    localUri: `<sip:MAC%3aFF0000${i.toString(16).padStart(6, '0')}@example.com>`,
    remoteUri: `<sip:MAC%3aFF0000${i.toString(16).padStart(6, '0')}@example.com>`,
    localSeq: 3,
    remoteSeq: 298,
    remoteTarget: `sip:MAC%3aFF0000${i.toString(16).padStart(6, '0')}@${ip}:5060`,
    routeSet: [],
    expiresAt: Date.now() + 3_600_000 + (i % 3600) * 1000,
    createdAt: Date.now(),
    flow: {
      transport: 'udp',
      localAddress: '192.0.2.1',
      localPort: 5060,
      remoteAddress: ip,
      remotePort: 1024 + (i % 60000),
      flowId: `udp:192.0.2.1:5060>${ip}:${1024 + (i % 60000)}`,
      secure: false,
    },
    packageState: { protos: 'snmp-ssh' },
  };
}

const store: SubscriptionStore = {
  save: () => Promise.resolve(),
  update: () => Promise.resolve(),
  remove: () => Promise.resolve(),
  loadAll: () =>
    (async function* () {
      // Records arrive one by one (JSON like a database row) and are not kept by the store.
      for (let i = 0; i < count; i++) yield JSON.parse(JSON.stringify(record(i))) as SubscriptionRecord;
    })(),
};

const endpoint: NotifierEndpoint = {
  onRequest: () => undefined,
  offRequest: () => undefined,
  request: (req) => Promise.resolve(createResponse(req, 200)),
};

gc();
const before = process.memoryUsage().heapUsed;
const t0 = process.hrtime.bigint();
const notifier = new Notifier({ log: silentLogger(), metrics: new MetricsRegistry(), endpoint, store });
notifier.packages.register(testPackage());
const summary = await notifier.start();
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
gc();
const after = process.memoryUsage().heapUsed;
const per = (after - before) / summary.restored;
console.log(
  JSON.stringify({
    restored: summary.restored,
    restoreMs: Math.round(ms),
    heapDeltaMiB: +((after - before) / 1048576).toFixed(1),
    bytesPerSubscription: Math.round(per),
  }),
);
const t1 = process.hrtime.bigint();
const done = await notifier.terminateAll('deactivated');
const termMs = Number(process.hrtime.bigint() - t1) / 1e6;
console.log(
  JSON.stringify({
    terminateAll: done,
    terminateAllMs: Math.round(termMs),
    note: 'fake endpoint, no network',
  }),
);
notifier.stop();
