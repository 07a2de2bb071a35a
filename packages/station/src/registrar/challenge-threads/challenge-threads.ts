import type { Worker } from 'node:worker_threads';
import {
  applyCounterDeltas,
  spawnModuleWorker,
  TurnBudgetQueue,
  type CounterChild,
  type EventLoopLoad,
  type Logger,
  type MetricsRegistry,
} from '@beckon/ops';
import type { UdpListener } from '@beckon/sip';
import type {
  ChallengeThreadCommand,
  ChallengeThreadInit,
  ChallengeThreadMessage,
  HandedOver,
} from './challenge-thread-protocol.js';
import { DatagramBatchPacker, transferList, unpackDatagrams } from './datagram-batch.js';
import type { VerifiedDatagrams } from './verified-datagrams.js';
import { OverloadSignal } from './overload-signal.js';
import { startsWithRegister } from '../stateless-register-front.js';

export interface ChallengeThreadsComponents {
  readonly log: Logger;
  /** The station's registry: the threads' counters are added here (one source of truth). */
  readonly metrics: MetricsRegistry;
  /** The bound UDP listener whose socket the threads share. */
  readonly listener: UdpListener;
  /** Where the threads' event-loop utilisation is reported (`registrar-challenge-<threadId>`). */
  readonly loopLoad?: EventLoopLoad;
  /** Where handed-over datagrams whose digest response a thread verified are marked. */
  readonly verified?: VerifiedDatagrams;
}

export interface ChallengeThreadsInit extends Omit<ChallengeThreadInit, 'fd' | 'host' | 'port'> {
  /** Number of threads (at least 1). */
  readonly threads: number;
  /**
   * Oldest a handed-over REGISTER may be when the main thread gets to it, ms
   * (`registrar.challengeThreadsMaxQueueMs`; 0: no limit). An older one is dropped (its client has
   * retransmitted it by then, or given up), and from half this age on the threads start no new
   * registrations until the queue is young again (see OverloadSignal).
   */
  readonly maxQueueMs?: number;
  /**
   * The datagrams the main thread sends through the listener are written by one of the threads
   * (`registrar.challengeThreadsWrite`): the main thread packs each turn's datagrams into one message
   * instead of one system call per datagram. Default false.
   */
  readonly writeMainSends?: boolean;
}

/** Handed-over datagrams the main thread handles per event-loop turn at most (about 4 ms of work). */
const DATAGRAMS_PER_TURN = 64;

/** States of the pool (transitions are logged). */
export enum ChallengeThreadsState {
  Starting = 'starting',
  Running = 'running',
  Stopped = 'stopped',
}

/**
 * Worker threads that share the registrar's UDP socket with the main thread and answer the first leg of
 * every digest registration, the REGISTER without credentials, with its 401 challenge. That leg needs no
 * state (RFC 3261 §10.3 step 3, with nonces the main thread's DigestServer verifies because they are
 * signed with its key), so it runs on another core; everything else a thread reads, including the
 * authenticated REGISTER, is handed to the main thread, which handles it exactly as if it had read it.
 *
 * Each datagram is read by exactly one thread (the kernel wakes one reader); responses leave from the
 * listening port whichever thread sends them. Counters counted in a thread are added to the station's
 * registry every `reportIntervalMs` and at stop.
 */
export class ChallengeThreads {
  private readonly workers: Worker[] = [];
  private stateValue = ChallengeThreadsState.Starting;
  /** Whether the main thread still reads the socket itself. */
  private reading = true;
  private readonly log: Logger;
  /**
   * Handed-over datagrams waiting for the main thread, handled at most DATAGRAMS_PER_TURN per event-loop
   * turn. Node delivers every message queued on a port in one go: after the main thread was busy for a
   * while (a garbage collection), that is thousands of datagrams, and handling them all at once kept the
   * event loop from everything else (the commit acknowledgements, so the 200s of the first ones) for up
   * to 250 ms at 10,000 digest registrations/s.
   */
  private readonly handedOver: TurnBudgetQueue<HandedOver>;

  private readonly overload = new OverloadSignal();
  private overloaded = false;
  private readonly shed: CounterChild;
  private readonly episodes: CounterChild;
  /** sentAt of the batch being unpacked. */
  private batchSentAt = 0;

  private constructor(
    private readonly components: ChallengeThreadsComponents,
    private readonly maxQueueMs: number,
  ) {
    this.log = components.log.child({ component: 'station.registrar.challenge-threads' });
    this.handedOver = new TurnBudgetQueue<HandedOver>(this.handle, DATAGRAMS_PER_TURN);
    this.shed = components.metrics
      .counter(
        'registrar_overload_shed',
        'REGISTERs handed over by a challenge thread and dropped by the main thread because they waited longer than registrar.challengeThreadsMaxQueueMs',
      )
      .child();
    this.episodes = components.metrics
      .counter(
        'registrar_overload_episodes',
        'Times the main thread signalled the challenge threads to start no new registrations (handed-over queue older than half registrar.challengeThreadsMaxQueueMs)',
      )
      .child();
  }

  private readonly queueDatagram = (
    data: Buffer,
    address: string,
    port: number,
    record: string | undefined,
  ): void => {
    if (record !== undefined) this.components.verified?.mark(data, record);
    this.handedOver.push({ data, address, port, sentAt: this.batchSentAt });
  };

  /**
   * Handles one handed-over datagram, unless it is a REGISTER older than maxQueueMs; turns the overload
   * signal on from half that age and off again below a quarter of it or when the queue is empty.
   */
  private readonly handle = (d: HandedOver): void => {
    const max = this.maxQueueMs;
    if (max > 0) {
      const age = performance.timeOrigin + performance.now() - d.sentAt;
      if (age > max / 2) this.setOverloaded(true, age);
      else if (this.overloaded && (age < max / 4 || this.handedOver.length === 0))
        this.setOverloaded(false, age);
      if (age > max && startsWithRegister(d.data)) {
        this.shed.inc();
        return;
      }
    }
    this.components.listener.inject(d.data, d.address, d.port);
  };

  private setOverloaded(on: boolean, ageMs: number): void {
    if (on === this.overloaded) return;
    this.overloaded = on;
    this.overload.set(on);
    const queued = this.handedOver.length;
    if (on) {
      this.episodes.inc();
      this.log.warn(
        { ageMs: Math.round(ageMs), queued, maxQueueMs: this.maxQueueMs },
        'main thread overloaded: challenge threads start no new registrations, REGISTERs older than maxQueueMs are dropped',
      );
    } else
      this.log.info(
        { ageMs: Math.round(ageMs), queued, shed: this.shed.value },
        'main thread caught up: challenge threads start registrations again',
      );
  }

  /** Whether the challenge threads are told to start no new registrations (see OverloadSignal). */
  get overloadedNow(): boolean {
    return this.overloaded;
  }

  /** The thread that writes the main thread's datagrams (writeMainSends), if any. */
  private writer: Worker | undefined;
  private readonly packer = new DatagramBatchPacker();

  /** The listener's SendOffload: one turn's datagrams, packed and posted to the writing thread. */
  private readonly offload = (queued: readonly (Buffer | number | string)[]): void => {
    const w = this.writer;
    const { listener } = this.components;
    for (let i = 0; i < queued.length; i += 3) {
      const data = queued[i] as Buffer;
      const port = queued[i + 1] as number;
      const address = queued[i + 2] as string;
      // No thread left to write them (it exited since this turn began): written here.
      if (w === undefined) listener.writeDatagram(data, port, address);
      else this.packer.add(data, address, port);
    }
    const batch = this.packer.take();
    if (batch !== undefined && w !== undefined)
      w.postMessage({ t: 'send', batch } satisfies ChallengeThreadCommand, transferList(batch));
  };

  get state(): ChallengeThreadsState {
    return this.stateValue;
  }

  get size(): number {
    return this.workers.length;
  }

  /** Starts the threads; rejects (with none left running) when one cannot read the socket. */
  static async start(
    components: ChallengeThreadsComponents,
    init: ChallengeThreadsInit,
  ): Promise<ChallengeThreads> {
    const { threads, writeMainSends, maxQueueMs, ...rest } = init;
    const pool = new ChallengeThreads(components, Math.max(0, maxQueueMs ?? 0));
    const fd = components.listener.fd;
    if (fd === undefined) throw new Error('the UDP listener has no file descriptor to share');
    const data: ChallengeThreadInit = {
      ...rest,
      ...(pool.maxQueueMs > 0 ? { overload: pool.overload.buffer } : {}),
      fd,
      host: components.listener.localAddress.address,
      port: components.listener.localAddress.port,
    };
    try {
      for (let i = 0; i < Math.max(1, threads); i++) await pool.spawn(data);
    } catch (err) {
      await pool.stop();
      throw err;
    }
    pool.stateValue = ChallengeThreadsState.Running;
    // From now on the threads read the socket and the main thread only handles what they hand over.
    pool.reading = !components.listener.setReading(false);
    if (writeMainSends === true) {
      pool.writer = pool.workers[0];
      components.listener.setSendOffload(pool.offload);
    }
    pool.log.info(
      { threads: pool.workers.length, fd, port: data.port, writeMainSends: writeMainSends === true },
      'challenge threads running',
    );
    return pool;
  }

  private spawn(data: ChallengeThreadInit): Promise<void> {
    const entry = new URL(
      import.meta.url.endsWith('.ts') ? './challenge-thread-entry.ts' : './challenge-thread-entry.js',
      import.meta.url,
    );
    const worker = spawnModuleWorker(entry, data);
    this.workers.push(worker);
    const { listener, metrics, loopLoad } = this.components;
    const loopName = `registrar-challenge-${worker.threadId}`;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      let ownDescriptor = false;
      worker.on('message', (m: ChallengeThreadMessage) => {
        switch (m.t) {
          case 'datagrams':
            this.batchSentAt = m.sentAt;
            unpackDatagrams(m.batch, this.queueDatagram);
            return;
          case 'counters':
            applyCounterDeltas(metrics, m.deltas);
            return;
          case 'ready':
            ready = true;
            ownDescriptor = m.ownDescriptor;
            loopLoad?.track(loopName, (a, b) => worker.performance.eventLoopUtilization(a, b));
            resolve();
            return;
          case 'failed':
            this.log.error({ error: m.message }, 'challenge thread failed');
            if (!ready) reject(new Error(`challenge thread: ${m.message}`));
            return;
        }
      });
      worker.on('error', (err) => {
        this.log.error({ err }, 'challenge thread crashed');
        if (!ready) reject(err);
      });
      worker.on('exit', (code) => {
        loopLoad?.untrack(loopName);
        if (this.stateValue === ChallengeThreadsState.Running) {
          if (ownDescriptor)
            this.log.error(
              { code },
              'challenge thread exited; the main thread answers its share from now on',
            );
          else
            this.log.error(
              { code },
              'challenge thread exited and closed the shared UDP descriptor with it (no UDP helper to duplicate it): restart the station',
            );
        }
        const i = this.workers.indexOf(worker);
        if (i >= 0) this.workers.splice(i, 1);
        // Another thread writes the main thread's datagrams from now on, or none does.
        if (this.writer === worker) {
          this.writer = this.workers[0];
          if (this.writer === undefined) listener.setSendOffload(undefined);
          this.log.warn({ threadId: worker.threadId }, 'the thread writing the main thread datagrams exited');
        }
        // Without threads left, the main thread reads the socket again.
        if (this.workers.length === 0 && !this.reading) this.reading = listener.setReading(true);
      });
    });
  }

  /**
   * Collects the threads' last counts and ends them; the main thread then reads the socket again. Each
   * thread wraps its own duplicate of the descriptor when the UDP helper is built; without it a thread
   * ending closes the shared descriptor (see UdpListener.fd), so call this right before the listener
   * closes.
   */
  async stop(): Promise<void> {
    if (this.stateValue === ChallengeThreadsState.Stopped) return;
    const workers = [...this.workers];
    this.stateValue = ChallengeThreadsState.Stopped;
    // The main thread writes its datagrams again; batches already posted are written before the report.
    this.writer = undefined;
    this.components.listener.setSendOffload(undefined);
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            // The last counter report, then the end of the thread.
            const t = setTimeout(resolve, 2000);
            const onMsg = (m: ChallengeThreadMessage): void => {
              if (m.t === 'counters') {
                clearTimeout(t);
                w.off('message', onMsg);
                resolve();
              }
            };
            w.on('message', onMsg);
            w.postMessage({ t: 'report' } satisfies ChallengeThreadCommand);
          }),
      ),
    );
    await Promise.all(workers.map((w) => w.terminate()));
    this.handedOver.flush();
    if (!this.reading) this.reading = this.components.listener.setReading(true);
    this.log.info({ threads: workers.length }, 'challenge threads stopped');
  }
}
