import { flatCopy } from '@beckon/ops';
import { formatNameAddr, type NameAddr } from '../grammar/name-addr.js';
import { formatUri } from '../grammar/uri.js';
import type { SipRequest } from '../message/sip-request.js';
import type { Flow } from '../transport/transport-types.js';
import type { FlowRecord, SubscriptionRecord } from './subscription-store.js';

export interface RecordInit {
  /** Our To tag (also the subscription id). */
  localTag: string;
  flow: Flow;
  /** The flow's record when the caller keeps one per flow (shared by its subscriptions, never mutated). */
  flowRecord?: FlowRecord;
  event: string;
  eventId: string | undefined;
  expires: number;
  state: 'active' | 'pending';
  packageState: unknown;
  now: number;
}

/**
 * The dialog a SUBSCRIBE creates at the notifier, as a plain record. RFC 3261 §12.1.1: "The route set
 * MUST be set to the list of URIs in the Record-Route header field from the request, taken in order and
 * preserving all URI parameters. [...] The remote target MUST be set to the URI from the Contact header
 * field of the request. The remote sequence number MUST be set to the value of the sequence number in the
 * CSeq header field of the request. The local sequence number MUST be empty." Undefined when the request
 * lacks what a dialog needs (From tag, Contact).
 */
export function recordFromSubscribe(req: SipRequest, init: RecordInit): SubscriptionRecord | undefined {
  const from = req.tryFrom();
  const to = req.tryTo();
  const cseq = req.tryCSeq();
  const callId = req.tryCallId();
  const remoteTag = req.fromTag;
  const target = firstContact(req);
  if (!from.ok || !to.ok || !cseq.ok || !callId.ok || remoteTag === undefined || target === undefined) {
    return undefined;
  }
  const rr = req.getAll('record-route');
  for (let i = 0; i < rr.length; i++) rr[i] = flatCopy(rr[i] as string);
  return {
    id: init.localTag,
    event: init.event,
    eventId: init.eventId === undefined ? null : flatCopy(init.eventId),
    state: init.state,
    callId: flatCopy(callId.value),
    localTag: init.localTag,
    remoteTag: flatCopy(remoteTag),
    localUri: flatCopy(withoutTag(to.value)),
    remoteUri: flatCopy(withoutTag(from.value)),
    localSeq: 0,
    remoteSeq: cseq.value.seq,
    remoteTarget: flatCopy(target),
    routeSet: rr,
    expiresAt: init.now + init.expires * 1000,
    createdAt: init.now,
    flow: init.flowRecord ?? flowRecordOf(init.flow),
    packageState: init.packageState ?? null,
  };
}

export function flowRecordOf(flow: Flow): FlowRecord {
  return {
    transport: flow.transport,
    localAddress: flow.local.address,
    localPort: flow.local.port,
    remoteAddress: flow.remote.address,
    remotePort: flow.remote.port,
    flowId: flow.id,
    secure: flow.secure,
  };
}

/** The URI of the first Contact (not `*`), as text. */
export function firstContact(req: SipRequest): string | undefined {
  const c = req.tryContacts();
  if (!c.ok) return undefined;
  const first = c.value[0];
  if (!first || first.star) return undefined;
  return formatUri(first.uri);
}

function withoutTag(na: NameAddr): string {
  // The To of a dialog-creating SUBSCRIBE has no parameters at all: nothing to take out.
  if (na.params.size === 0) return formatNameAddr(na);
  const params = new Map(na.params);
  params.delete('tag');
  return formatNameAddr({ ...na, params });
}
