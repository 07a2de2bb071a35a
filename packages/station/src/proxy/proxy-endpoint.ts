import type { Flow, SipRequest, SipResponse } from '@beckon/sip';

/**
 * The parts of the SIP core (`SipEndpoint` of @beckon/sip) the proxy uses, stated structurally so that
 * the proxy depends on behaviour, not on a class: server contexts for the requests it receives and the
 * transaction layer for its client branches.
 */
export interface ProxyServerContext {
  readonly request: SipRequest;
  readonly flow: Flow;
  readonly responded: boolean;
  respond(status: number, reason?: string, headers?: Iterable<readonly [string, string]>): boolean;
  /** Sends a response built by the caller through the server transaction. */
  send(res: SipResponse): boolean;
  /** The server transaction (a proxy forwards a 2xx to INVITE through it directly: no UAS 2xx retransmission). */
  readonly transaction: { respond(status: number, data: Buffer): boolean } | undefined;
  /** Called when a CANCEL for this INVITE arrived (the core has answered it). */
  onCancel(listener: () => void): void;
}

export interface ProxyChannel {
  readonly reliable: boolean;
  send(data: Buffer): void | Promise<void>;
}

export interface ProxyClientUser {
  onResponse(res: SipResponse): void;
  onTimeout(): void;
  onTransportError(err: Error): void;
}

export interface ProxyClientTransaction {
  start(): void;
  readonly terminated: boolean;
}

export type CreateClientOutcome =
  { ok: true; transaction: ProxyClientTransaction } | { ok: false; error: string };

export interface ProxyEndpoint {
  onRequest(method: string, handler: (ctx: ProxyServerContext) => void | Promise<void>): void;
  readonly transactions: {
    createClient(request: SipRequest, channel: ProxyChannel, user: ProxyClientUser): CreateClientOutcome;
  };
}
