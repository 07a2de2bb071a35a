// Benchmark entry: a Beckon station set up like the Kamailio reference (../shared/reference/kamailio-bench):
// domain and realm bench.local, users u0000000.. with password "secret" (a generated credential store:
// test-only, not a configuration option), MD5 digest, SQLite persistence on (WAL, synchronous=normal).
//   node --import tsx bench/registrar-station.ts --port 5080 [--auth] [--db /tmp/x.db] [--transport udp]
// Prints "READY <pid>" when listening; stops on SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import { defaultConfig, type BeckonConfig } from '@beckon/config';
import { createLogger, MetricsRegistry } from '@beckon/ops';
import { benchUsers } from './harness/register-bench-kit.js';
import { Station } from '@beckon/station';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '5080' },
    auth: { type: 'boolean', default: false },
    db: { type: 'string', default: `${process.env['TMPDIR'] ?? '/tmp'}/beckon-bench-${process.pid}.db` },
    log: { type: 'string', default: 'warn' },
    checkpoint: { type: 'string' },
    'commit-delay': { type: 'string' },
    'loop-stats': { type: 'boolean', default: false },
    // Diagnosis only, never for a comparison: acknowledge without writing the location store at all.
    'no-persist': { type: 'boolean', default: false },
    'no-writer-thread': { type: 'boolean', default: false },
    'challenge-threads': { type: 'string', default: '0' },
    // A/B runs: the challenge thread writes the main thread's datagrams (registrar.challengeThreadsWrite).
    'thread-writes': { type: 'boolean', default: false },
    // A/B runs: write every UDP datagram at once instead of per event-loop turn (sip.udpCoalesceSends).
    'no-coalesce': { type: 'boolean', default: false },
    // A/B runs: Node dgram alone instead of the batched UDP helper (sip.udpBatchIo).
    'no-batch-io': { type: 'boolean', default: false },
    // A/B runs: the challenge thread hands authenticated REGISTERs over unchecked (registrar.challengeThreadsVerify).
    'no-thread-verify': { type: 'boolean', default: false },
    // A/B runs: registrar.challengeThreadsMaxQueueMs (overload control; 0: none).
    'max-queue-ms': { type: 'string' },
  },
});

const port = Number(values.port);
const c = defaultConfig();
const config: BeckonConfig = {
  ...c,
  log: { ...c.log },
  sip: {
    ...c.sip,
    domain: 'bench.local',
    udpCoalesceSends: !values['no-coalesce'],
    udpBatchIo: !values['no-batch-io'],
    listen: [
      { transport: 'udp', host: '127.0.0.1', port },
      { transport: 'tcp', host: '127.0.0.1', port },
    ],
  },
  auth: { ...c.auth, realm: 'bench.local', algorithms: ['MD5'] },
  registrar: {
    ...c.registrar,
    maxExpires: 7200,
    challengeThreads: Number(values['challenge-threads']),
    challengeThreadsWrite: values['thread-writes'],
    challengeThreadsVerify: !values['no-thread-verify'],
    ...(values['max-queue-ms'] !== undefined
      ? { challengeThreadsMaxQueueMs: Number(values['max-queue-ms']) }
      : {}),
  },
  storage: {
    ...c.storage,
    driver: 'sqlite',
    sqlitePath: values.db,
    sqliteWriterThread: !values['no-writer-thread'],
  },
};
const log = createLogger({ level: values.log as 'warn' });
if (values['no-persist']) {
  const { SqliteLocationStore } = await import('@beckon/station');
  SqliteLocationStore.prototype.write = () => Promise.resolve();
}
const metrics = new MetricsRegistry();
const station = new Station({ log, metrics }, config, {
  authenticate: values.auth,
  credentials: benchUsers,
  // The same store for the challenge threads (they import it).
  threadCredentials: {
    url: new URL('./harness/register-bench-kit.ts', import.meta.url).href,
    name: 'benchUsers',
  },
  ...(values['commit-delay'] !== undefined ? { storeCommitDelayMs: Number(values['commit-delay']) } : {}),
  ...(values.checkpoint !== undefined ? { sqliteWalAutocheckpointPages: Number(values.checkpoint) } : {}),
});
await station.start();
process.stdout.write(`READY ${process.pid}\n`);
if (values['loop-stats']) {
  // Event-loop delay every 2 s (LOOP_STATS_MS) (diagnosis of latency outliers: GC pauses, synchronous commits).
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  // Time from a store write to its commit acknowledgement, as the registrar waits for it (bench-only
  // instrumentation of SqliteDatabase.write).
  const { SqliteDatabase } = await import('@beckon/store');
  const { createHistogram } = await import('node:perf_hooks');
  const commit = createHistogram();
  const write = SqliteDatabase.prototype.write;
  SqliteDatabase.prototype.write = function (this: InstanceType<typeof SqliteDatabase>, ops) {
    const t0 = process.hrtime.bigint();
    const p = write.call(this, ops);
    p.then(
      () => commit.record(Number(process.hrtime.bigint() - t0) || 1),
      () => undefined,
    );
    return p;
  };
  let elu = performance.eventLoopUtilization();
  setInterval(
    () => {
      const e = performance.eventLoopUtilization(elu);
      elu = performance.eventLoopUtilization();
      process.stdout.write(
        `${Date.now()} elu=${e.utilization.toFixed(2)} loop-delay p50=${(h.percentile(50) / 1e6).toFixed(1)}ms p99=${(h.percentile(99) / 1e6).toFixed(1)}ms max=${(h.max / 1e6).toFixed(1)}ms` +
          ` commit n=${commit.count} p50=${(commit.percentile(50) / 1e6).toFixed(1)}ms p99=${(commit.percentile(99) / 1e6).toFixed(1)}ms max=${(commit.max / 1e6).toFixed(1)}ms\n`,
      );
      h.reset();
      commit.reset();
    },
    Number(process.env.LOOP_STATS_MS ?? 2000),
  ).unref();
}
const stop = (): void => {
  if (values['loop-stats'])
    // Who answered what (diagnosis: the challenge threads' share of the 401 leg, the registrar's outcomes).
    for (const line of metrics.toPrometheus().split('\n'))
      if (
        /^beckon_(registrar_challenge_thread_messages|registrar_accepted|registrar_rejected|sip_auth_challenges)/.test(
          line,
        )
      )
        process.stdout.write(`${line}\n`);
  void station.stop().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
