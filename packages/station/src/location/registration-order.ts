/**
 * RFC 3261 §10.3 step 7: "If the binding does exist, the registrar checks the Call-ID value. If the
 * Call-ID value in the existing binding differs from the Call-ID value in the request, the binding MUST
 * be removed (if the expiration time is zero) or updated. If they are the same, the registrar compares
 * the CSeq value. If the value is higher than that of the existing binding, it MUST update or remove
 * the binding as above. If not, the update MUST be aborted and the request fails."
 * (Step 6 applies the same rule to each binding removed by `Contact: *`.)
 *
 * Returns 'ok' when the request may update/remove `existing` (or there is none), 'out-of-order' when
 * the whole REGISTER must fail.
 */
export function checkRegistrationOrder(
  existing: { callId: string; cseq: number } | undefined,
  callId: string,
  cseq: number,
): 'ok' | 'out-of-order' {
  if (existing === undefined || existing.callId !== callId) return 'ok';
  return cseq > existing.cseq ? 'ok' : 'out-of-order';
}
