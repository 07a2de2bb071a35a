import { parseNameAddr } from '../grammar/name-addr.js';
import { formatUri, isSipUri, parseUri, type Uri } from '../grammar/uri.js';
import { SipRequest } from '../message/sip-request.js';
import type { Flow } from '../transport/transport-types.js';
import type { NotifyContent } from './event-package.js';
import type { TerminationReason } from './event-header.js';
import type { FlowRecord, SubscriptionRecord } from './subscription-store.js';

const NO_ROUTES: readonly string[] = Object.freeze([]);

/** RFC 6665 §4.1.3 / §4.2.1: the states of a subscription at the notifier. */
export enum SubscriptionState {
  /** Accepted, waiting for authorization: NOTIFYs say `pending`. */
  Pending = 'pending',
  Active = 'active',
  /** Ended; the object is no longer in the notifier's tables. */
  Terminated = 'terminated',
}

/** A NOTIFY waiting for the one in flight to finish (RFC 6665 §4.2.2 one-at-a-time rule). */
export interface QueuedNotify {
  content: NotifyContent;
  /** Set for the final NOTIFY. */
  terminate?: { reason: TerminationReason | undefined; retryAfter: number | undefined };
}

/**
 * One subscription held by a {@link Notifier}: the dialog (RFC 3261 §12, kept as plain strings so that
 * 100,000 of them stay small and serialise as they are) plus subscription state. Read-only for packages.
 */
export class NotifierSubscription {
  readonly id: string;
  readonly event: string;
  readonly eventId: string | undefined;
  state: SubscriptionState;
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  readonly localUri: string;
  readonly remoteUri: string;
  localSeq: number;
  remoteSeq: number;
  remoteTarget: string;
  routeSet: readonly string[];
  /** Epoch ms. */
  expiresAt: number;
  readonly createdAt: number;
  flowRecord: FlowRecord;
  /** The live flow of the latest SUBSCRIBE; undefined after a restore until the next refresh. */
  flow: Flow | undefined;
  packageState: unknown;
  /**
   * Highest local CSeq covered by a committed store write (the record's `localSeq` is a reservation).
   * @internal
   */
  seqReserved: number;
  /** @internal */ notifyInFlight = false;
  /** @internal */ queued: QueuedNotify | undefined;

  constructor(r: SubscriptionRecord, flow: Flow | undefined) {
    this.id = r.id;
    this.event = r.event;
    this.eventId = r.eventId ?? undefined;
    this.state = r.state === 'pending' ? SubscriptionState.Pending : SubscriptionState.Active;
    this.callId = r.callId;
    this.localTag = r.localTag;
    this.remoteTag = r.remoteTag;
    this.localUri = r.localUri;
    this.remoteUri = r.remoteUri;
    this.localSeq = r.localSeq;
    this.seqReserved = r.localSeq;
    this.remoteSeq = r.remoteSeq;
    this.remoteTarget = r.remoteTarget;
    this.routeSet = r.routeSet.length === 0 ? NO_ROUTES : r.routeSet;
    this.expiresAt = r.expiresAt;
    this.createdAt = r.createdAt;
    this.flowRecord = r.flow;
    this.flow = flow;
    this.packageState = r.packageState ?? null;
  }

  /** Dialog key as `dialogKey()` of the dialog module builds it (Call-ID, local tag, remote tag). */
  get dialogKey(): string {
    return this.callId + '\u0000' + this.localTag + '\u0000' + this.remoteTag;
  }

  /** Seconds left, rounded down, never negative. */
  remaining(now: number): number {
    return Math.max(0, Math.floor((this.expiresAt - now) / 1000));
  }

  /** The record to store; `localSeq` is the reservation given (default: the last CSeq used). */
  toRecord(localSeq: number = this.localSeq): SubscriptionRecord {
    return {
      id: this.id,
      event: this.event,
      eventId: this.eventId ?? null,
      state: this.state === SubscriptionState.Pending ? 'pending' : 'active',
      callId: this.callId,
      localTag: this.localTag,
      remoteTag: this.remoteTag,
      localUri: this.localUri,
      remoteUri: this.remoteUri,
      localSeq,
      remoteSeq: this.remoteSeq,
      remoteTarget: this.remoteTarget,
      routeSet: [...this.routeSet],
      expiresAt: this.expiresAt,
      createdAt: this.createdAt,
      flow: { ...this.flowRecord },
      packageState: this.packageState ?? null,
    };
  }

  /**
   * RFC 3261 §12.2.1.1 in-dialog request (NOTIFY): To = remote URI + remote tag, From = local URI + local
   * tag, Call-ID of the dialog, CSeq one above the local sequence number, Request-URI and Route from the
   * remote target and the route set ("If the route set is empty, the UAC MUST place the remote target URI
   * into the Request-URI"; a loose first route keeps the remote target as Request-URI and lists the route
   * set in Route; a strict first route goes into the Request-URI and the remote target ends the Route list).
   * Returns undefined when the stored remote target is not a URI.
   */
  createRequest(method: string): SipRequest | undefined {
    const target = parseUri(this.remoteTarget);
    if (!target.ok) return undefined;
    let requestUri: Uri = target.value;
    let rawUri = this.remoteTarget;
    let routes: readonly string[] = this.routeSet;
    const first = this.routeSet[0];
    if (first !== undefined) {
      const p = parseNameAddr(first);
      if (p.ok && isSipUri(p.value.uri) && !p.value.uri.params.has('lr')) {
        const params = new Map(p.value.uri.params);
        params.delete('method');
        requestUri = { ...p.value.uri, params, headers: new Map() };
        rawUri = formatUri(requestUri);
        routes = [...this.routeSet.slice(1), '<' + this.remoteTarget + '>'];
      }
    }
    this.localSeq += 1;
    // The Request-URI parsed above is handed over (no second parse of the same text).
    const req = new SipRequest(method, requestUri, rawUri);
    req.add('Max-Forwards', '70');
    for (const r of routes) req.add('Route', r);
    req.add('From', this.localUri + ';tag=' + this.localTag);
    req.add('To', this.remoteUri + ';tag=' + this.remoteTag);
    req.add('Call-ID', this.callId);
    req.add('CSeq', this.localSeq + ' ' + method);
    return req;
  }
}
