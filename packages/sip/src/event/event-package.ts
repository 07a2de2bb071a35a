import type { Logger, MetricsRegistry } from '@beckon/ops';
import type { SipRequest } from '../message/sip-request.js';
import type { Flow } from '../transport/transport-types.js';
import type { ServerContext } from '../ua/server-context.js';
import type { HeaderInit } from '../ua/server-context.js';
import type { NotifierSubscription } from './notifier-subscription.js';

/** What an event package plug-in is built from (js-libp2p style `(components, init)`). */
export interface EventPackageComponents {
  log: Logger;
  metrics: MetricsRegistry;
}

/** Builds a package; `init` carries its configuration. */
export type EventPackageFactory<Init> = (components: EventPackageComponents, init: Init) => EventPackage;

/** Body of a NOTIFY. An empty NOTIFY (no body, no Content-Type) is allowed. */
export interface NotifyContent {
  contentType?: string;
  body?: Buffer | string;
  /** Extra header rows for this NOTIFY. */
  headers?: HeaderInit;
}

/** What a package decides about a SUBSCRIBE (outcome values, never exceptions). */
export type SubscribeOutcome =
  | {
      ok: true;
      /** `pending` holds the subscription until `Notifier.activate()` (RFC 6665 §4.2.1.1). Default active. */
      state?: 'active' | 'pending';
      /** Package state, stored with the subscription (JSON-serialisable). */
      packageState?: unknown;
    }
  | { ok: false; status: number; reason?: string; headers?: HeaderInit };

/** Where a SUBSCRIBE stands when the package sees it. */
export interface SubscribeContext {
  readonly server: ServerContext;
  readonly flow: Flow;
  /** The event header's `id` parameter. */
  readonly eventId: string | undefined;
  /** Expiry the notifier will grant (seconds) after negotiation. */
  readonly expires: number;
  /** The subscription being refreshed (undefined for a new one). */
  readonly existing: NotifierSubscription | undefined;
}

/** Why a NOTIFY carrying current state is sent (RFC 6665 §4.2.1.2 "immediately"). */
export type StateNotifyCause = 'created' | 'refreshed' | 'fetch' | 'activated';

/**
 * One SIP event package (RFC 6665 §7). The notifier does the framework work (dialogs, expiry, NOTIFY
 * transactions, persistence); the package decides about subscriptions and writes bodies.
 */
export interface EventPackage {
  /** Event package name as it appears in the Event header, e.g. `management-req` (lowercase). */
  readonly name: string;
  /** Seconds granted when the SUBSCRIBE carries no Expires (RFC 6665 §7.2: "default"). */
  readonly defaultExpires: number;
  /** Below this (except 0) the SUBSCRIBE is answered 423 with Min-Expires. */
  readonly minExpires: number;
  /** Longer requested durations are reduced to this. */
  readonly maxExpires: number;
  /** Media types allowed as SUBSCRIBE bodies (lowercase). Undefined: any; empty list: none. */
  readonly subscribeBodyTypes?: readonly string[];
  /** Decides a new subscription or a refresh (authentication/authorization/body checks). */
  accept(request: SipRequest, ctx: SubscribeContext): SubscribeOutcome | Promise<SubscribeOutcome>;
  /** Body of the NOTIFY sent at once after a subscription is created, refreshed, fetched or activated. */
  initialNotify(sub: NotifierSubscription, cause: StateNotifyCause): NotifyContent | Promise<NotifyContent>;
  /** Told once when a subscription ends, whatever the cause. */
  onTerminated?(sub: NotifierSubscription, reason: string): void;
}
