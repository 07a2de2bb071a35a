import type { Logger } from '@beckon/ops';
import { createResponse } from '../message/create-response.js';
import type { SipRequest } from '../message/sip-request.js';
import type { SipResponse } from '../message/sip-response.js';
import type { ServerTransaction } from '../transaction/transaction-layer.js';
import type { ServerTransactionUser } from '../transaction/transaction-user.js';
import type { TransactionChannel } from '../transaction/transaction-channel.js';
import type { LaneTimerTarget, TimerLanes } from '../transaction/timer-lanes.js';
import type { TransactionTimers } from '../transaction/transaction-timers.js';
import type { Flow } from '../transport/transport-types.js';
import type { EndpointMetrics } from './endpoint-metrics.js';

/** Extra header rows: pairs in order, or a record (an array value gives several rows). */
export type HeaderInit =
  Iterable<readonly [string, string]> | Readonly<Record<string, string | readonly string[]>>;

/** What a server context needs from the endpoint that created it. */
export interface ServerContextHost {
  readonly log: Logger;
  readonly metrics: EndpointMetrics;
  readonly timers: TransactionTimers;
  /** Value of the Server header added to every response, if any. */
  readonly serverHeader: string | undefined;
  /** Called when a 2xx to an INVITE was sent, so that its ACK (a separate transaction) finds us. */
  awaitAck(ctx: ServerContext): void;
  /** Called when the ACK arrived or the wait for it ended. */
  ackDone(ctx: ServerContext): void;
  /** A fresh To tag. */
  newTag(): string;
}

/**
 * What a request handler receives: the request, the flow it came on, its server transaction, and
 * `respond()`. One context per server transaction (ACKs handed to an ACK handler get a context without
 * a transaction, whose `respond()` does nothing).
 *
 * For INVITE, a 2xx is retransmitted by this context (the TU, RFC 3261 §13.3.1.4) until the ACK arrives
 * or 64*T1 passes.
 */
export class ServerContext implements ServerTransactionUser, LaneTimerTarget {
  readonly request: SipRequest;
  readonly flow: Flow;
  readonly transaction: ServerTransaction | undefined;
  private readonly host: ServerContextHost;
  private final = 0;
  private isCancelled = false;
  private readonly cancelListeners: (() => void)[] = [];
  private readonly ackListeners: ((ack: SipRequest) => void)[] = [];
  private deadline: NodeJS.Timeout | undefined;
  /** A deadline kept in shared timer lanes (`_armTransactionDeadline`): lanes, duration, sequence. */
  private deadlineLanes: TimerLanes | undefined;
  private deadlineMs = 0;
  private deadlineSeq = 0;
  private retransmit:
    { timer: NodeJS.Timeout | undefined; interval: number; elapsed: number; data: Buffer } | undefined;
  private readonly statelessChannel: TransactionChannel | undefined;
  private tag: string | undefined;

  /**
   * @param statelessChannel for a request answered without a server transaction (RFC 3261 §8.2.7
   *   stateless UAS, `SipEndpointInit.statelessMethods`): responses go straight to this channel, once.
   */
  constructor(
    host: ServerContextHost,
    request: SipRequest,
    flow: Flow,
    transaction: ServerTransaction | undefined,
    statelessChannel?: TransactionChannel,
  ) {
    this.host = host;
    this.request = request;
    this.flow = flow;
    this.transaction = transaction;
    this.statelessChannel = transaction === undefined ? statelessChannel : undefined;
  }

  /** The To tag this UAS puts in its responses (RFC 3261 §8.2.6.2); made on first use. */
  get localTag(): string {
    return (this.tag ??= this.request.toTag ?? this.host.newTag());
  }

  /** True when this request is answered without a server transaction (no retransmission absorption). */
  get stateless(): boolean {
    return this.statelessChannel !== undefined;
  }

  get method(): string {
    return this.request.method;
  }

  /** Status of the final response sent, 0 while none. */
  get finalStatus(): number {
    return this.final;
  }

  /** True once a final response has been sent. */
  get responded(): boolean {
    return this.final !== 0;
  }

  /** True when a CANCEL for this INVITE arrived (the 487 has then been sent already). */
  get cancelled(): boolean {
    return this.isCancelled;
  }

  /** Builds a response to the request with this UAS's To tag and Server header (not sent). */
  createResponse(status: number, reason?: string, headers?: HeaderInit, body?: Buffer | string): SipResponse {
    const res = createResponse(this.request, status, reason, status === 100 ? {} : { toTag: this.localTag });
    const rows =
      headers === undefined ? NO_ROWS : Array.isArray(headers) ? headers : [...headerRows(headers)];
    if (this.host.serverHeader !== undefined && !hasServerRow(rows)) {
      res.add('Server', this.host.serverHeader);
    }
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as readonly [string, string];
      res.add(row[0], row[1]);
    }
    if (body !== undefined) res.body = typeof body === 'string' ? Buffer.from(body) : body;
    return res;
  }

  /**
   * Sends a response through the server transaction. Returns false when nothing was sent (no
   * transaction, a final response already sent, the transaction ended).
   */
  respond(status: number, reason?: string, headers?: HeaderInit, body?: Buffer | string): boolean {
    if (this.final !== 0) return false;
    if (this.statelessChannel === undefined && (!this.transaction || this.transaction.terminated))
      return false;
    return this.send(this.createResponse(status, reason, headers, body));
  }

  /** Sends a response built by the caller (it must answer this request). */
  send(res: SipResponse): boolean {
    if (this.statelessChannel !== undefined) return this.sendStateless(res);
    const tx = this.transaction;
    if (!tx || this.final !== 0 || tx.terminated) return false;
    const data = res.serialize();
    if (!tx.respond(res.status, data)) return false;
    this.host.metrics.responseOut(this.request.method, res.status);
    if (res.status >= 200) {
      this.final = res.status;
      this.clearDeadline();
      if (this.request.method === 'INVITE') {
        if (res.status < 300) this.start2xxRetransmission(data);
      } else {
        // Nothing left for this context to do: let the transaction (alive for Timer J, 32 s over UDP) stop
        // referencing it, so the parsed request can be collected early.
        tx.setUser(NO_USER);
      }
    }
    return true;
  }

  /** §8.2.7: a stateless UAS sends each response once, straight to the transport. */
  private sendStateless(res: SipResponse): boolean {
    const channel = this.statelessChannel;
    if (channel === undefined || this.final !== 0) return false;
    if (res.status >= 200) {
      this.final = res.status;
      this.clearDeadline();
    }
    try {
      const p = channel.send(res.serialize());
      if (p !== undefined) p.then(undefined, (err: unknown) => this.statelessFailed(err, res.status));
    } catch (err) {
      this.statelessFailed(err, res.status);
      return false;
    }
    this.host.metrics.responseOut(this.request.method, res.status);
    return true;
  }

  private statelessFailed(err: unknown, status: number): void {
    this.host.log.debug({ err, status, method: this.request.method }, 'stateless response not sent');
  }

  /** Called when a CANCEL for this INVITE arrives; listeners run after the 487 was sent. */
  onCancel(listener: () => void): void {
    this.cancelListeners.push(listener);
  }

  /** Called with the ACK of this INVITE's 2xx (RFC 3261 §13.3.1.4). */
  onAck(listener: (ack: SipRequest) => void): void {
    this.ackListeners.push(listener);
  }

  /** @internal The endpoint calls this for a CANCEL that matched this INVITE (RFC 3261 §9.2). */
  _cancel(): void {
    // §9.2: once a final response was sent the CANCEL has no effect on the INVITE.
    if (this.isCancelled || this.final !== 0) return;
    this.isCancelled = true;
    // §9.2: "the UAS SHOULD then respond to the INVITE with a 487 (Request Terminated)."
    if (this.final === 0) this.respond(487);
    for (const l of this.cancelListeners) l();
  }

  /** @internal The endpoint calls this with the ACK matching this context's 2xx. */
  _ack(ack: SipRequest): void {
    this.stop2xxRetransmission();
    this.host.ackDone(this);
    for (const l of this.ackListeners) l(ack);
  }

  /**
   * @internal Bounds the time the handler may take to send a final response; `onExpire` runs if none was
   * sent by then (the endpoint answers or drops the transaction).
   */
  _armDeadline(ms: number, onExpire: () => void): void {
    this.clearDeadline();
    this.deadline = setTimeout(() => {
      this.deadline = undefined;
      if (this.final === 0) onExpire();
    }, ms);
    this.deadline.unref();
  }

  /**
   * @internal Like `_armDeadline` for a request with a server transaction, kept in the shared `lanes`
   * (no timer object or closure per request): when no final response was sent by then, a warning is
   * logged and the transaction is dropped (the client's transaction has timed out: Timer F).
   */
  _armTransactionDeadline(lanes: TimerLanes, ms: number): void {
    this.clearDeadline();
    this.deadlineLanes = lanes;
    this.deadlineMs = ms;
    this.deadlineSeq = lanes.schedule(ms, this);
  }

  /** LaneTimerTarget: the transaction deadline passed. */
  laneTimerFired(ms: number, seq: number): void {
    if (seq !== this.deadlineSeq || ms !== this.deadlineMs) return;
    this.deadlineLanes = undefined;
    this.deadlineSeq = 0;
    if (this.final !== 0) return;
    this.host.log.warn(
      { method: this.request.method, callId: this.request.get('call-id') },
      'handler sent no final response',
    );
    this.transaction?.dispose();
  }

  /** ServerTransactionUser (non-INVITE): the transaction ended. */
  onTerminated(): void {
    this._dispose();
  }

  /** @internal Stops every timer of this context (transaction ended, endpoint shutdown). */
  _dispose(): void {
    this.clearDeadline();
    if (this.retransmit) {
      this.stop2xxRetransmission();
      this.host.ackDone(this);
    }
  }

  private clearDeadline(): void {
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = undefined;
    if (this.deadlineLanes !== undefined) {
      this.deadlineLanes.cancel(this.deadlineMs, this.deadlineSeq);
      this.deadlineLanes = undefined;
      this.deadlineSeq = 0;
    }
  }

  /**
   * §13.3.1.4: "The 2xx response is passed to the transport with an interval that starts at T1 seconds and
   * doubles for each retransmission until it reaches T2 seconds. Response retransmissions cease when an
   * ACK request for the response is received. [...] If the server retransmits the 2xx response for 64*T1
   * seconds without receiving an ACK, the dialog is confirmed, but the session SHOULD be terminated."
   */
  private start2xxRetransmission(data: Buffer): void {
    this.retransmit = { timer: undefined, interval: this.host.timers.t1, elapsed: 0, data };
    this.host.awaitAck(this);
    this.schedule2xx();
  }

  private schedule2xx(): void {
    const r = this.retransmit;
    if (!r) return;
    r.timer = setTimeout(() => {
      r.elapsed += r.interval;
      if (r.elapsed >= this.host.timers.t1x64 || !this.transaction || this.transaction.terminated) {
        this.host.log.info({ callId: this.request.get('call-id') }, 'no ACK for 2xx to INVITE');
        this.stop2xxRetransmission();
        this.host.ackDone(this);
        return;
      }
      this.transaction.respond(this.final, r.data);
      r.interval = Math.min(2 * r.interval, this.host.timers.t2);
      this.schedule2xx();
    }, r.interval);
    r.timer.unref();
  }

  private stop2xxRetransmission(): void {
    if (this.retransmit?.timer) clearTimeout(this.retransmit.timer);
    this.retransmit = undefined;
  }
}

const NO_USER: ServerTransactionUser = Object.freeze({});
const NO_ROWS: readonly (readonly [string, string])[] = [];

function hasServerRow(rows: readonly (readonly [string, string])[]): boolean {
  for (let i = 0; i < rows.length; i++) {
    const n = (rows[i] as readonly [string, string])[0];
    if (n.length === 6 && n.toLowerCase() === 'server') return true;
  }
  return false;
}

export function headerRows(h: HeaderInit): Iterable<readonly [string, string]> {
  if (Symbol.iterator in h) return h as Iterable<readonly [string, string]>;
  const rows: [string, string][] = [];
  for (const [n, v] of Object.entries(h as Record<string, string | readonly string[]>)) {
    if (typeof v === 'string') rows.push([n, v]);
    else for (const x of v) rows.push([n, x]);
  }
  return rows;
}
