import type { TransportKind } from '../transport/transport-types.js';

/** The flow a subscription's NOTIFYs go over (the one its SUBSCRIBE or latest refresh came on). */
export interface FlowRecord {
  transport: TransportKind;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** Transport flow id (`udp:...` or `tcp#17`); a connection id does not survive a restart. */
  flowId: string;
  secure: boolean;
}

/**
 * One notifier subscription as plain JSON-serialisable data: everything needed to send the next NOTIFY
 * after a restart (dialog state of RFC 3261 §12 plus the subscription of RFC 6665).
 */
export interface SubscriptionRecord {
  /** Subscription id (stable; equals the local tag). */
  id: string;
  /** Event package name. */
  event: string;
  /** Event header `id` parameter, or null. */
  eventId: string | null;
  state: 'active' | 'pending';
  callId: string;
  localTag: string;
  remoteTag: string;
  /** Local URI as name-addr, without tag (From of our NOTIFYs). */
  localUri: string;
  /** Remote URI as name-addr, without tag (To of our NOTIFYs). */
  remoteUri: string;
  /**
   * Local CSeq reservation: no NOTIFY of this dialog used a higher CSeq number (0: none sent yet). The
   * notifier stores a number ahead of the last one sent and writes again only when its NOTIFYs reach it,
   * so that after a restart the next NOTIFY (this + 1) is still above every one sent before.
   */
  localSeq: number;
  /** CSeq number of the last SUBSCRIBE received. */
  remoteSeq: number;
  /** Contact URI of the subscriber. */
  remoteTarget: string;
  /** Record-Route values, in request order. */
  routeSet: string[];
  /** Epoch ms. */
  expiresAt: number;
  /** Epoch ms. */
  createdAt: number;
  flow: FlowRecord;
  /** Package state blob (JSON-serialisable), or null. */
  packageState: unknown;
}

/**
 * Durable storage of notifier subscriptions (implemented by the station). The notifier awaits `save` /
 * `update` before it answers a SUBSCRIBE with 2xx, so an acknowledged subscription is durable. It also
 * awaits the `update` that extends the local CSeq reservation (`localSeq`) before a NOTIFY would pass it.
 * Rejections are logged by the notifier; a failed `save` answers the SUBSCRIBE with 500.
 */
export interface SubscriptionStore {
  save(record: SubscriptionRecord): Promise<void>;
  update(record: SubscriptionRecord): Promise<void>;
  remove(id: string): Promise<void>;
  /** Every stored subscription (of every event package). */
  loadAll(): Promise<Iterable<SubscriptionRecord>> | AsyncIterable<SubscriptionRecord>;
}
