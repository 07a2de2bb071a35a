// A registrar challenge thread (see ChallengeThreads): reads the station's UDP socket alongside the
// main thread, answers REGISTER requests that carry no credentials with the 401 challenge (built from the
// request text when QuickChallenge can, through the registrar otherwise), and passes every other datagram
// to the main thread unchanged.
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { CounterDeltaTracker, createLogger, MetricsRegistry } from '@beckon/ops';
import {
  DigestServer,
  EndpointMetrics,
  TransportMetrics,
  UdpListener,
  type CredentialStore,
  type Flow,
  type SendResult,
  type SendTarget,
  type TransportUser,
} from '@beckon/sip';
import { loadUdpMmsg, type UdpMmsg } from '@beckon/udp-mmsg';
import type { LocationService } from '../../location/index.js';
import { Registrar } from '../registrar.js';
import { StatelessRegisterFront, startsWithRegister } from '../stateless-register-front.js';
import type {
  ChallengeThreadCommand,
  ChallengeThreadInit,
  ChallengeThreadMessage,
  ThreadCredentials,
} from './challenge-thread-protocol.js';
import { DatagramBatchPacker, transferList, unpackDatagrams } from './datagram-batch.js';
import { hasHeader } from './has-header.js';
import { OverloadSignal } from './overload-signal.js';
import { QuickChallenge } from './quick-challenge.js';
import { QuickRegisterScanner } from '../quick-register.js';
import { verifiedRecord } from './verified-record.js';
import { credentialStoreFromUsers } from '../../station-credentials.js';

/** The UDP helper when built (the main thread logged why when it is not). */
function udpHelper(): UdpMmsg | undefined {
  const r = loadUdpMmsg();
  return r.ok ? r.io : undefined;
}

/** The credential store the thread checks responses with, built from what the main thread passed. */
async function threadCredentialStore(
  c: ThreadCredentials | undefined,
  realm: string,
): Promise<CredentialStore | undefined> {
  if (c === undefined) return undefined;
  if (c.kind === 'users') return credentialStoreFromUsers(c.users, realm);
  const mod = (await import(c.url)) as Record<string, unknown>;
  const store = mod[c.name] as CredentialStore | undefined;
  if (typeof store?.lookup !== 'function') throw new Error(`${c.url} exports no credential store ${c.name}`);
  return store;
}

function post(m: ChallengeThreadMessage, transfer?: ArrayBuffer[]): void {
  parentPort?.postMessage(m, transfer);
}

async function run(init: ChallengeThreadInit): Promise<void> {
  const log = createLogger({ level: init.logLevel }).child({
    component: 'station.registrar.challenge-thread',
    thread: threadId,
  });
  const metrics = new MetricsRegistry();
  const credentials = await threadCredentialStore(init.credentials, init.realm);
  const digest = new DigestServer(
    { log, metrics, credentials: credentials ?? { lookup: () => undefined } },
    {
      realm: init.realm,
      algorithms: [...init.algorithms],
      nonceLifetimeSec: init.nonceLifetimeSec,
      secret: Buffer.from(init.nonceSecret),
    },
  );
  // Only requests without credentials reach this registrar, and it answers those before it would look
  // at the location service (§10.3 step 3 comes before the binding work): it never touches it.
  const noLocation = {} as LocationService;
  const registrar = new Registrar({ log, metrics, location: noLocation, digest }, init.registrar);
  const outcomes = metrics.counter(
    'registrar_challenge_thread_messages',
    'Datagrams read by the registrar challenge threads: answered there, handed over to the main thread, or shed (a REGISTER without credentials dropped while the main thread was overloaded)',
    ['outcome'],
  );
  const answered = outcomes.child('answered');
  const quickAnswered = metrics
    .counter(
      'registrar_quick_challenges',
      'REGISTERs of the challenge threads answered with a 401 built from the request text (a part of registrar_challenge_thread_messages{outcome="answered"})',
    )
    .child();
  const handedOver = outcomes.child('handed-over');
  const shed = outcomes.child('shed');
  const overload = init.overload === undefined ? undefined : new OverloadSignal(init.overload);
  const batch = new DatagramBatchPacker();
  const flush = (): void => {
    const packed = batch.take();
    if (packed)
      post(
        { t: 'datagrams', batch: packed, sentAt: performance.timeOrigin + performance.now() },
        transferList(packed),
      );
  };
  const forward = (data: Buffer, flow: Flow, record?: string): void => {
    if (batch.length === 0) setImmediate(flush);
    batch.add(data, flow.remote.address, flow.remote.port, record);
  };
  // With the credential store here, an authenticated REGISTER the main thread's quick path would take is
  // read and its response checked before it is handed over, with the record of both (the main thread then
  // checks the nonce's age and count only, see VerifiedDatagrams): the same scanner the main thread uses.
  const scanner =
    credentials === undefined
      ? undefined
      : new QuickRegisterScanner({
          domains: init.registrar.domains,
          acceptAnyDomain: init.registrar.acceptAnyDomain ?? false,
        });
  const verifiedCount = outcomes.child('handed-over-verified');
  /** For a REGISTER that carries credentials: its record when its response checked out here. */
  const record = (data: Buffer, flow: Flow): string | undefined =>
    scanner === undefined
      ? undefined
      : verifiedRecord(scanner, registrar, data, flow.remote.address, flow.remote.port);
  const handOver: TransportUser = {
    onMessage(data: Buffer, flow: Flow): void {
      handedOver.inc();
      forward(data, flow);
    },
  };
  // The listener is built below (it needs `user`, which needs the front, which needs this sender).
  const socket: { listener?: UdpListener } = {};
  const sender = {
    send(target: SendTarget | Flow, data: Buffer): Promise<SendResult> {
      if ('send' in target) return Promise.resolve(target.send(data));
      const l = socket.listener;
      if (target.transport !== 'udp' || !l)
        return Promise.resolve({ ok: false, error: 'unsupported-transport' });
      return Promise.resolve(l.flowFor(target.address, target.port).send(data));
    },
  };
  const counters = new EndpointMetrics(metrics);
  const front = new StatelessRegisterFront(
    { log, registrar, transport: sender, next: handOver, counters },
    { serverHeader: init.serverHeader, maxMessageSize: init.maxMessageSize },
  );
  const quick = new QuickChallenge(
    { challenge: () => digest.challenge() },
    {
      domains: init.registrar.domains,
      acceptAnyDomain: init.registrar.acceptAnyDomain ?? false,
      serverHeader: init.serverHeader,
    },
  );
  const user: TransportUser = {
    onMessage(data: Buffer, flow: Flow): void {
      const register = startsWithRegister(data);
      if (register && hasHeader(data, 'authorization')) {
        const r = record(data, flow);
        if (r !== undefined) {
          verifiedCount.inc();
          forward(data, flow, r);
        } else handOver.onMessage(data, flow);
        return;
      }
      if (register) {
        // The main thread is late with what it has: no new registration starts (the client retries).
        if (overload?.on === true) {
          shed.inc();
          return;
        }
        answered.inc();
        const q = quick.answer(data, flow.remote.address, flow.remote.port);
        if (q === undefined) {
          front.onMessage(data, flow);
          return;
        }
        // Counted as the full path counts its 401 (SIP core counters, registrar rejections).
        quickAnswered.inc();
        counters.requestIn('REGISTER');
        registrar.metrics.reject('unauthenticated');
        flow.send(q);
        counters.responseOut('REGISTER', 401);
      } else handOver.onMessage(data, flow);
    },
    onKeepAlive(flow: Flow, kind): void {
      // Keep-alives matter to the main thread's flows (RFC 5626): hand them over as the bytes they were.
      forward(Buffer.from(kind === 'ping' ? '\r\n\r\n' : '\r\n'), flow);
    },
  };
  // The thread's socket wraps its own duplicate of the shared descriptor when the helper can make one: a
  // socket closes its descriptor when it closes, which it does when the thread ends, also by a crash, and
  // the main thread's socket must stay open then (it reads the port again).
  const helper = udpHelper();
  const own = helper === undefined ? -1 : helper.dup(init.fd);
  const fd = own >= 0 ? own : init.fd;
  if (helper !== undefined && own < 0)
    log.warn({ fd: init.fd, errno: -own }, 'no duplicate of the shared UDP descriptor; this thread wraps it');
  const listener = new UdpListener(
    {
      host: init.host,
      port: init.port,
      fd,
      maxMessageSize: init.maxMessageSize,
      maxFlows: 65_536,
      recvBufferSize: 0,
      sendBufferSize: 0,
      coalesceSends: init.coalesceSends,
    },
    { user },
    new TransportMetrics(metrics).for('udp'),
    log,
    init.batchIo ? helper : undefined,
  );
  socket.listener = listener;
  const bound = await listener.bind();
  if (!bound.ok) {
    post({ t: 'failed', message: bound.error });
    return;
  }
  const ownDescriptor = fd !== init.fd;
  const tracker = new CounterDeltaTracker(metrics);
  const report = (): void => {
    const deltas = tracker.take();
    if (deltas.length > 0) post({ t: 'counters', deltas });
  };
  setInterval(report, init.reportIntervalMs);
  const writes = metrics.counter(
    'registrar_challenge_thread_writes',
    'Datagrams sent by the main thread that a challenge thread wrote to the shared socket, by outcome',
    ['outcome'],
  );
  const written = writes.child('written');
  const writeFailed = writes.child('failed');
  const write = (data: Buffer, address: string, port: number): void => {
    if (listener.writeDatagram(data, port, address)) written.inc();
    else writeFailed.inc();
  };
  parentPort?.on('message', (m: ChallengeThreadCommand) => {
    if (m.t === 'report') post({ t: 'counters', deltas: tracker.take() });
    else if (m.t === 'send') unpackDatagrams(m.batch, write);
  });
  log.debug({ fd: init.fd, ownDescriptor }, 'challenge thread reading the shared socket');
  post({ t: 'ready', ownDescriptor });
}

run((workerData as { data: ChallengeThreadInit }).data).catch((err: unknown) =>
  post({ t: 'failed', message: String(err) }),
);
