import type { Duplex } from 'node:stream';
import type { SnmpTransport, TransportAddress } from './snmp-transport.js';

export interface StreamTransportInit {
  /** Peer description handed to listeners. */
  peer?: TransportAddress;
  /** Largest message accepted; a larger frame closes the stream (default 65535). */
  maxMessageSize?: number;
  onError?(reason: string): void;
}

/**
 * SNMP over a byte stream (RFC 3430 §2.1 Serialization): messages are written back to back and
 * delimited by the length in the outer BER SEQUENCE header; no extra framing is added.
 */
export class StreamTransport implements SnmpTransport {
  readonly connected = true;
  private listener: ((buf: Buffer, from: TransportAddress) => void) | undefined;
  private pending: Buffer = Buffer.alloc(0);
  private readonly peer: TransportAddress;
  private readonly max: number;
  private closed = false;

  constructor(
    private readonly stream: Duplex,
    private readonly init: StreamTransportInit = {},
  ) {
    this.peer = init.peer ?? { address: 'stream', port: 0 };
    this.max = init.maxMessageSize ?? 65535;
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('error', () => this.fail('stream error'));
  }

  private fail(reason: string): void {
    if (this.closed) return;
    this.init.onError?.(reason);
    this.closed = true;
    this.stream.destroy();
  }

  private onData(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (!this.closed) {
      const total = frameLength(this.pending);
      if (total === 0) return; // need more bytes
      if (total < 0 || total > this.max) return this.fail('bad frame');
      if (this.pending.length < total) return;
      const msg = this.pending.subarray(0, total);
      this.pending = this.pending.subarray(total);
      this.listener?.(msg, this.peer);
    }
  }

  send(buf: Buffer): void {
    if (!this.closed) this.stream.write(buf);
  }

  onMessage(cb: (buf: Buffer, from: TransportAddress) => void): void {
    this.listener = cb;
  }

  close(): Promise<void> {
    this.closed = true;
    const st = this.stream;
    if (st.destroyed || st.writableFinished) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        st.off('finish', done);
        st.off('close', done);
        st.off('error', done);
        resolve();
      };
      st.once('finish', done);
      st.once('close', done);
      st.once('error', done);
      st.end();
    });
  }
}

/** Total frame size from the outer SEQUENCE header: 0 = need more data, -1 = not an SNMP message. */
export function frameLength(b: Buffer): number {
  if (b.length < 2) return 0;
  if (b[0] !== 0x30) return -1;
  const l = b[1]!;
  if (l < 0x80) return 2 + l;
  const n = l & 0x7f;
  if (n === 0 || n > 4) return -1;
  if (b.length < 2 + n) return 0;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + b[2 + i]!;
  return 2 + n + len;
}
