import type { UdpBatchIo, UdpWatch } from './udp-batch-io.js';

/** Datagrams read per system call. */
const BATCH = 64;
/** Calls per readable event at most (256 datagrams), so that timers and other sockets get their turn. */
const CALLS_PER_EVENT = 4;
/** Datagrams written per system call at most. */
const SEND_BATCH = 256;
/** Remote addresses whose text form is cached (a bounded map, cleared when full). */
const ADDRESS_CACHE = 4096;
const EAGAIN = 11;
const ENOBUFS = 105;

export interface UdpBatchSocketHandlers {
  /** A datagram read (its own copy). `truncated`: longer than the listener's largest message. */
  onDatagram(data: Buffer, address: string, port: number, truncated: boolean): void;
  /** A read or write failed with `errno` (a negative number); `fallback` datagrams went through dgram. */
  onError(op: 'recv' | 'send', errno: number): void;
  /** Writes one datagram the slow way (Node's dgram socket), when the batch could not. */
  fallbackSend(data: Buffer, port: number, address: string): void;
}

/**
 * The batched read and write side of one IPv4 UDP socket (see {@link UdpBatchIo}): reads every datagram
 * waiting when the descriptor turns readable, a batch per system call, and writes the datagrams queued
 * during an event-loop turn at its end, a batch per system call. Node's dgram costs about 3.5 µs of
 * user time per datagram (a callback, an address object and a buffer per read, a request per write);
 * this costs a copy and a few array stores (bench/RESULTS.md).
 *
 * Order is kept for writes; a write the kernel refuses for lack of buffer space (EAGAIN, ENOBUFS) and
 * every datagram after it in the batch go through `fallbackSend`, which queues them in Node.
 */
export class UdpBatchSocket {
  private readonly scratch: Buffer;
  private readonly slot: number;
  private readonly meta = new Int32Array(7 * BATCH);
  private readonly sendMeta = new Int32Array(6 * SEND_BATCH);
  private readonly names = new Map<number, string>();
  private readonly numbers = new Map<string, number>();
  private queue: Buffer[] = [];
  private queuedMeta: number[] = [];
  private watchHandle: UdpWatch | undefined;
  private flushScheduled = false;
  private closed = false;

  constructor(
    private readonly io: UdpBatchIo,
    private readonly fd: number,
    maxMessageSize: number,
    private readonly handlers: UdpBatchSocketHandlers,
  ) {
    this.slot = maxMessageSize + 1;
    this.scratch = Buffer.allocUnsafe(this.slot * BATCH);
  }

  get reading(): boolean {
    return this.watchHandle !== undefined;
  }

  /** Starts (true) or stops (false) reading; false when reading cannot start (the descriptor is gone). */
  setReading(on: boolean): boolean {
    if (on && this.watchHandle === undefined) {
      if (this.closed) return false;
      try {
        this.watchHandle = this.io.watch(this.fd, this.onReadable);
      } catch {
        return false;
      }
    } else if (!on && this.watchHandle !== undefined) {
      this.io.unwatch(this.watchHandle);
      this.watchHandle = undefined;
    }
    return true;
  }

  private readonly onReadable = (status: number): void => {
    if (status < 0) {
      // Polling itself failed (the descriptor is unusable): stop rather than be called again at once.
      this.setReading(false);
      this.handlers.onError('recv', status);
      return;
    }
    const { io, fd, scratch, slot, meta, handlers } = this;
    for (let call = 0; call < CALLS_PER_EVENT && this.watchHandle !== undefined; call++) {
      const n = io.recv(fd, scratch, slot, meta, BATCH);
      if (n < 0) {
        handlers.onError('recv', n);
        return;
      }
      for (let i = 0; i < n; i++) {
        const m = i * 7;
        const len = meta[m] as number;
        const truncated = len > slot - 1;
        const start = i * slot;
        const data = Buffer.allocUnsafe(truncated ? slot - 1 : len);
        scratch.copy(data, 0, start, start + data.length);
        const address = meta[m + 2] === 4 ? this.nameOf(meta[m + 3] as number) : '';
        handlers.onDatagram(data, address, meta[m + 1] as number, truncated);
      }
      if (n < BATCH) return;
    }
  };

  /** The dotted-quad text of an IPv4 address number, cached. */
  private nameOf(a: number): string {
    let s = this.names.get(a);
    if (s === undefined) {
      s = `${(a >>> 24) & 255}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
      if (this.names.size >= ADDRESS_CACHE) this.names.clear();
      this.names.set(a, s);
    }
    return s;
  }

  /** The number of a dotted-quad IPv4 address, cached; undefined for any other text. */
  private numberOf(address: string): number | undefined {
    let a = this.numbers.get(address);
    if (a === undefined) {
      const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
      if (m === null) return undefined;
      const parts = [m[1], m[2], m[3], m[4]].map(Number);
      if (parts.some((x) => x > 255)) return undefined;
      a =
        (((parts[0] as number) << 24) |
          ((parts[1] as number) << 16) |
          ((parts[2] as number) << 8) |
          (parts[3] as number)) >>>
        0;
      if (this.numbers.size >= ADDRESS_CACHE) this.numbers.clear();
      this.numbers.set(address, a);
    }
    return a;
  }

  /**
   * Queues a datagram, written with the rest of the turn's at its end. A destination that is not an IPv4
   * literal is written the slow way, after what is already queued (order kept).
   */
  send(data: Buffer, port: number, address: string): void {
    const a = this.numberOf(address);
    if (a === undefined || this.closed) {
      this.flush();
      this.handlers.fallbackSend(data, port, address);
      return;
    }
    this.queue.push(data);
    this.queuedMeta.push(port, a);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Writes what is queued now. */
  readonly flush = (): void => {
    this.flushScheduled = false;
    const q = this.queue;
    if (q.length === 0) return;
    const qm = this.queuedMeta;
    this.queue = [];
    this.queuedMeta = [];
    const { io, fd, sendMeta } = this;
    let done = 0;
    while (done < q.length) {
      const count = Math.min(SEND_BATCH, q.length - done);
      for (let i = 0; i < count; i++) {
        sendMeta[i * 6] = qm[(done + i) * 2] as number;
        sendMeta[i * 6 + 1] = 4;
        sendMeta[i * 6 + 2] = qm[(done + i) * 2 + 1] as number;
      }
      const batch = done === 0 && count === q.length ? q : q.slice(done, done + count);
      const n = io.send(fd, batch, sendMeta, count);
      if (n > 0) {
        done += n;
        continue;
      }
      if (n === -EAGAIN || n === -ENOBUFS) {
        // The socket's buffer is full: Node queues the rest and writes it when the socket drains.
        this.handlers.onError('send', n);
        for (let i = done; i < q.length; i++)
          this.handlers.fallbackSend(
            q[i] as Buffer,
            qm[i * 2] as number,
            this.nameOf(qm[i * 2 + 1] as number),
          );
        return;
      }
      // This datagram cannot be sent at all (EMSGSIZE, EACCES, ...): counted, skipped.
      this.handlers.onError('send', n);
      done += 1;
    }
  };

  /** Writes what is queued and stops reading. */
  close(): void {
    this.flush();
    this.setReading(false);
    this.closed = true;
  }
}
