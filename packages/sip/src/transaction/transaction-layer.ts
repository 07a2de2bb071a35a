import { ShardedMap, type Logger, type MetricSample, type MetricsRegistry } from '@beckon/ops';
import type { SipRequest } from '../message/sip-request.js';
import type { SipResponse } from '../message/sip-response.js';
import { buildNon2xxAck } from './build-non2xx-ack.js';
import { InviteClientTransaction } from './invite-client-transaction.js';
import { InviteServerTransaction } from './invite-server-transaction.js';
import { NonInviteClientTransaction } from './non-invite-client-transaction.js';
import { NonInviteServerTransaction } from './non-invite-server-transaction.js';
import type { TransactionChannel } from './transaction-channel.js';
import {
  canonicalSentBy,
  clientTransactionKey,
  isRfc3261Branch,
  rfc2543TransactionKey,
  serverTransactionKey,
} from './transaction-key.js';
import { sharedMethod } from './sip-methods.js';
import { TransactionMetrics } from './transaction-metrics.js';
import type { TransactionKind } from './transaction-state.js';
import {
  resolveTransactionTimers,
  type TransactionTimerInit,
  type TransactionTimers,
} from './transaction-timers.js';
import type { ClientTransactionUser, ServerTransactionUser } from './transaction-user.js';
import type { Transaction } from './transaction.js';
import type { TransactionOutcome } from './transaction-state.js';
import { TimerLanes } from './timer-lanes.js';
import { WaitTimerQueue } from './wait-timer-queue.js';

export type ClientTransaction =
  InviteClientTransaction<SipResponse> | NonInviteClientTransaction<SipResponse>;
export type ServerTransaction = InviteServerTransaction<SipRequest> | NonInviteServerTransaction;

export interface TransactionLayerComponents {
  log: Logger;
  metrics: MetricsRegistry;
}

export interface TransactionLayerInit {
  /** T1, T2, T4 in milliseconds (RFC 3261 Table 4 defaults 500, 4000, 5000). */
  timers?: TransactionTimerInit;
  /** Called when a server transaction terminates (after it left the table). */
  onServerTerminated?: (tx: ServerTransaction, outcome: TransactionOutcome) => void;
}

export type CreateClientResult =
  { ok: true; transaction: ClientTransaction } | { ok: false; error: 'no-via' | 'no-branch' | 'duplicate' };

export type CreateServerResult =
  { ok: true; transaction: ServerTransaction } | { ok: false; error: 'no-via' | 'duplicate' };

/**
 * The transaction layer: creates the four machines, files them under their matching keys (§17.1.3,
 * §17.2.3, with the RFC 2543 fallback for branches lacking the magic cookie) and finds them again for
 * incoming messages. It holds no transport: the caller gives each transaction a `TransactionChannel`.
 *
 * A transaction leaves the tables when it terminates. `dispose()` terminates all of them and clears
 * every timer.
 */
export class TransactionLayer {
  readonly timers: TransactionTimers;
  readonly metrics: TransactionMetrics;
  private readonly log: Logger;
  // Sharded: over UDP a non-INVITE server transaction lingers 32 s (Timer J), so at thousands of
  // requests per second these hold 10^5 entries; a plain Map's growth step would pause the loop.
  private readonly clients = new ShardedMap<string, ClientTransaction>();
  private readonly servers = new ShardedMap<string, ServerTransaction>();
  /** Timers D, I, J, K of every transaction share one Node timer. */
  private readonly waitQueue = new WaitTimerQueue();
  /** Timers E and F of every non-INVITE client transaction, and UAS deadlines, share one Node timer. */
  readonly lanes = new TimerLanes();
  private readonly serverEndedHook: TransactionLayerInit['onServerTerminated'];

  constructor(components: TransactionLayerComponents, init: TransactionLayerInit = {}) {
    this.log = components.log.child({ component: 'sip.transaction' });
    this.timers = resolveTransactionTimers(init.timers);
    this.metrics = new TransactionMetrics(components.metrics);
    this.serverEndedHook = init.onServerTerminated;
    components.metrics.gauge(
      'sip_transactions_active',
      'SIP transactions alive, by kind',
      () => this.activeSamples(),
      ['kind'],
    );
  }

  /** Live transactions (client + server). */
  get size(): number {
    return this.clients.size + this.servers.size;
  }

  /**
   * Creates (but does not start) the client transaction for `request`, which must already carry its top
   * Via with an RFC 3261 branch. The request is serialized once here; later changes to it are not sent.
   * `topBranch`: the branch of that Via when the caller just wrote it (saves parsing it back).
   */
  createClient(
    request: SipRequest,
    channel: TransactionChannel,
    user: ClientTransactionUser<SipResponse>,
    topBranch?: string,
  ): CreateClientResult {
    let branch = topBranch;
    if (branch === undefined) {
      const via = request.topVia();
      if (!via) return { ok: false, error: 'no-via' };
      branch = via.branch;
    }
    if (!isRfc3261Branch(branch)) return { ok: false, error: 'no-branch' };
    const id = clientTransactionKey(branch, request.method);
    if (this.clients.has(id)) return { ok: false, error: 'duplicate' };
    const base = {
      id,
      channel,
      timers: this.timers,
      metrics: this.metrics,
      method: request.method,
      request: request.serialize(),
      user,
      waitQueue: this.waitQueue,
      lanes: this.lanes,
      onTerminated: this.clientEnded,
    };
    const tx: ClientTransaction =
      request.method === 'INVITE'
        ? new InviteClientTransaction<SipResponse>({
            ...base,
            buildAck: (res) => buildNon2xxAck(request, res).serialize(),
          })
        : new NonInviteClientTransaction<SipResponse>(base);
    this.clients.set(id, tx);
    return { ok: true, transaction: tx };
  }

  /**
   * Creates the server transaction for a new request (not ACK). `id` is the request's `serverKey` when the
   * caller already computed it (for `findServerById`), saving a second computation.
   */
  createServer(
    request: SipRequest,
    channel: TransactionChannel,
    user?: ServerTransactionUser<SipRequest>,
    id: string | undefined = serverKey(request, request.method),
  ): CreateServerResult {
    if (id === undefined) return { ok: false, error: 'no-via' };
    if (this.servers.has(id)) return { ok: false, error: 'duplicate' };
    const base = {
      id,
      channel,
      timers: this.timers,
      metrics: this.metrics,
      method: sharedMethod(request.method),
      waitQueue: this.waitQueue,
      onTerminated: this.serverEnded,
    };
    const tx: ServerTransaction =
      request.method === 'INVITE'
        ? new InviteServerTransaction<SipRequest>({ ...base, user })
        : new NonInviteServerTransaction({ ...base, user: user as ServerTransactionUser | undefined });
    this.servers.set(id, tx);
    return { ok: true, transaction: tx };
  }

  /** §17.1.3: the client transaction a response belongs to. */
  findClient(res: SipResponse): ClientTransaction | undefined {
    const branch = res.topVia()?.branch;
    if (branch === undefined) return undefined;
    const cseq = res.tryCSeq();
    if (!cseq.ok) return undefined;
    return this.clients.get(clientTransactionKey(branch, cseq.value.method));
  }

  /**
   * §17.2.3: the server transaction a request belongs to (a retransmission), or for an ACK the INVITE
   * server transaction it acknowledges.
   */
  findServer(req: SipRequest): ServerTransaction | undefined {
    const id = serverKey(req, req.method);
    return id === undefined ? undefined : this.servers.get(id);
  }

  /** The server transaction filed under `id` (a `serverKey`). */
  findServerById(id: string): ServerTransaction | undefined {
    return this.servers.get(id);
  }

  /**
   * §9.2: "the CANCEL request matches a transaction when [...] the same matching rules as for ACK" are
   * applied with the INVITE as the method: the INVITE server transaction a CANCEL targets.
   */
  findCancelTarget(cancel: SipRequest): InviteServerTransaction<SipRequest> | undefined {
    const id = serverKey(cancel, 'INVITE');
    const tx = id === undefined ? undefined : this.servers.get(id);
    return tx instanceof InviteServerTransaction ? tx : undefined;
  }

  /** Terminates every transaction (no TU timeouts), clearing all timers. */
  dispose(): void {
    const all = [...this.clients.values(), ...this.servers.values()];
    for (const tx of all) tx.dispose();
    this.clients.clear();
    this.servers.clear();
    this.waitQueue.clear();
    this.lanes.clear();
    if (all.length > 0) this.log.debug({ count: all.length }, 'transactions disposed');
  }

  // One hook per layer (no closure per transaction) keeps the tables in step with terminations.
  private readonly clientEnded = (tx: Transaction): void => {
    if (this.clients.get(tx.id) === tx) this.clients.delete(tx.id);
  };

  private readonly serverEnded = (tx: Transaction, outcome: TransactionOutcome): void => {
    if (this.servers.get(tx.id) === tx) this.servers.delete(tx.id);
    this.serverEndedHook?.(tx as ServerTransaction, outcome);
  };

  private activeSamples(): MetricSample[] {
    const counts: Record<TransactionKind, number> = {
      invite_client: 0,
      non_invite_client: 0,
      invite_server: 0,
      non_invite_server: 0,
    };
    for (const tx of this.clients.values()) counts[tx.kind]++;
    for (const tx of this.servers.values()) counts[tx.kind]++;
    return Object.entries(counts).map(([k, v]) => ({ labels: [k], value: v }));
  }
}

/** The server-side key of a request under `method` (ACK is mapped to INVITE by the key functions). */
export function serverKey(req: SipRequest, method: string): string | undefined {
  const via = req.topVia();
  if (!via) return undefined;
  if (isRfc3261Branch(via.branch)) {
    return serverTransactionKey(via.branch, canonicalSentBy(via.host, via.port, via.transport), method);
  }
  const cseq = req.tryCSeq();
  const callId = req.tryCallId();
  if (!cseq.ok || !callId.ok) return undefined;
  return rfc2543TransactionKey({
    requestUri: req.rawUri,
    fromTag: req.fromTag ?? '',
    callId: callId.value,
    cseq: cseq.value.seq,
    topVia: req.getAll('via')[0] ?? '',
    method,
  });
}
