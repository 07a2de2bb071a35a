import dgram from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import type { Logger } from '@beckon/ops';
import { stunBindingResponse, stunKind } from './stun-keepalive.js';
import type { UdpBatchIo } from './udp-batch-io.js';
import { UdpBatchSocket } from './udp-batch-socket.js';
import type { TransportCounters } from './transport-metrics.js';
import {
  formatHostPort,
  type Address,
  type Flow,
  type ListenerInfo,
  type SendResult,
  type TransportUser,
} from './transport-types.js';

/** What a listener needs from the layer that owns it. */
export interface Upstream {
  readonly user: TransportUser | undefined;
}

export interface UdpListenerInit {
  host: string;
  port: number;
  maxMessageSize: number;
  maxFlows: number;
  recvBufferSize: number;
  sendBufferSize: number;
  /**
   * Wrap this already bound socket descriptor instead of binding `host`/`port` (a worker thread sharing
   * the main thread's listening socket: see {@link UdpListener.fd}).
   */
  fd?: number;
  /**
   * Queue the datagrams sent during one event-loop turn and write them together at its end (default
   * false). See {@link UdpListener.sendTo}.
   */
  coalesceSends?: boolean;
}

/** RFC 768 / IPv4: the largest UDP payload that can be sent at all. */
const MAX_UDP_PAYLOAD = 65507;

const OK: SendResult = Object.freeze({ ok: true });
const TOO_LARGE: SendResult = Object.freeze({ ok: false, error: 'too-large' });
const FLOW_CLOSED: SendResult = Object.freeze({ ok: false, error: 'flow-closed' });

/**
 * A UDP source/destination seen from one listening socket. Created lazily on the first datagram from
 * (or to) a remote address and cached by the listener.
 *
 * RFC 3581 §4: the response is sent "to the source IP address and port the request came from", from the
 * socket the request arrived on; sending through the flow does exactly that.
 */
export class UdpFlow implements Flow {
  readonly transport = 'udp' as const;
  readonly secure = false;
  readonly reliable = false;
  readonly local: Readonly<Address>;
  readonly remote: Readonly<Address>;

  constructor(
    readonly id: string,
    private readonly listener: UdpListener,
    remoteAddress: string,
    remotePort: number,
  ) {
    this.local = listener.localAddress;
    this.remote = { address: remoteAddress, port: remotePort };
  }

  get closed(): boolean {
    return this.listener.closed;
  }

  send(data: Buffer): SendResult {
    return this.listener.sendTo(data, this.remote.port, this.remote.address);
  }

  touch(): void {
    /* UDP flows are not reaped */
  }

  setIdleTimeout(_ms: number): void {
    /* UDP flows are not reaped */
  }

  close(): void {
    /* a UDP flow is the listening socket; it closes with the layer */
  }
}

export class UdpListener {
  readonly socket: dgram.Socket;
  localAddress: Readonly<Address> = { address: '', port: 0 };
  closed = false;
  private readonly flows = new Map<string, UdpFlow>();
  /** The flow of the last datagram (a peer usually sends many in a row: no key string, no Map lookup). */
  private lastFlow: UdpFlow | undefined;
  private prefix = '';
  private readonly v6: boolean;
  private readonly coalesce: boolean;
  /** Datagrams waiting for the end of the turn, as (data, port, address) triples. */
  private pending: (Buffer | number | string)[] = [];
  /** Who writes the queued datagrams instead of this listener (see setSendOffload). */
  private offload: SendOffload | undefined;
  /** Batched reads and writes (see UdpBatchIo), when an implementation was given and the socket allows. */
  private batch: UdpBatchSocket | undefined;
  /** False once polling for batched reads failed: the dgram socket reads again (writes stay batched). */
  private batchReads = true;
  /** Whether this listener should be reading (see setReading). */
  private wantReading = true;

  constructor(
    private readonly init: UdpListenerInit,
    private readonly upstream: Upstream,
    private readonly counters: TransportCounters,
    private readonly log: Logger,
    private readonly batchIo?: UdpBatchIo,
  ) {
    this.v6 = init.host.includes(':');
    this.coalesce = init.coalesceSends ?? false;
    this.socket = dgram.createSocket({
      type: this.v6 ? 'udp6' : 'udp4',
      ipv6Only: this.v6,
      lookup: this.literalLookup,
    });
    this.socket.on('message', this.onDatagram);
    this.socket.on('error', this.onSocketError);
  }

  get family(): 'IPv4' | 'IPv6' {
    return this.v6 ? 'IPv6' : 'IPv4';
  }

  bind(): Promise<{ ok: true; info: ListenerInfo } | { ok: false; error: string }> {
    return new Promise((resolve) => {
      const onError = (err: Error): void => {
        resolve({ ok: false, error: err.message });
      };
      this.socket.once('error', onError);
      const where =
        this.init.fd !== undefined
          ? { fd: this.init.fd }
          : { address: this.init.host, port: this.init.port, exclusive: true };
      this.socket.bind(where, () => {
        this.socket.off('error', onError);
        const a = this.socket.address();
        this.localAddress = { address: a.address, port: a.port };
        this.prefix = `udp:${formatHostPort(a.address, a.port)}>`;
        // A shared descriptor keeps the buffer sizes its owner chose (they belong to the one socket).
        if (this.init.fd === undefined) this.applyBufferSizes();
        this.startBatch();
        resolve({
          ok: true,
          info: { transport: 'udp', address: a.address, port: a.port, family: this.family },
        });
      });
    });
  }

  /** Whether datagrams are read and written in batches (see UdpBatchIo). */
  get batched(): boolean {
    return this.batch !== undefined;
  }

  /** Moves reading and writing to the batch socket, for an IPv4 socket with a descriptor. */
  private startBatch(): void {
    const io = this.batchIo;
    const fd = this.fd;
    if (io === undefined || this.v6 || fd === undefined) return;
    const handle = socketHandle(this.socket);
    if (typeof handle?.recvStop !== 'function' || handle.recvStop() !== 0) return;
    this.batch = new UdpBatchSocket(io, fd, this.init.maxMessageSize, {
      onDatagram: this.onBatchDatagram,
      onError: (op, errno) => {
        this.counters.error(op === 'recv' ? 'socket' : 'send');
        this.log.debug({ op, errno, local: this.localAddress }, 'udp batch system call failed');
        if (op === 'recv' && this.batchReads && this.batch?.reading === false && !this.closed) {
          // The batch socket gave up polling: Node's dgram reads from now on.
          this.batchReads = false;
          this.log.warn(
            { errno, local: this.localAddress },
            'udp batched reads stopped; reading through dgram',
          );
          if (this.wantReading) this.setReading(true);
        }
      },
      fallbackSend: (data, port, address) => this.socket.send(data, port, address, this.onSendDone),
    });
    if (!this.batch.setReading(true)) {
      this.batch = undefined;
      handle.recvStart?.();
      return;
    }
    this.log.debug({ local: this.localAddress, fd }, 'udp listener reading and writing in batches');
  }

  private readonly onBatchDatagram = (
    msg: Buffer,
    address: string,
    port: number,
    truncated: boolean,
  ): void => {
    if (truncated) {
      this.counters.bytesIn.inc(msg.length);
      this.counters.error('too-large');
      return;
    }
    this.receive(msg, address, port, true);
  };

  private applyBufferSizes(): void {
    try {
      this.socket.setRecvBufferSize(this.init.recvBufferSize);
      this.socket.setSendBufferSize(this.init.sendBufferSize);
      this.log.debug(
        { recvBufferSize: this.socket.getRecvBufferSize(), sendBufferSize: this.socket.getSendBufferSize() },
        'udp socket buffers',
      );
    } catch (err) {
      this.log.warn({ err }, 'could not set udp socket buffer sizes');
    }
  }

  /** The last IP literal `literalLookup` recognised, and its family (responses go to one peer in a row). */
  private lastLiteral = '';
  private lastFamily = 0;

  /**
   * `dgram` resolves every destination through `lookup` before sending, and the default defers its
   * answer to the next tick even for an IP literal. Destinations here are IP literals (responses go to
   * the source address, §18.2.2), answered synchronously (the last one without even re-checking it);
   * names still go through DNS.
   */
  private readonly literalLookup = (
    host: string,
    family: unknown,
    cb: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
  ): void => {
    if (host === this.lastLiteral) {
      cb(null, host, this.lastFamily);
      return;
    }
    const f = isIP(host);
    if (f !== 0) {
      this.lastLiteral = host;
      this.lastFamily = f;
      cb(null, host, f);
      return;
    }
    dnsLookup(host, family as number, cb);
  };

  /** Bound once: the per-datagram path allocates only the flow key string. */
  private readonly onDatagram = (msg: Buffer, rinfo: dgram.RemoteInfo): void => {
    this.receive(msg, rinfo.address, rinfo.port, true);
  };

  private receive(msg: Buffer, address: string, port: number, count: boolean): void {
    const c = this.counters;
    if (count) c.bytesIn.inc(msg.length);
    const flow = this.flowFor(address, port);
    // RFC 5626 §4.4.1 / §3.5.1: a CRLF or double CRLF datagram is a keep-alive, not a message.
    if (msg.length <= 4 && isCrlfOnly(msg)) {
      if (count) c.keepalives.inc();
      this.upstream.user?.onKeepAlive?.(flow, msg.length === 4 ? 'ping' : 'pong');
      return;
    }
    // STUN keep-alives (RFC 5626 §4.4.2) share the port; a SIP message never starts below 0x40.
    if ((msg[0] as number) < 0x40 && this.onStun(msg, flow)) return;
    if (msg.length > this.init.maxMessageSize) {
      c.error('too-large');
      return;
    }
    const user = this.upstream.user;
    if (!user) {
      c.error('no-user');
      return;
    }
    if (count) c.messagesIn.inc();
    try {
      user.onMessage(msg, flow);
    } catch (err) {
      // A bug above must not take the socket or the process down.
      c.error('user-exception');
      this.log.error({ err, flow: flow.id }, 'transport user threw on a message');
    }
  }

  /** Handles a STUN datagram; false when the datagram is not STUN after all. */
  private onStun(msg: Buffer, flow: UdpFlow): boolean {
    const kind = stunKind(msg);
    if (kind === undefined) return false;
    const c = this.counters;
    if (kind === 'binding-request') {
      const res = stunBindingResponse(msg, flow.remote.address, flow.remote.port);
      if (res) {
        c.bytesOut.inc(res.length);
        this.socket.send(res, flow.remote.port, flow.remote.address, this.onSendDone);
      }
      c.keepalives.inc();
      this.upstream.user?.onKeepAlive?.(flow, 'ping');
    } else if (kind === 'binding-success') {
      c.keepalives.inc();
      this.upstream.user?.onKeepAlive?.(flow, 'pong');
    } else {
      c.error('stun-unsupported');
    }
    return true;
  }

  private readonly onSocketError = (err: Error): void => {
    this.counters.error('socket');
    this.log.warn({ err, local: this.localAddress }, 'udp socket error');
  };

  private readonly onSendDone = (err: Error | null): void => {
    if (err) this.counters.error('send');
  };

  /**
   * The socket's file descriptor (undefined before bind or where the platform has none). Worker threads
   * of the same process may wrap it (`UdpListenerInit.fd`) to receive and send on the same address and
   * port: the kernel hands each datagram to one of the threads reading, and a response sent by any of
   * them leaves from the listening port, as RFC 3581 §4 asks. Whoever closes the descriptor first closes
   * it for all, so a thread that wraps this number must not outlive the listener; a thread that wraps a
   * duplicate of it (dup(2)) closes only its duplicate.
   */
  get fd(): number | undefined {
    const fd = socketHandle(this.socket)?.fd;
    return typeof fd === 'number' && fd >= 0 ? fd : undefined;
  }

  /**
   * Stops (false) or resumes (true) reading datagrams from the socket; sending is unaffected. While
   * threads sharing the descriptor read for it, the listener only sends and handles what they hand over
   * through {@link inject}. Returns false where the platform's socket does not allow it.
   */
  setReading(on: boolean): boolean {
    this.wantReading = on;
    if (this.batch !== undefined && this.batchReads) return !this.closed && this.batch.setReading(on);
    const handle = socketHandle(this.socket);
    const fn = on ? handle?.recvStart : handle?.recvStop;
    if (typeof fn !== 'function' || this.closed) return false;
    return fn.call(handle) === 0;
  }

  /**
   * Handles a datagram received elsewhere on this listener's socket (by a worker thread sharing it) as if
   * it had arrived here: same flow, same transport user. The receiving thread counted it already (its
   * counters reach this process's registry as deltas), so the receive counters are left alone.
   */
  inject(msg: Buffer, address: string, port: number): void {
    if (this.closed) return;
    this.receive(msg, address, port, false);
  }

  flowFor(address: string, port: number): UdpFlow {
    const last = this.lastFlow;
    if (last !== undefined && last.remote.port === port && last.remote.address === address) return last;
    const id = this.prefix + (this.v6 ? '[' + address + ']:' : address + ':') + port;
    let flow = this.flows.get(id);
    if (flow === undefined) {
      if (this.flows.size >= this.init.maxFlows) {
        // Bounded cache: drop the oldest entry. Holders of the dropped flow can still send through it.
        const oldest = this.flows.keys().next().value;
        if (oldest !== undefined) this.flows.delete(oldest);
      }
      flow = new UdpFlow(id, this, address, port);
      this.flows.set(id, flow);
    }
    this.lastFlow = flow;
    return flow;
  }

  getFlow(id: string): UdpFlow | undefined {
    return this.flows.get(id);
  }

  get flowCount(): number {
    return this.flows.size;
  }

  /**
   * Sends one datagram. With `coalesceSends` the datagram is queued and written, with every other one
   * sent in the same event-loop turn, by an immediate callback at the end of the turn: a response to a
   * burst of requests then leaves as a burst, and the peer's process is woken once for it rather than
   * once per datagram (measured on the registrar at 10,000-17,500 digest registrations/s: a lower p99
   * in most paired runs, CPU unchanged; bench/RESULTS.md). Order is kept; the delay is the rest of the
   * current turn.
   */
  sendTo(data: Buffer, port: number, address: string): SendResult {
    if (this.closed) return FLOW_CLOSED;
    if (data.length > MAX_UDP_PAYLOAD || data.length > this.init.maxMessageSize) {
      this.counters.error('too-large');
      return TOO_LARGE;
    }
    this.counters.bytesOut.inc(data.length);
    if (!(data.length <= 4 && isCrlfOnly(data))) this.counters.messagesOut.inc();
    if (this.offload === undefined && this.batch !== undefined) {
      // Batched writes are queued for the end of the turn already.
      this.batch.send(data, port, address);
      return OK;
    }
    if (this.coalesce || this.offload !== undefined) {
      if (this.pending.length === 0) setImmediate(this.flushPending);
      this.pending.push(data, port, address);
      return OK;
    }
    return this.write(data, port, address) ? OK : FLOW_CLOSED;
  }

  /**
   * Hands the datagrams sent through this listener, queued per event-loop turn as with `coalesceSends`,
   * to `offload` instead of writing them: another thread that shares the socket (the registrar's
   * challenge threads) writes them with {@link writeDatagram}, and this thread saves the system calls.
   * They are counted here, when queued. Undefined: this listener writes them again (what is queued
   * then is written at the end of the turn).
   */
  setSendOffload(offload: SendOffload | undefined): void {
    this.offload = offload;
  }

  /**
   * Writes one datagram to the socket as it is, uncounted: for the thread an offload gave it to (see
   * setSendOffload), the listener that queued it having counted it. False when the socket refused it.
   */
  writeDatagram(data: Buffer, port: number, address: string): boolean {
    if (this.closed) return false;
    return this.write(data, port, address);
  }

  private write(data: Buffer, port: number, address: string): boolean {
    if (this.batch !== undefined) {
      this.batch.send(data, port, address);
      return true;
    }
    try {
      // No completion callback: with one, Node defers a callback per datagram (process.nextTick) even when
      // the send completed synchronously. The cost is that asynchronous send errors (ENOBUFS and the like,
      // rare on UDP) are not counted here; the kernel's UDP drop counters still show them.
      this.socket.send(data, port, address);
      return true;
    } catch {
      this.counters.error('send');
      return false;
    }
  }

  /** Writes the queued datagrams (also right before the socket closes). */
  private readonly flushPending = (): void => {
    const q = this.pending;
    if (q.length === 0) return;
    this.pending = [];
    if (this.offload !== undefined && !this.closed) {
      this.offload(q);
      return;
    }
    for (let i = 0; i < q.length; i += 3) this.write(q[i] as Buffer, q[i + 1] as number, q[i + 2] as string);
    this.batch?.flush();
  };

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    // What is still queued is written here: the offload's thread may already be gone.
    this.offload = undefined;
    this.flushPending();
    this.batch?.close();
    this.closed = true;
    this.flows.clear();
    this.lastFlow = undefined;
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}

/**
 * Takes the datagrams a listener queued in one event-loop turn, as (data, port, address) triples in
 * sending order, to have them written elsewhere (`UdpListener.setSendOffload`). The array is the
 * taker's; its buffers must not be changed.
 */
export type SendOffload = (queued: readonly (Buffer | number | string)[]) => void;

/** What `fd` and `setReading` use of a socket's internal libuv handle. */
interface SocketHandle {
  fd?: number;
  recvStart?: () => number;
  recvStop?: () => number;
}

/**
 * The internal handle of a `dgram.Socket` (Node exposes the descriptor and receive start/stop only there,
 * in the socket's state under the symbol described 'state symbol'); undefined if Node keeps it elsewhere.
 */
function socketHandle(socket: dgram.Socket): SocketHandle | undefined {
  const key = Object.getOwnPropertySymbols(socket).find((k) => k.description === 'state symbol');
  if (key === undefined) return undefined;
  return (socket as unknown as Record<symbol, { handle?: SocketHandle } | undefined>)[key]?.handle;
}

function isCrlfOnly(b: Buffer): boolean {
  if (b.length === 0) return false;
  for (let i = 0; i < b.length; i++) {
    const x = b[i];
    if (x !== 13 && x !== 10) return false;
  }
  return true;
}
