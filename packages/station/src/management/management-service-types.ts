import type { ManagementRequest } from './management-request.js';

/** How subscriptions end when the station shuts down (seed 000 §4.8). */
export interface ShutdownMode {
  reason: 'deactivated' | 'probation';
  /** With `probation`: the retry-after parameter (s). */
  retryAfterSec?: number;
}

export interface ManagementServiceInit {
  /** Seed 000 §4.11 rate limit: least time between two non-empty NOTIFYs to one device (s). Default 30. */
  notifyMinIntervalSec?: number;
  /** Seed 000 §4.4 default subscription duration (s). Default 3600. */
  defaultExpiresSec?: number;
  minExpiresSec?: number;
  maxExpiresSec?: number;
  /** How long a request may stay queued or notified before it expires (s). Default 300. */
  requestTimeoutSec?: number;
  /** Where devices call home (`host:port` as written in the NOTIFY), per carrier. */
  callHome: { tcp?: string; tls?: string };
  /** Default shutdown behaviour (default deactivated). */
  shutdown?: ShutdownMode;
  /** Host in Warning headers. */
  warnAgent?: string;
  /** Clock, epoch ms. */
  now?: () => number;
}

/** What an operator (CLI `beckon mgmt request`, later the REST API) asks for. */
export interface ManagementRequestInput {
  /** Device URI, AOR or instrument id. */
  target: string;
  /** Preferred protocol token (`snmp-ssh`). */
  protocol?: string;
  /** Fail when the device did not offer `protocol` (default: fall back to the device's preference). */
  strict?: boolean;
  /** Seconds before a request that did not lead to a call-home expires (default from init). */
  timeoutSec?: number;
  requestedBy?: string;
}

export type ManagementRequestError = { code: 'bad-target' | 'unknown-protocol' | 'stopped'; message: string };

export type ManagementRequestResult =
  { ok: true; request: ManagementRequest } | { ok: false; error: ManagementRequestError };

/** A call-home connection matched to its requests. */
export interface MatchedSession {
  readonly groupId: string;
  readonly device: string;
  readonly protocol: string;
  readonly requestIds: readonly string[];
}

export type CallHomeMatch =
  { ok: true; session: MatchedSession } | { ok: false; status: number; reason: string };
