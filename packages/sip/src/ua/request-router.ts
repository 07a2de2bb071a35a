import type { SipRequest } from '../message/sip-request.js';
import type { Flow } from '../transport/transport-types.js';
import type { RequestHandler } from './sip-endpoint.js';

/**
 * A request filter (`SipEndpoint.addRequestFilter`): returns the handler that takes this request, or
 * undefined to let the next filter (and finally the method's handler) see it.
 */
export type RequestFilter = (req: SipRequest, flow: Flow) => RequestHandler | undefined;

/** The identifiers of a dialog as seen by this UA (RFC 3261 §12: Call-ID, local tag, remote tag). */
export interface DialogRouteId {
  callId: string;
  localTag: string;
  remoteTag: string;
}

/**
 * Chooses the handler of a new request before the per-method table of the endpoint: dialog routes first,
 * then filters in the order they were added. Lets several users of one endpoint share a method (e.g. an
 * event Notifier and other SUBSCRIBE users, or several subscribers taking NOTIFY for their own dialogs).
 *
 * RFC 3261 §12.2.2: in-dialog requests (those with a To tag) are matched to a dialog by Call-ID, local tag
 * (their To tag) and remote tag (their From tag).
 */
export class RequestRouter {
  private readonly filters: RequestFilter[] = [];
  private readonly dialogs = new Map<string, RequestHandler>();

  /** The handler that claims `req`, or undefined (the method handler then applies). */
  claim(req: SipRequest, flow: Flow): RequestHandler | undefined {
    if (this.dialogs.size > 0) {
      const toTag = req.toTag;
      if (toTag !== undefined) {
        const h = this.dialogs.get(dialogKey(req.callId, toTag, req.fromTag ?? ''));
        if (h) return h;
      }
    }
    for (let i = 0; i < this.filters.length; i++) {
      const h = (this.filters[i] as RequestFilter)(req, flow);
      if (h) return h;
    }
    return undefined;
  }

  /** Adds a filter; returns its remover. */
  addFilter(filter: RequestFilter): () => void {
    this.filters.push(filter);
    return () => {
      const i = this.filters.indexOf(filter);
      if (i >= 0) this.filters.splice(i, 1);
    };
  }

  /** Routes one dialog's in-dialog requests to `handler` (replacing an earlier route); returns its remover. */
  addDialog(dialog: DialogRouteId, handler: RequestHandler): () => void {
    const key = dialogKey(dialog.callId, dialog.localTag, dialog.remoteTag);
    this.dialogs.set(key, handler);
    return () => {
      if (this.dialogs.get(key) === handler) this.dialogs.delete(key);
    };
  }

  /** Number of dialog routes (diagnostics). */
  get dialogCount(): number {
    return this.dialogs.size;
  }
}

function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return callId + '\n' + localTag + '\n' + remoteTag;
}
