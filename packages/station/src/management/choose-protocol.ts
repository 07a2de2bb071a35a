import type { ManagementProtocol, ManagementProtocolRegistry } from './management-protocol-registry.js';
import type { MgmtSubscriptionState } from './management-req-package.js';
import { encodeProtosList, MGMT_PROTOS_LIST_TYPE } from '@beckon/mgmt';
import type { NotifyContent } from '@beckon/sip';

/** Where devices call home, per carrier (`host:port`). */
export interface CallHomeAddressMap {
  tcp?: string;
  tls?: string;
}

/**
 * The protocol for a request: the operator's preference when the device offered it, else the device's
 * first choice the station supports and can serve (a call-home address for its carrier); the device's
 * list order is its preference (docs/mgmt-protos-list.md). Listed tokens count only when the device takes
 * mgmt-protos-list NOTIFYs; Accept-implied ones always (seed 000 §4.6). `strict`: no fallback.
 */
export function chooseProtocol(
  protocols: ManagementProtocolRegistry,
  st: MgmtSubscriptionState,
  opts: { preferred: string | null; strict: boolean; callHome: CallHomeAddressMap },
): ManagementProtocol | undefined {
  const usable: ManagementProtocol[] = [];
  const consider = (t: string): void => {
    const p = protocols.byToken(t);
    if (p && !usable.includes(p) && opts.callHome[p.carrier] !== undefined) usable.push(p);
  };
  if (st.listAccepted) for (const t of st.offered) consider(t);
  for (const t of st.implied) consider(t);
  if (opts.preferred !== null) {
    const hit = usable.find((p) => p.token === opts.preferred);
    if (hit || opts.strict) return hit;
  }
  return usable[0];
}

/**
 * The body of a non-empty NOTIFY. Seed 000 §4.8: "the notifier will form a NOTIFY request containing a
 * message body appropriate to the acceptable types determined from the SUBSCRIBE request." A protocol
 * implied by an Accept type that the device did not also list gets its plug-in's body; everything else
 * is a one-entry mgmt-protos-list with `addr`, `via` and `req` (docs/mgmt-protos-list.md "NOTIFY").
 */
export function buildManagementNotify(
  st: MgmtSubscriptionState,
  p: ManagementProtocol,
  opts: { requestId: string; callHome: CallHomeAddressMap; now: number },
): { ok: true; content: NotifyContent } | { ok: false; error: string } {
  const addr = opts.callHome[p.carrier];
  if (addr === undefined) return { ok: false, error: `no call-home address for ${p.carrier}` };
  const implied = st.implied.includes(p.token) && (!st.listAccepted || !st.offered.includes(p.token));
  if (implied && p.notifyBody)
    return {
      ok: true,
      content: p.notifyBody({
        requestId: opts.requestId,
        token: p.token,
        callHomeAddress: addr,
        carrier: p.carrier,
        now: opts.now,
      }),
    };
  const body = encodeProtosList([
    {
      token: p.token,
      params: [
        ['addr', addr],
        ['via', p.carrier],
        ['req', opts.requestId],
      ],
    },
  ]);
  if (!body.ok) return { ok: false, error: body.error.message };
  return { ok: true, content: { contentType: MGMT_PROTOS_LIST_TYPE, body: body.value } };
}
