import { randomBytes } from 'node:crypto';

/**
 * A minimal WebSocket frame codec (RFC 6455 §5) for SIP over WebSocket (RFC 7118): text and binary
 * messages, fragmentation, masking, ping/pong and close.
 *
 * RFC 6455 §5.2:
 *   FIN(1) RSV1-3(3) opcode(4) | MASK(1) payload len(7) [ext len 16/64] [masking-key 32] payload
 * RFC 6455 §5.1: "a client MUST mask all frames that it sends to the server ... The server MUST close
 * the connection upon receiving a frame that is not masked ... A server MUST NOT mask any frames that it
 * sends to the client. A client MUST close a connection if it detects a masked frame."
 */

export const WsOpcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;
export type WsOpcode = (typeof WsOpcode)[keyof typeof WsOpcode];

export type WsDecodeError = 'protocol-error' | 'too-large' | 'mask-violation';

export interface WsFrameSink {
  /** A complete data message (all fragments joined). */
  onMessage(payload: Buffer, binary: boolean): void;
  onPing(payload: Buffer): void;
  onPong(payload: Buffer): void;
  onClose(code: number, reason: string): void;
  onError(error: WsDecodeError): void;
}

export class WsFrameDecoder {
  private pending: Buffer | undefined;
  private fragments: Buffer[] = [];
  private fragmentBytes = 0;
  private fragmentBinary = false;
  private inFragmentedMessage = false;
  private failed = false;

  /**
   * @param expectMasked true on the server side (frames from clients are masked), false on the client.
   */
  constructor(
    private readonly sink: WsFrameSink,
    private readonly expectMasked: boolean,
    private readonly maxMessageSize: number,
  ) {}

  push(chunk: Buffer): void {
    if (this.failed) return;
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    let pos = 0;
    while (!this.failed) {
      const avail = buf.length - pos;
      if (avail < 2) break;
      const b0 = buf[pos] as number;
      const b1 = buf[pos + 1] as number;
      const fin = (b0 & 0x80) !== 0;
      const opcode = b0 & 0x0f;
      if ((b0 & 0x70) !== 0) return this.fail('protocol-error');
      const masked = (b1 & 0x80) !== 0;
      if (masked !== this.expectMasked) return this.fail('mask-violation');
      let len = b1 & 0x7f;
      let hdr = 2;
      if (len === 126) {
        if (avail < 4) break;
        len = buf.readUInt16BE(pos + 2);
        hdr = 4;
      } else if (len === 127) {
        if (avail < 10) break;
        const hi = buf.readUInt32BE(pos + 2);
        const lo = buf.readUInt32BE(pos + 6);
        if (hi !== 0 || lo > this.maxMessageSize) return this.fail('too-large');
        len = lo;
        hdr = 10;
      }
      const isControl = opcode >= 0x8;
      if (isControl && (len > 125 || !fin)) return this.fail('protocol-error');
      if (len > this.maxMessageSize) return this.fail('too-large');
      const maskAt = pos + hdr;
      if (masked) hdr += 4;
      if (avail < hdr + len) break;
      const start = pos + hdr;
      let payload = buf.subarray(start, start + len);
      if (masked) {
        // Unmask into a copy: the input buffer may be shared.
        const out = Buffer.allocUnsafe(len);
        const m0 = buf[maskAt] as number;
        const m1 = buf[maskAt + 1] as number;
        const m2 = buf[maskAt + 2] as number;
        const m3 = buf[maskAt + 3] as number;
        for (let i = 0; i < len; i++) {
          const m = (i & 3) === 0 ? m0 : (i & 3) === 1 ? m1 : (i & 3) === 2 ? m2 : m3;
          out[i] = (payload[i] as number) ^ m;
        }
        payload = out;
      }
      pos = start + len;
      this.frame(fin, opcode, payload);
    }
    if (!this.failed && pos < buf.length) this.pending = Buffer.from(buf.subarray(pos));
  }

  private frame(fin: boolean, opcode: number, payload: Buffer): void {
    switch (opcode) {
      case WsOpcode.Ping:
        return this.sink.onPing(payload);
      case WsOpcode.Pong:
        return this.sink.onPong(payload);
      case WsOpcode.Close: {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        const reason = payload.length > 2 ? payload.subarray(2).toString('utf8') : '';
        return this.sink.onClose(code, reason);
      }
      case WsOpcode.Text:
      case WsOpcode.Binary:
        if (this.inFragmentedMessage) return this.fail('protocol-error');
        if (fin) return this.sink.onMessage(payload, opcode === WsOpcode.Binary);
        this.inFragmentedMessage = true;
        this.fragmentBinary = opcode === WsOpcode.Binary;
        this.fragments = [payload];
        this.fragmentBytes = payload.length;
        return;
      case WsOpcode.Continuation: {
        if (!this.inFragmentedMessage) return this.fail('protocol-error');
        this.fragmentBytes += payload.length;
        if (this.fragmentBytes > this.maxMessageSize) return this.fail('too-large');
        this.fragments.push(payload);
        if (!fin) return;
        const whole = Buffer.concat(this.fragments, this.fragmentBytes);
        this.fragments = [];
        this.fragmentBytes = 0;
        this.inFragmentedMessage = false;
        return this.sink.onMessage(whole, this.fragmentBinary);
      }
      default:
        return this.fail('protocol-error');
    }
  }

  private fail(e: WsDecodeError): void {
    this.failed = true;
    this.pending = undefined;
    this.fragments = [];
    this.sink.onError(e);
  }
}

/** One unfragmented frame; `mask` on the client side. */
export function encodeWsFrame(opcode: WsOpcode, payload: Buffer, mask: boolean): Buffer {
  const len = payload.length;
  const extLen = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const hdr = 2 + extLen + (mask ? 4 : 0);
  const out = Buffer.allocUnsafe(hdr + len);
  out[0] = 0x80 | opcode;
  const mbit = mask ? 0x80 : 0;
  if (extLen === 0) out[1] = mbit | len;
  else if (extLen === 2) {
    out[1] = mbit | 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = mbit | 127;
    out.writeUInt32BE(0, 2);
    out.writeUInt32BE(len, 6);
  }
  if (!mask) {
    payload.copy(out, hdr);
    return out;
  }
  const key = randomBytes(4);
  key.copy(out, 2 + extLen);
  for (let i = 0; i < len; i++) out[hdr + i] = (payload[i] as number) ^ (key[i & 3] as number);
  return out;
}

/** Close frame payload: status code + UTF-8 reason. */
export function closePayload(code: number, reason = ''): Buffer {
  const r = Buffer.from(reason, 'utf8');
  const b = Buffer.allocUnsafe(2 + r.length);
  b.writeUInt16BE(code, 0);
  r.copy(b, 2);
  return b;
}
