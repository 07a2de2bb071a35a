/**
 * A SIP notifier for the SUBSCRIBE benchmark (issue 4): one SipEndpoint (UDP+TCP on --port), the RFC 6665
 * Notifier with persistence on (SqliteSubscriptionStore, the store the station uses, on a file under
 * --data-dir) and one event package:
 *
 * - `presence` (default): a bench plug-in set up like the Kamailio reference (presence_xml with
 *   force_active and force_dummy_presence): any SUBSCRIBE is accepted without authentication and the
 *   NOTIFY sent at once carries a small dummy `application/pidf+xml` document. The reference's
 *   sipp/subscribe.xml runs unchanged against both servers.
 * - `management-req`: the station's ManagementReqPackage without digest (SUBSCRIBEs need a
 *   mgmt-protos-list body offering `snmp-ssh` or `snmp-tls`).
 *
 *   node --expose-gc --import tsx bench/servers/subscribe-server.ts --port 5080 --data-dir /tmp/x \
 *       [--package presence|management-req] [--no-store] [--commit-delay ms] [--host 127.0.0.1]
 *
 * `--no-store` keeps subscriptions in memory only (as the Kamailio reference does); `--commit-delay` is the
 * store's group-commit gathering delay (SqliteSubscriptionStoreInit.maxDelayMs, default 0 as the station).
 *
 * Prints `ready <pid>` once bound. SIGUSR2 prints one JSON line `{"memory":...}` (after a forced GC when
 * run with --expose-gc) with the live subscription count. Exits on SIGTERM/SIGINT (subscriptions stay in
 * the store; no final NOTIFYs).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger, MetricsRegistry } from '@beckon/ops';
import {
  Notifier,
  SipEndpoint,
  TransportLayer,
  type EventPackage,
  type EventPackageComponents,
  type EventPackageFactory,
  type NotifierSubscription,
  type NotifyContent,
  type SubscribeOutcome,
} from '@beckon/sip';
import {
  ManagementProtocolRegistry,
  ManagementReqPackage,
  SqliteSubscriptionStore,
  openManagementDatabase,
} from '@beckon/station';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '5080' },
    'data-dir': { type: 'string', default: `${process.env['TMPDIR'] ?? '/tmp'}/beckon-sub-bench` },
    package: { type: 'string', default: 'presence' },
    'no-store': { type: 'boolean', default: false },
    'commit-delay': { type: 'string', default: '0' },
    'no-writer-thread': { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'warn' },
  },
});

interface BenchPresenceInit {
  defaultExpires?: number;
  maxExpires?: number;
}

/**
 * Bench `presence` package: accepts every SUBSCRIBE, no package state; the state NOTIFY carries a fixed
 * PIDF document per presentity (RFC 3863 layout), like Kamailio's force_dummy_presence.
 */
const benchPresencePackage: EventPackageFactory<BenchPresenceInit> = (
  _components: EventPackageComponents,
  init: BenchPresenceInit,
): EventPackage => {
  const accepted: SubscribeOutcome = { ok: true };
  const maxExpires = init.maxExpires ?? 3600;
  return {
    name: 'presence',
    defaultExpires: init.defaultExpires ?? 3600,
    minExpires: 1,
    maxExpires,
    subscribeBodyTypes: [],
    accept: () => accepted,
    initialNotify(sub: NotifierSubscription): NotifyContent {
      // The presentity is the SUBSCRIBE's To URI (our local URI).
      const lt = sub.localUri.indexOf('<');
      const gt = sub.localUri.indexOf('>', lt + 1);
      const entity = lt >= 0 && gt > lt ? sub.localUri.slice(lt + 1, gt) : sub.localUri;
      return {
        contentType: 'application/pidf+xml',
        body:
          '<?xml version="1.0" encoding="UTF-8"?>\n' +
          `<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="${entity}">\n` +
          '<tuple id="t1"><status><basic>open</basic></status></tuple>\n</presence>\n',
      };
    },
  };
};

const log = createLogger({ level: values['log-level'] });
const metrics = new MetricsRegistry();
const port = Number(values.port);
const transport = new TransportLayer(
  { log, metrics },
  {
    listeners: [
      { transport: 'udp', host: values.host, port },
      { transport: 'tcp', host: values.host, port },
    ],
  },
);
const endpoint = new SipEndpoint({ log, metrics, transport }, {});

let store: SqliteSubscriptionStore | undefined;
let closeDb: (() => void) | undefined;
if (!values['no-store']) {
  mkdirSync(values['data-dir'], { recursive: true });
  const opened = openManagementDatabase(join(values['data-dir'], 'subscriptions.db'), { log });
  if (!opened.ok) {
    log.error({ error: opened.error }, 'database not opened');
    process.exit(1);
  }
  store = new SqliteSubscriptionStore(
    { db: opened.db, log, metrics },
    { maxDelayMs: Number(values['commit-delay']) },
  );
  if (!values['no-writer-thread']) await opened.db.startWriterThread();
  closeDb = () => opened.db.close();
}

const notifier = new Notifier(
  { log, metrics, endpoint, flows: transport, ...(store ? { store } : {}) },
  { summaryIntervalMs: 0 },
);
if (values.package === 'presence') {
  notifier.packages.register(benchPresencePackage({ log, metrics }, {}));
} else if (values.package === 'management-req') {
  const protocols = new ManagementProtocolRegistry();
  protocols.register({ token: 'snmp-ssh', carrier: 'tcp' });
  protocols.register({ token: 'snmp-tls', carrier: 'tls' });
  notifier.packages.register(new ManagementReqPackage({ log, metrics, protocols }, {}));
} else {
  log.error({ package: values.package }, 'unknown --package (presence|management-req)');
  process.exit(2);
}

const started = await endpoint.start();
if (!started.ok) {
  log.error({ error: started.error }, 'could not start');
  process.exit(1);
}
await notifier.start();
process.stdout.write(`ready ${process.pid}\n`);

const gc = (globalThis as { gc?: () => void }).gc;
process.on('SIGUSR2', () => {
  if (gc) {
    gc();
    gc();
  }
  const m = process.memoryUsage();
  process.stdout.write(
    JSON.stringify({
      memory: { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external },
      gc: gc !== undefined,
      subscriptions: notifier.size,
      stored: store?.count(),
    }) + '\n',
  );
});

const stop = (): void => {
  notifier.stop();
  void endpoint
    .stop()
    .then(() => store?.close())
    .then(() => {
      closeDb?.();
      process.exit(0);
    });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
