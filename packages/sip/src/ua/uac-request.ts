import type { DigestClient } from '../auth/digest-client.js';
import { Dialog } from '../dialog/dialog.js';
import { createResponse } from '../message/create-response.js';
import { SipRequest } from '../message/sip-request.js';
import type { SipResponse } from '../message/sip-response.js';
import type { TransactionChannel } from '../transaction/transaction-channel.js';
import type { TransactionLayer } from '../transaction/transaction-layer.js';
import type { ClientTransactionUser } from '../transaction/transaction-user.js';
import type { Logger } from '@beckon/ops';
import type { EndpointMetrics } from './endpoint-metrics.js';

export interface RequestCredentials {
  username: string;
  password: string;
  /** Only answer challenges of this realm. */
  realm?: string;
}

export interface RequestOptions {
  /** Answer one 401/407 challenge with digest credentials (RFC 3261 §22.2, §22.3). */
  credentials?: RequestCredentials;
  /** Called with each provisional response (1xx), in order. */
  onProvisional?: (res: SipResponse) => void;
  /**
   * INVITE only: send the ACK for every 2xx (RFC 3261 §13.2.2.4), default true. The ACK has no body and
   * goes to the INVITE's next hop (not re-resolved from the dialog's route set / remote target).
   */
  autoAck?: boolean;
  /**
   * INVITE only: aborting sends a CANCEL (RFC 3261 §9.1) once a provisional response has arrived; the
   * promise then normally resolves with the INVITE's 487.
   */
  signal?: AbortSignal;
  /**
   * Non-INVITE only: the caller hands the request over (built for this one send and not used again), so
   * the Via is added to it in place instead of to a copy.
   */
  owned?: boolean;
}

/** What one send of a UAC request needs from the endpoint. */
export interface UacHost {
  readonly log: Logger;
  readonly metrics: EndpointMetrics;
  readonly transactions: TransactionLayer;
  readonly digest: DigestClient;
  /** A fresh RFC 3261 branch (magic cookie + randomness). */
  newBranch(): string;
}

/** Where one attempt goes: its channel and the Via it carries. */
export interface UacRoute {
  channel: TransactionChannel;
  /** `UDP`, `TCP`, `TLS`, `WS` (sent-protocol transport). */
  viaTransport: string;
  /** `host:port` for the Via sent-by. */
  sentBy: string;
}

/**
 * Runs one UAC request to its final response (RFC 3261 §8.1): adds the Via (fresh branch, `rport` per
 * RFC 3581 §3), runs a client transaction, answers one digest challenge, and turns transaction failures
 * into the responses §8.1.3.1 prescribes: "a timeout [...] MUST be treated as if a 408 (Request Timeout)
 * status code has been received" and a transport failure "MUST be treated as if a 503 (Service
 * Unavailable) status code has been received". The promise never rejects.
 *
 * The request passed in is not modified (a copy carries the Via), unless `opts.owned` is true.
 */
export function runUacRequest(
  host: UacHost,
  request: SipRequest,
  route: UacRoute,
  opts: RequestOptions = NO_OPTIONS,
): Promise<SipResponse> {
  return new Promise<SipResponse>((resolve) => {
    if (request.method === 'INVITE') attempt(host, request, route, opts, false, resolve);
    else new NonInviteAttempt(host, request, route, opts, resolve).start(false, opts.owned === true);
  });
}

const NO_OPTIONS: RequestOptions = Object.freeze({});

/**
 * One non-INVITE request (and its digest retry): the client transaction's user, as one object instead of
 * a closure per callback. Non-INVITE requests have no ACK and no CANCEL (§9.1: CANCEL is for INVITE).
 */
class NonInviteAttempt implements ClientTransactionUser<SipResponse> {
  private settled = false;
  private authTried = false;
  private req: SipRequest | undefined;

  constructor(
    private readonly host: UacHost,
    private original: SipRequest,
    private readonly route: UacRoute,
    private readonly opts: RequestOptions,
    private readonly resolve: (res: SipResponse) => void,
  ) {}

  start(authTried: boolean, owned: boolean): void {
    this.authTried = authTried;
    this.settled = false;
    const req = owned ? this.original : this.original.clone();
    const branch = addVia(this.host, req, this.route);
    this.req = req;
    const created = this.host.transactions.createClient(req, this.route.channel, this, branch);
    if (!created.ok) {
      this.host.log.warn({ error: created.error }, 'client transaction not created');
      this.settle(createResponse(req, 503, 'Service Unavailable').markLocal('no-route'));
      return;
    }
    this.host.metrics.requestOut(req.method);
    created.transaction.start();
  }

  onResponse(res: SipResponse): void {
    if (res.status < 200) {
      if (!this.settled) this.opts.onProvisional?.(res);
      return;
    }
    if (this.settled) return;
    const cred = this.opts.credentials;
    if ((res.status === 401 || res.status === 407) && cred && !this.authTried) {
      const retry = authorizedRetry(this.host, this.original, res, cred, this.req === this.original);
      if (retry) {
        this.original = retry;
        this.start(true, true);
        return;
      }
    }
    this.settle(res);
  }

  onTimeout(): void {
    this.settle(createResponse(this.req as SipRequest, 408, 'Request Timeout').markLocal('timeout'));
  }

  onTransportError(err: Error): void {
    const req = this.req as SipRequest;
    this.host.log.debug({ err: err.message, method: req.method }, 'request transport error');
    this.settle(createResponse(req, 503, 'Service Unavailable').markLocal('transport-error'));
  }

  private settle(res: SipResponse): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve(res);
  }
}

/**
 * §8.1.1.7: "the branch parameter [...] MUST be unique across space and time"; RFC 3581 §3: "The client
 * SHOULD include [the rport] parameter" (valueless) so the response comes back to the source port.
 * §8.1.1.6: "A UAC MUST insert a Max-Forwards header field into each request it originates with a value
 * that SHOULD be 70."
 */
function addVia(host: UacHost, req: SipRequest, route: UacRoute): string {
  const branch = host.newBranch();
  req.prepend('Via', `SIP/2.0/${route.viaTransport} ${route.sentBy};branch=${branch};rport`);
  if (!req.has('max-forwards')) req.add('Max-Forwards', '70');
  return branch;
}

function attempt(
  host: UacHost,
  original: SipRequest,
  route: UacRoute,
  opts: RequestOptions,
  authTried: boolean,
  resolve: (res: SipResponse) => void,
): void {
  const req = original.clone();
  addVia(host, req, route);
  let settled = false;
  const acks = new Map<string, Buffer>();
  let detach = (): void => {};
  const settle = (res: SipResponse): void => {
    if (settled) return;
    settled = true;
    detach();
    resolve(res);
  };
  // §9.1: an INVITE is cancelled once a provisional response arrived ("If no provisional response has been
  // received, the CANCEL request MUST NOT be sent; rather, the client MUST wait for the arrival of a
  // provisional response before sending the request.")
  let provisional = false;
  let cancelWanted = false;
  let cancelSent = false;
  const sendCancelOnce = (): void => {
    if (cancelSent || settled) return;
    cancelSent = true;
    sendCancel(host, req, route);
  };
  const signal = req.method === 'INVITE' ? opts.signal : undefined;
  const onAbort = (): void => {
    cancelWanted = true;
    if (provisional) sendCancelOnce();
  };
  const created = host.transactions.createClient(req, route.channel, {
    onResponse(res: SipResponse): void {
      if (res.status < 200) {
        provisional = true;
        if (cancelWanted) sendCancelOnce();
        if (!settled) opts.onProvisional?.(res);
        return;
      }
      detach();
      if (req.method === 'INVITE' && res.status < 300 && opts.autoAck !== false)
        ack2xx(host, req, res, route, acks);
      if (settled) return;
      if ((res.status === 401 || res.status === 407) && opts.credentials && !authTried) {
        const retry = authorizedRetry(host, original, res, opts.credentials, false);
        if (retry) {
          settled = true;
          attempt(host, retry, route, opts, true, resolve);
          return;
        }
      }
      settle(res);
    },
    onTimeout(): void {
      settle(createResponse(req, 408, 'Request Timeout').markLocal('timeout'));
    },
    onTransportError(err: Error): void {
      host.log.debug({ err: err.message, method: req.method }, 'request transport error');
      settle(createResponse(req, 503, 'Service Unavailable').markLocal('transport-error'));
    },
  });
  if (!created.ok) {
    host.log.warn({ error: created.error }, 'client transaction not created');
    settle(createResponse(req, 503, 'Service Unavailable').markLocal('no-route'));
    return;
  }
  host.metrics.requestOut(req.method);
  created.transaction.start();
  if (signal) {
    if (signal.aborted) onAbort();
    else {
      signal.addEventListener('abort', onAbort, { once: true });
      detach = () => signal.removeEventListener('abort', onAbort);
    }
  }
}

/**
 * §9.1: "The Request-URI, Call-ID, To, the numeric part of CSeq, and From header fields in the CANCEL
 * request MUST be identical to those in the request being cancelled, including tags. A CANCEL constructed
 * by a client MUST have only a single Via header field value matching the top Via value in the request
 * being cancelled. [...] If the request being cancelled contains a Route header field, the CANCEL request
 * MUST include that Route header field's values." Sent in its own non-INVITE client transaction over the
 * same channel; its response is not reported (the INVITE's 487 is).
 */
function sendCancel(host: UacHost, invite: SipRequest, route: UacRoute): void {
  const cancel = new SipRequest('CANCEL', invite.uri, invite.rawUri);
  const via = invite.getAll('via')[0];
  if (via !== undefined) cancel.add('Via', via);
  cancel.add('Max-Forwards', '70');
  for (const r of invite.getRows('route')) cancel.add('Route', r);
  for (const h of ['From', 'To', 'Call-ID']) {
    const v = invite.get(h);
    if (v !== undefined) cancel.add(h, v);
  }
  const cseq = invite.tryCSeq();
  if (!cseq.ok) return;
  cancel.add('CSeq', `${cseq.value.seq} CANCEL`);
  const quiet = (what: string) => () => host.log.debug({ callId: invite.get('call-id') }, `CANCEL ${what}`);
  const created = host.transactions.createClient(cancel, route.channel, {
    onResponse: () => {},
    onTimeout: quiet('timed out'),
    onTransportError: quiet('not sent'),
  });
  if (!created.ok) return;
  host.metrics.requestOut('CANCEL');
  created.transaction.start();
}

/**
 * §22.2: "When a UAC resubmits a request with its credentials after receiving a 401 (Unauthorized) or 407
 * (Proxy Authentication Required) response, it MUST increment the CSeq header field value as it would
 * normally when sending an updated request." The Call-ID, From tag and body stay.
 */
function authorizedRetry(
  host: UacHost,
  original: SipRequest,
  res: SipResponse,
  cred: RequestCredentials,
  hasVia: boolean,
): SipRequest | undefined {
  const proxy = res.status === 407;
  const challenges = res.getRows(proxy ? 'proxy-authenticate' : 'www-authenticate');
  if (challenges.length === 0) return undefined;
  const auth = host.digest.authorize({
    challenges,
    username: cred.username,
    password: cred.password,
    method: original.method,
    uri: original.rawUri,
    body: original.body,
    realm: cred.realm,
  });
  if (!auth.ok) {
    host.log.debug({ error: auth.error }, 'digest challenge not answerable');
    return undefined;
  }
  const retry = original.clone();
  // An owned request carries the Via of the first attempt; the retry gets a fresh one.
  if (hasVia) retry.removeFirstValue('via');
  const cseq = original.tryCSeq();
  if (!cseq.ok) return undefined;
  retry.set('CSeq', `${cseq.value.seq + 1} ${cseq.value.method}`);
  retry.set(proxy ? 'Proxy-Authorization' : 'Authorization', auth.value);
  return retry;
}

/**
 * §13.2.2.4: "The UAC core MUST generate an ACK request for each 2xx received from the transaction layer.
 * The header fields of the ACK are constructed in the same way as for any request sent within a dialog
 * [...] with the exception of the CSeq and the header fields related to authentication. The sequence
 * number of the CSeq header field MUST be the same as the INVITE being acknowledged, but the CSeq method
 * MUST be ACK. The ACK MUST contain the same credentials as the INVITE." A retransmitted 2xx (same To tag)
 * gets the same ACK again.
 */
function ack2xx(
  host: UacHost,
  invite: SipRequest,
  res: SipResponse,
  route: UacRoute,
  acks: Map<string, Buffer>,
): void {
  const tag = res.toTag ?? '';
  let data = acks.get(tag);
  if (!data) {
    const d = Dialog.fromUac(invite, res);
    if (!d.ok) {
      host.log.debug({ reason: d.reason }, '2xx to INVITE without dialog: no ACK');
      return;
    }
    const ack = d.dialog.createRequest('ACK', { cseq: invite.cseq().seq });
    ack.prepend('Via', `SIP/2.0/${route.viaTransport} ${route.sentBy};branch=${host.newBranch()};rport`);
    for (const h of ['Authorization', 'Proxy-Authorization'])
      for (const v of invite.getRows(h)) ack.add(h, v);
    data = ack.serialize();
    acks.set(tag, data);
  }
  host.metrics.requestOut('ACK');
  try {
    const p = route.channel.send(data);
    if (p !== undefined) p.then(undefined, (err: unknown) => host.log.debug({ err }, 'ACK not sent'));
  } catch (err) {
    host.log.debug({ err }, 'ACK not sent');
  }
}
