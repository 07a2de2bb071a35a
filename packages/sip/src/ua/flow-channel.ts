import type { TransactionChannel } from '../transaction/transaction-channel.js';
import type { Flow, SendResult, SendTarget } from '../transport/transport-types.js';

/** Thrown into the transaction when the transport refuses a send (carries the transport's reason). */
export class TransportSendError extends Error {
  constructor(readonly reason: string) {
    super(`transport send failed: ${reason}`);
    this.name = 'TransportSendError';
  }
}

/** Channels by flow, owned by whoever calls `flowChannel` often (the endpoint keeps one). */
export type FlowChannelCache = WeakMap<Flow, TransactionChannel>;

/**
 * A transaction channel over one existing flow (responses, requests over a known connection). With a
 * cache, the channel is shared by all the transactions on the flow (a UDP server transaction keeps its
 * channel for Timer J, 32 s).
 */
export function flowChannel(flow: Flow, cache?: FlowChannelCache): TransactionChannel {
  if (cache === undefined) return makeFlowChannel(flow);
  let ch = cache.get(flow);
  if (ch === undefined) {
    ch = makeFlowChannel(flow);
    cache.set(flow, ch);
  }
  return ch;
}

function makeFlowChannel(flow: Flow): TransactionChannel {
  return {
    reliable: flow.reliable,
    send(data: Buffer): void {
      const r = flow.send(data);
      if (!r.ok) throw new TransportSendError(r.error);
    },
  };
}

/** The subset of the transport layer a target channel needs. */
export interface TargetSender {
  send(target: SendTarget | Flow, data: Buffer): Promise<SendResult>;
}

/**
 * A transaction channel to a destination: UDP from the listener of the right family; TCP/TLS over a
 * connection the transport layer reuses or opens (RFC 3261 §18.1.1).
 */
export function targetChannel(transport: TargetSender, target: SendTarget): TransactionChannel {
  const dest: SendTarget = { transport: target.transport, address: target.address, port: target.port };
  if (target.local !== undefined) dest.local = { address: target.local.address, port: target.local.port };
  return {
    reliable: target.transport !== 'udp',
    async send(data: Buffer): Promise<void> {
      const r = await transport.send(dest, data);
      if (!r.ok) throw new TransportSendError(r.error);
    },
  };
}
