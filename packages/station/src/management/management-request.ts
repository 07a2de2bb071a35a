/**
 * A management request: an operator asked for a management session with one device (seed 000 §4.8:
 * "When a management session with the managed device is desired (the mechanism for communicating this
 * to the notifier is outside the scope of this specification)"). Its life is an explicit state machine:
 *
 *   queued ──► notified ──► session-open ──► done
 *     │  ▲         │               └──────► failed
 *     │  └─────────┤ (NOTIFY failed: wait for the device to subscribe again)
 *     ├──► failed  ├──► failed
 *     └──► expired └──► expired
 */
export enum ManagementRequestState {
  /** Waiting for a subscription of the device, or for the NOTIFY rate limit (§4.11). */
  Queued = 'queued',
  /** The non-empty NOTIFY was accepted by the device; waiting for its call-home connection. */
  Notified = 'notified',
  /** The device called home with this request's identity; the session handler has the connection. */
  SessionOpen = 'session-open',
  Done = 'done',
  Failed = 'failed',
  /** The deadline passed before the device called home. */
  Expired = 'expired',
}

const NEXT: Record<ManagementRequestState, readonly ManagementRequestState[]> = {
  [ManagementRequestState.Queued]: [
    ManagementRequestState.Notified,
    ManagementRequestState.Failed,
    ManagementRequestState.Expired,
  ],
  [ManagementRequestState.Notified]: [
    ManagementRequestState.SessionOpen,
    ManagementRequestState.Queued,
    ManagementRequestState.Failed,
    ManagementRequestState.Expired,
  ],
  [ManagementRequestState.SessionOpen]: [ManagementRequestState.Done, ManagementRequestState.Failed],
  [ManagementRequestState.Done]: [],
  [ManagementRequestState.Failed]: [],
  [ManagementRequestState.Expired]: [],
};

/** True when the state machine allows `from -> to`. */
export function canTransition(from: ManagementRequestState, to: ManagementRequestState): boolean {
  return NEXT[from].includes(to);
}

export function isFinalState(s: ManagementRequestState): boolean {
  return NEXT[s].length === 0;
}

/** One request as stored (plain data). */
export interface ManagementRequest {
  /** Public id (shown to the operator). */
  readonly id: string;
  /** The target as the operator gave it: device URI, AOR or instrument id. */
  readonly target: string;
  /** Preferred protocol token, if any. */
  readonly preferred: string | null;
  /** Fail instead of falling back when the device did not offer the preferred protocol. */
  readonly strict: boolean;
  /** Who asked (operator name, `cli`, `api`). */
  readonly requestedBy: string | null;
  state: ManagementRequestState;
  /** Canonical device id once the target matched a subscription (`inst:...` or `uri:...`). */
  device: string | null;
  /** Protocol chosen from what the device offered. */
  protocol: string | null;
  /**
   * Identity of the NOTIFY this request rides on (the `req` parameter / hello request-id): a secret,
   * shared by requests coalesced into one NOTIFY.
   */
  groupId: string | null;
  subscriptionId: string | null;
  /** Epoch ms. */
  readonly createdAt: number;
  updatedAt: number;
  /** Epoch ms: queued or notified past this instant -> expired. */
  readonly deadlineAt: number;
  notifiedAt: number | null;
  /** Reason of the last transition (failure cause, coalescing note). */
  detail: string | null;
}
