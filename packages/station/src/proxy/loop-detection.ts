import { createHash } from 'node:crypto';
import type { SipRequest } from '@beckon/sip';

/** Branch prefix of every Via the proxy adds: the RFC 3261 magic cookie and Beckon's marker. */
export const PROXY_BRANCH_PREFIX = 'z9hG4bK-bkp';

/**
 * RFC 3261 §16.6 step 8: "the proxy MAY include [in the branch] a hash of the fields [...] for loop
 * detection"; §16.3 step 4: "If the request contains a Via header field with a sent-by value that equals
 * a value placed into previous requests by the proxy, the request has been forwarded by this element
 * before. The request has either looped or is legitimately spiraling through the element. To determine
 * if the request has looped, the element MAY perform the branch parameter calculation described in Step
 * 8 of Section 16.6 on this message and compare it to the parameter received in that Via header field.
 * If the parameters match, the request has looped. If they differ, the request is spiraling".
 *
 * The hash covers what §16.6 step 8 lists: the Request-URI as received, To tag, From tag, Call-ID, CSeq
 * number, Proxy-Require and Proxy-Authorization, and the Route header.
 */
export function loopHash(req: SipRequest): string {
  const h = createHash('md5');
  h.update(req.rawUri);
  h.update('\u0000' + (req.toTag ?? ''));
  h.update('\u0000' + (req.fromTag ?? ''));
  h.update('\u0000' + (req.get('call-id') ?? ''));
  const cseq = req.tryCSeq();
  h.update('\u0000' + (cseq.ok ? String(cseq.value.seq) : ''));
  h.update('\u0000' + req.getRows('proxy-require').join(','));
  h.update('\u0000' + req.getRows('proxy-authorization').join(','));
  h.update('\u0000' + req.getRows('route').join(','));
  return h.digest('base64url').slice(0, 12);
}

/** True when one of the request's Via values carries a branch this proxy computed for this very request. */
export function hasLooped(req: SipRequest, hash: string): boolean {
  const vias = req.tryVias();
  if (!vias.ok) return false;
  const mine = PROXY_BRANCH_PREFIX + hash + '.';
  for (const v of vias.value) if (v.branch?.startsWith(mine)) return true;
  return false;
}
