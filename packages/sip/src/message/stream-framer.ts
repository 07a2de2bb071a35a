// Message framing on stream transports (TCP, TLS).
// RFC 3261 §18.3: "In the case of stream-oriented transports such as TCP, the Content-Length header
// field indicates the size of the body. All SIP implementations MUST be able to use the
// Content-Length header field to find the end of a message when using a stream-based transport."
// §7.5: "Implementations processing SIP messages over stream-oriented transports MUST ignore any
// CRLF appearing before the start-line".
// RFC 5626 §4.4.1: the keep-alive ping is a double CRLF ("\r\n\r\n"); the pong is a single CRLF.

export interface StreamFramerOptions {
  /** Largest message (headers + body) accepted, in bytes. Default 65535. */
  maxMessageSize?: number;
}

/**
 * One framer output: a complete message (`data` is the message bytes, without leading CRLFs;
 * it may share memory with the pushed chunks), a keep-alive `ping` (CRLFCRLF received: answer
 * with CRLF) or a `pong` (a lone CRLF received).
 */
export type FramedMessage = { kind: 'message'; data: Buffer } | { kind: 'ping' } | { kind: 'pong' };

/** A framing failure. The stream cannot be resynchronised: the transport should close it. */
export interface FramerError {
  kind: 'error';
  code: 'missing-content-length' | 'bad-content-length' | 'too-large';
  reason: string;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);

/** Content-Length from a header block: number, -1 when absent, -2 when malformed/conflicting. */
function contentLengthOf(head: string): number {
  let cl = -1;
  let ls = head.indexOf('\n') + 1; // skip the start line
  while (ls > 0 && ls < head.length) {
    let le = head.indexOf('\n', ls);
    if (le < 0) le = head.length;
    const colon = head.indexOf(':', ls);
    if (colon > ls && colon < le) {
      const name = head.slice(ls, colon).trim().toLowerCase();
      if (name === 'content-length' || name === 'l') {
        const v = head.slice(colon + 1, le).trim();
        if (!/^\d{1,10}$/.test(v)) return -2;
        const n = Number(v);
        if (cl >= 0 && cl !== n) return -2;
        cl = n;
      }
    }
    ls = le + 1;
  }
  return cl;
}

/**
 * Splits a byte stream into SIP messages. Feed every received chunk to `push`; it returns the
 * complete messages, keep-alives and at most one error found so far. After an error the framer
 * is failed and ignores further input.
 */
export class StreamFramer {
  private readonly max: number;
  private pending: Buffer = EMPTY;
  private scanFrom = 0;
  private failed = false;
  private lonePong = false;
  private expected = -1;

  constructor(options?: StreamFramerOptions) {
    this.max = options?.maxMessageSize ?? 65535;
  }

  /** Bytes held waiting for the rest of a message. */
  get buffered(): number {
    return this.pending.length;
  }

  get isFailed(): boolean {
    return this.failed;
  }

  push(chunk: Buffer): Array<FramedMessage | FramerError> {
    const out: Array<FramedMessage | FramerError> = [];
    if (this.failed) return out;
    let buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      if (this.expected < 0 && this.scanFrom === 0) {
        // keep-alives and CRLFs before a start line
        let i = 0;
        let wait = false;
        while (i + 1 < buf.length && buf[i] === 0x0d && buf[i + 1] === 0x0a) {
          if (this.lonePong) {
            // the second half of a ping split over two chunks
            this.lonePong = false;
            out.push({ kind: 'ping' });
            i += 2;
          } else if (i + 3 < buf.length && buf[i + 2] === 0x0d && buf[i + 3] === 0x0a) {
            out.push({ kind: 'ping' });
            i += 4;
          } else if (i + 2 < buf.length) {
            if (buf[i + 2] === 0x0d && i + 3 === buf.length) {
              wait = true; // "\r\n\r": maybe a ping cut short
              break;
            }
            out.push({ kind: 'pong' });
            i += 2;
          } else {
            out.push({ kind: 'pong' });
            this.lonePong = true;
            i += 2;
          }
        }
        if (i > 0) buf = buf.subarray(i);
        if (wait || buf.length === 0) break;
        if (buf[0] === 0x0d && buf.length < 2) break; // a lone CR: wait for what follows
        this.lonePong = false;
      }
      if (this.expected < 0) {
        const headEnd = buf.indexOf(CRLFCRLF, Math.max(0, this.scanFrom - 3));
        if (headEnd < 0) {
          if (buf.length > this.max)
            return this.fail(out, 'too-large', 'header section exceeds the maximum size');
          this.scanFrom = buf.length;
          break;
        }
        const cl = contentLengthOf(buf.toString('latin1', 0, headEnd));
        if (cl === -1)
          return this.fail(out, 'missing-content-length', 'Content-Length is required on streams');
        if (cl === -2) return this.fail(out, 'bad-content-length', 'bad or conflicting Content-Length');
        const total = headEnd + 4 + cl;
        if (total > this.max)
          return this.fail(out, 'too-large', `message of ${total} bytes exceeds ${this.max}`);
        this.expected = total;
      }
      if (buf.length < this.expected) break;
      out.push({ kind: 'message', data: buf.subarray(0, this.expected) });
      buf = buf.subarray(this.expected);
      this.expected = -1;
      this.scanFrom = 0;
    }
    this.pending = buf.length === 0 ? EMPTY : buf;
    return out;
  }

  /** Drops buffered bytes and the failed state. */
  reset(): void {
    this.pending = EMPTY;
    this.scanFrom = 0;
    this.failed = false;
    this.lonePong = false;
    this.expected = -1;
  }

  private fail(
    out: Array<FramedMessage | FramerError>,
    code: FramerError['code'],
    reason: string,
  ): Array<FramedMessage | FramerError> {
    this.failed = true;
    this.pending = EMPTY;
    this.scanFrom = 0;
    this.expected = -1;
    out.push({ kind: 'error', code, reason });
    return out;
  }
}
