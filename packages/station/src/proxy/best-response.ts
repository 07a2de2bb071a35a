/**
 * RFC 3261 §16.7 step 6 (choosing the best response): "A stateful proxy MUST send a final response to a
 * response context's server transaction if no final responses have been immediately forwarded [...] and
 * all client transactions in this response context have been terminated. The proxy MUST choose the
 * 'best' final response among those received and stored in the response context. [...] If there are
 * any 6xx responses, the proxy MUST choose from them [...]. Otherwise, the proxy SHOULD choose from the
 * lowest response class stored in the response context. The proxy MAY select any response within that
 * chosen class. The proxy SHOULD give preference to responses that provide information affecting
 * resubmission of this request, such as 401, 407, 415, 420, and 484 if the 4xx class is chosen."
 * "If no final responses are in the response context, the proxy MUST send a 408 (Request Timeout)".
 *
 * Returns the index of the chosen status in `statuses`, or -1 for an empty list (answer 408).
 */
export function bestResponseIndex(statuses: readonly number[]): number {
  let best = -1;
  let bestRank = Infinity;
  for (let i = 0; i < statuses.length; i++) {
    const rank = rankOf(statuses[i] as number);
    if (rank < bestRank) {
      best = i;
      bestRank = rank;
    }
  }
  return best;
}

const PREFERRED_4XX = new Set([401, 407, 415, 420, 484]);

function rankOf(status: number): number {
  if (status >= 600) return 0;
  const cls = Math.floor(status / 100);
  // Within 4xx the resubmission-relevant ones first; 408 (our own timeout) and 503 last in their class.
  let tweak = 0.5;
  if (cls === 4 && PREFERRED_4XX.has(status)) tweak = 0.1;
  if (status === 408 || status === 503) tweak = 0.9;
  return cls * 10 + tweak;
}
