import { paramValue } from '../grammar/header-params.js';
import { formatNameAddr, parseNameAddr, type NameAddr } from '../grammar/name-addr.js';
import { formatUri, isSipUri, type SipUri, type Uri } from '../grammar/uri.js';
import { SipRequest } from '../message/sip-request.js';
import type { SipResponse } from '../message/sip-response.js';

/** §12: "A dialog can also be in the "early" state [...] and a "confirmed" state". */
export enum DialogState {
  Early = 'early',
  Confirmed = 'confirmed',
  Terminated = 'terminated',
}

/** §12: "A dialog is identified at each UA with a dialog ID, which consists of a Call-ID value, a local
 * tag and a remote tag." */
export interface DialogId {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
}

/** One string per dialog ID, for Map keys. */
export function dialogKey(id: DialogId): string {
  return id.callId + '\u0000' + id.localTag + '\u0000' + id.remoteTag;
}

/** The dialog key of an incoming in-dialog request (local tag = To tag, remote tag = From tag). */
export function dialogKeyOfRequest(req: SipRequest): string | undefined {
  const c = req.tryCallId();
  const local = req.toTag;
  const remote = req.fromTag;
  if (!c.ok || local === undefined || remote === undefined) return undefined;
  return dialogKey({ callId: c.value, localTag: local, remoteTag: remote });
}

export type DialogResult = { ok: true; dialog: Dialog } | { ok: false; reason: string };

/** Outcome of checking an in-dialog request against the dialog (§12.2.2). */
export type InDialogCheck = { ok: true } | { ok: false; status: 500; reason: string };

interface DialogInit {
  state: DialogState;
  id: DialogId;
  localSeq: number | undefined;
  remoteSeq: number | undefined;
  local: NameAddr;
  remote: NameAddr;
  remoteTarget: Uri;
  routeSet: string[];
  secure: boolean;
}

/**
 * Dialog state of RFC 3261 §12: ID, local/remote sequence numbers, local/remote URI, remote target and
 * route set. It builds in-dialog requests (§12.2.1.1) and checks incoming ones (§12.2.2); it owns no
 * transaction and sends nothing.
 */
export class Dialog {
  state: DialogState;
  readonly id: DialogId;
  /** Empty (undefined) for a UAS until it sends its first in-dialog request. */
  localSeq: number | undefined;
  /** Empty (undefined) for a UAC until the peer sends an in-dialog request. */
  remoteSeq: number | undefined;
  readonly local: NameAddr;
  readonly remote: NameAddr;
  remoteTarget: Uri;
  /** Route set as name-addr values, in the order requests carry them. */
  readonly routeSet: readonly string[];
  readonly secure: boolean;

  private constructor(init: DialogInit) {
    this.state = init.state;
    this.id = init.id;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.local = init.local;
    this.remote = init.remote;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.secure = init.secure;
  }

  get key(): string {
    return dialogKey(this.id);
  }

  /**
   * UAS side, §12.1.1: built from the dialog-creating request and the To tag of our response.
   * "The route set MUST be set to the list of URIs in the Record-Route header field from the request,
   * taken in order and preserving all URI parameters. [...] The remote target MUST be set to the URI from
   * the Contact header field of the request. The remote sequence number MUST be set to the value of the
   * sequence number in the CSeq header field of the request. The local sequence number MUST be empty."
   */
  static fromUas(
    request: SipRequest,
    localTag: string,
    opts: { secure?: boolean; state?: DialogState } = {},
  ): DialogResult {
    const callId = request.tryCallId();
    const cseq = request.tryCSeq();
    const from = request.tryFrom();
    const to = request.tryTo();
    if (!callId.ok || !cseq.ok || !from.ok || !to.ok) return { ok: false, reason: 'missing dialog headers' };
    const remoteTag = paramValue(from.value.params, 'tag');
    if (remoteTag === undefined) return { ok: false, reason: 'no From tag' };
    const target = remoteTargetOf(request);
    if (!target.ok) return target;
    return {
      ok: true,
      dialog: new Dialog({
        state: opts.state ?? DialogState.Confirmed,
        id: { callId: callId.value, localTag, remoteTag },
        localSeq: undefined,
        remoteSeq: cseq.value.seq,
        local: bare(to.value),
        remote: bare(from.value),
        remoteTarget: target.uri,
        routeSet: request.getAll('record-route'),
        secure: opts.secure ?? false,
      }),
    };
  }

  /**
   * UAC side, §12.1.2: built from the request and a 1xx-with-tag or 2xx response.
   * "The route set MUST be set to the list of URIs in the Record-Route header field from the response,
   * taken in reverse order and preserving all URI parameters. [...] The remote target MUST be set to the
   * URI from the Contact header field of the response. The local sequence number MUST be set to the value
   * of the sequence number in the CSeq header field of the request. The remote sequence number MUST be
   * empty" and "A dialog can also be in the "early" state, which occurs when it is created with a
   * provisional response".
   */
  static fromUac(request: SipRequest, response: SipResponse, opts: { secure?: boolean } = {}): DialogResult {
    const callId = request.tryCallId();
    const cseq = request.tryCSeq();
    const from = request.tryFrom();
    const to = response.tryTo();
    if (!callId.ok || !cseq.ok || !from.ok || !to.ok) return { ok: false, reason: 'missing dialog headers' };
    const localTag = paramValue(from.value.params, 'tag');
    const remoteTag = paramValue(to.value.params, 'tag');
    if (localTag === undefined) return { ok: false, reason: 'no From tag' };
    if (remoteTag === undefined) return { ok: false, reason: 'no To tag in the response' };
    const target = remoteTargetOf(response);
    if (!target.ok) return target;
    return {
      ok: true,
      dialog: new Dialog({
        state: response.status < 200 ? DialogState.Early : DialogState.Confirmed,
        id: { callId: callId.value, localTag, remoteTag },
        localSeq: cseq.value.seq,
        remoteSeq: undefined,
        local: bare(from.value),
        remote: bare(to.value),
        remoteTarget: target.uri,
        routeSet: response.getAll('record-route').reverse(),
        secure: opts.secure ?? false,
      }),
    };
  }

  /** Early -> Confirmed (a 2xx arrived or was sent). */
  confirm(): void {
    if (this.state === DialogState.Early) this.state = DialogState.Confirmed;
  }

  terminate(): void {
    this.state = DialogState.Terminated;
  }

  /**
   * §12.2.1.1: a request within the dialog. "The URI in the To field of the request MUST be set to the
   * remote URI from the dialog state. The tag in the To header field of the request MUST be set to the
   * remote tag of the dialog ID. The From URI of the request MUST be set to the local URI from the dialog
   * state. The tag in the From header field of the request MUST be set to the local tag of the dialog ID.
   * [...] The Call-ID of the request MUST be set to the Call-ID of the dialog. Requests within a dialog
   * MUST contain strictly monotonically increasing and contiguous CSeq sequence numbers [...] (with the
   * exception of ACK and CANCEL [...], which MUST contain the same CSeq numbers as the requests being
   * acknowledged or cancelled)."
   *
   * `cseq` is required for ACK (the INVITE's number). The local sequence number starts at 1 when empty.
   */
  createRequest(method: string, opts: { cseq?: number } = {}): SipRequest {
    let seq: number;
    if (method === 'ACK' || method === 'CANCEL') {
      seq = opts.cseq ?? this.localSeq ?? 1;
    } else {
      seq = (this.localSeq ?? 0) + 1;
      this.localSeq = seq;
    }
    const { requestUri, routes } = this.routing();
    const req = new SipRequest(method, requestUri);
    req.add('Max-Forwards', '70');
    for (const r of routes) req.add('Route', r);
    req.add('From', formatNameAddr(withTag(this.local, this.id.localTag)));
    req.add('To', formatNameAddr(withTag(this.remote, this.id.remoteTag)));
    req.add('Call-ID', this.id.callId);
    req.add('CSeq', `${seq} ${method}`);
    return req;
  }

  /**
   * The next hop of in-dialog requests before RFC 3263 resolution: the first route when there is a route
   * set, the remote target otherwise.
   */
  nextHop(): Uri {
    const first = this.routeSet[0];
    if (first !== undefined) {
      const p = parseNameAddr(first);
      if (p.ok) return p.value.uri;
    }
    return this.remoteTarget;
  }

  /**
   * §12.2.2: "If the remote sequence number is empty, it MUST be set to the value of the sequence number in
   * the CSeq header field value in the request. If the remote sequence number was not empty, but the
   * sequence number of the request is lower than the remote sequence number, the request is out of order
   * and MUST be rejected with a 500 (Server Internal Error) response." A target refresh request (`refresh`)
   * updates the remote target from its Contact.
   */
  receiveRequest(
    req: SipRequest,
    refresh = req.method === 'INVITE' || req.method === 'UPDATE',
  ): InDialogCheck {
    const cseq = req.tryCSeq();
    if (!cseq.ok) return { ok: false, status: 500, reason: 'bad CSeq' };
    if (req.method !== 'ACK' && req.method !== 'CANCEL') {
      if (this.remoteSeq !== undefined && cseq.value.seq < this.remoteSeq) {
        return { ok: false, status: 500, reason: 'CSeq out of order' };
      }
      this.remoteSeq = cseq.value.seq;
    }
    if (refresh) this.refreshTarget(req);
    return { ok: true };
  }

  /**
   * §12.2.1.2: "When a UAC receives a 2xx response to a target refresh request, it MUST replace the dialog's
   * remote target URI with the URI from the Contact header field in that response, if present." A 2xx also
   * confirms an early dialog.
   */
  receiveResponse(res: SipResponse, refresh: boolean): void {
    if (res.status >= 200 && res.status < 300) {
      this.confirm();
      if (refresh) this.refreshTarget(res);
    }
  }

  private refreshTarget(msg: SipRequest | SipResponse): void {
    const t = remoteTargetOf(msg);
    if (t.ok) this.remoteTarget = t.uri;
  }

  /**
   * §12.2.1.1: "If the route set is empty, the UAC MUST place the remote target URI into the Request-URI.
   * [...] If the route set is not empty, and the first URI in the route set contains the lr parameter
   * [...], the UAC MUST place the remote target URI into the Request-URI and MUST include a Route header
   * field containing the route set values in order [...]. If the route set is not empty, and its first URI
   * does not contain the lr parameter, the UAC MUST place the first URI from the route set into the
   * Request-URI, stripping any parameters that are not allowed in a Request-URI. The UAC MUST add a Route
   * header field containing the remainder of the route set values in order [...]. The UAC MUST then place
   * the remote target URI into the Route header field as the last value."
   */
  private routing(): { requestUri: Uri; routes: string[] } {
    const first = this.routeSet[0];
    if (first === undefined) return { requestUri: this.remoteTarget, routes: [] };
    const p = parseNameAddr(first);
    const firstUri = p.ok ? p.value.uri : undefined;
    if (!firstUri || (isSipUri(firstUri) && firstUri.params.has('lr')) || !isSipUri(firstUri)) {
      return { requestUri: this.remoteTarget, routes: [...this.routeSet] };
    }
    return {
      requestUri: strictRouteRequestUri(firstUri),
      routes: [...this.routeSet.slice(1), '<' + formatUri(this.remoteTarget) + '>'],
    };
  }
}

function remoteTargetOf(
  msg: SipRequest | SipResponse,
): { ok: true; uri: Uri } | { ok: false; reason: string } {
  const c = msg.tryContacts();
  if (!c.ok) return { ok: false, reason: 'bad Contact' };
  const first = c.value[0];
  if (!first || first.star) return { ok: false, reason: 'no Contact' };
  return { ok: true, uri: first.uri };
}

function bare(na: NameAddr): NameAddr {
  const out: NameAddr = { uri: na.uri, params: new Map() };
  if (na.displayName !== undefined) out.displayName = na.displayName;
  return out;
}

function withTag(na: NameAddr, tag: string): NameAddr {
  const params = new Map(na.params);
  params.set('tag', tag);
  return { ...na, params };
}

/** §19.1.1 Table 1: the `method` parameter and URI headers are not allowed in a Request-URI. */
function strictRouteRequestUri(u: SipUri): SipUri {
  const params = new Map(u.params);
  params.delete('method');
  return { ...u, params, headers: new Map() };
}
