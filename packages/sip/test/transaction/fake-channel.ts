import type { TransactionChannel } from '../../src/transaction/transaction-channel.js';

/** Records every send; can be told to fail. */
export class FakeChannel implements TransactionChannel {
  readonly sent: string[] = [];
  failWith: Error | undefined;
  failAsync = false;

  constructor(readonly reliable: boolean) {}

  send(data: Buffer): void | Promise<void> {
    if (this.failWith) {
      const err = this.failWith;
      if (this.failAsync) return Promise.reject(err);
      throw err;
    }
    this.sent.push(data.toString());
  }

  count(what: string): number {
    return this.sent.filter((s) => s === what).length;
  }
}

export interface Recorded {
  responses: number[];
  timeouts: number;
  errors: Error[];
  terminated: number;
  acks: unknown[];
}

export function recorder(): Recorded & {
  onResponse(r: { status: number }): void;
  onTimeout(): void;
  onTransportError(e: Error): void;
  onTerminated(): void;
  onAck(a: unknown): void;
} {
  const r: Recorded = { responses: [], timeouts: 0, errors: [], terminated: 0, acks: [] };
  return Object.assign(r, {
    onResponse: (res: { status: number }) => void r.responses.push(res.status),
    onTimeout: () => void r.timeouts++,
    onTransportError: (e: Error) => void r.errors.push(e),
    onTerminated: () => void r.terminated++,
    onAck: (a: unknown) => void r.acks.push(a),
  });
}
