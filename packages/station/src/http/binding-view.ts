import type { BindingRecord } from '../location/index.js';

/** One binding as the REST API shows it. */
export interface BindingView {
  readonly aor: string;
  readonly contact: string;
  readonly instrument?: string;
  readonly instance?: string;
  readonly userAgent?: string;
  /** Contact q-value ('' when absent). */
  readonly q: string;
  readonly expiresAt: string;
  readonly expiresInSec: number;
  readonly receivedAt: string;
  readonly transport?: string;
  /** Where the REGISTER came from (address:port of the flow). */
  readonly source?: string;
  /** SIP-SERVER-MIB sipServerRegUserIndex / sipServerRegContactIndex of this binding. */
  readonly userIndex: number;
  readonly contactIndex: number;
}

export function bindingView(b: BindingRecord, now: number): BindingView {
  const q = b.contactParams?.['q'];
  return {
    aor: b.aor,
    contact: b.contact,
    ...(b.instrument !== undefined ? { instrument: b.instrument } : {}),
    ...(b.instance !== undefined ? { instance: b.instance } : {}),
    ...(b.userAgent !== undefined ? { userAgent: b.userAgent } : {}),
    q: typeof q === 'string' ? q : '',
    expiresAt: new Date(b.expiresAt).toISOString(),
    expiresInSec: Math.max(0, Math.round((b.expiresAt - now) / 1000)),
    receivedAt: new Date(b.receivedAt).toISOString(),
    ...(b.flow
      ? { transport: b.flow.transport, source: `${b.flow.remoteAddress}:${b.flow.remotePort}` }
      : {}),
    userIndex: b.userIndex,
    contactIndex: b.contactIndex,
  };
}
