/**
 * A small, fast framer that cuts a byte stream (TCP, TLS) into whole SIP messages without parsing them.
 *
 * RFC 3261 §18.3: "In the case of stream-oriented transports such as TCP, the Content-Length header
 * field indicates the size of the body. All implementations MUST support this. ... the Content-Length
 * header field MUST be used with stream oriented transports."
 *
 * RFC 3261 §7.5: "Implementations processing SIP messages over stream-oriented transports MUST ignore
 * any CRLF appearing before the start-line".
 *
 * RFC 5626 §4.4.1: "the keep-alive request is a double-CRLF (the "ping") ... the response is a single
 * CRLF (the "pong")".
 */

export type FramerLiteError = 'missing-content-length' | 'bad-content-length' | 'too-large';

export interface FramerSink {
  onMessage(message: Buffer): void;
  onPing(): void;
  onPong(): void;
  onError(error: FramerLiteError): void;
}

const CR = 13;
const LF = 10;
const COLON = 58;
const SP = 32;
const HTAB = 9;
const HEADER_END = Buffer.from('\r\n\r\n');

export class StreamFramerLite {
  private pending: Buffer | undefined;
  /** A single CRLF ended the previous chunk: it is a pong, unless a second CRLF follows (a split ping). */
  private lastWasLoneCrlf = false;
  private failed = false;
  /** Where the header end search resumes inside `pending` (avoids rescanning). */
  private scanFrom = 0;

  constructor(
    private readonly sink: FramerSink,
    private readonly maxMessageSize: number,
  ) {}

  get bufferedBytes(): number {
    return this.pending ? this.pending.length : 0;
  }

  push(chunk: Buffer): void {
    if (this.failed) return;
    let buf: Buffer;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    } else {
      buf = chunk;
    }
    let pos = 0;
    const len = buf.length;
    while (pos < len) {
      // Leading CRLFs: keep-alives or noise before a start-line.
      if (buf[pos] === CR || buf[pos] === LF) {
        const r = this.consumeCrlf(buf, pos);
        if (r < 0) {
          // Need more bytes to decide.
          this.keep(buf, pos, 0);
          return;
        }
        pos = r;
        continue;
      }
      this.lastWasLoneCrlf = false;
      const from = this.scanFrom > 0 ? pos + this.scanFrom : pos;
      const hdrEnd = buf.indexOf(HEADER_END, from);
      if (hdrEnd < 0) {
        if (len - pos > this.maxMessageSize) return this.fail('too-large');
        // Resume 3 bytes back so a terminator split across chunks is still found.
        this.keep(buf, pos, Math.max(0, len - pos - 3));
        return;
      }
      this.scanFrom = 0;
      const bodyStart = hdrEnd + 4;
      const cl = findContentLength(buf, pos, hdrEnd + 2);
      if (cl === -1) return this.fail('missing-content-length');
      if (cl === -2) return this.fail('bad-content-length');
      const total = bodyStart - pos + cl;
      if (total > this.maxMessageSize) return this.fail('too-large');
      if (len - pos < total) {
        this.keep(buf, pos, 0);
        // Remember that the headers are complete: the search would find the same terminator again.
        this.scanFrom = hdrEnd - pos;
        return;
      }
      const msg = buf.subarray(pos, pos + total);
      pos += total;
      this.sink.onMessage(msg);
      if (this.failed) return;
    }
  }

  /** Drops buffered bytes (for example when the connection closes). */
  reset(): void {
    this.pending = undefined;
    this.scanFrom = 0;
    this.lastWasLoneCrlf = false;
  }

  private keep(buf: Buffer, pos: number, scanFrom: number): void {
    // Copy so that a small remainder does not pin a large socket chunk.
    this.pending = Buffer.from(buf.subarray(pos));
    this.scanFrom = scanFrom;
  }

  private fail(e: FramerLiteError): void {
    this.failed = true;
    this.pending = undefined;
    this.sink.onError(e);
  }

  /**
   * Consumes CR/LF bytes at `pos`. Returns the new position, or -1 when more bytes are needed.
   * CRLFCRLF is a ping; a CRLF at the end of the data is taken as a pong.
   */
  private consumeCrlf(buf: Buffer, pos: number): number {
    const len = buf.length;
    if (buf[pos] === LF) {
      // Stray LF: ignore it.
      return pos + 1;
    }
    // buf[pos] === CR
    if (pos + 1 >= len) return -1;
    if (buf[pos + 1] !== LF) return pos + 1; // stray CR
    if (this.lastWasLoneCrlf) {
      // The second half of a ping split across chunks.
      this.lastWasLoneCrlf = false;
      this.sink.onPing();
      return pos + 2;
    }
    if (pos + 2 >= len) {
      this.lastWasLoneCrlf = true;
      this.sink.onPong();
      return pos + 2;
    }
    if (buf[pos + 2] === CR) {
      if (pos + 3 >= len) return -1;
      if (buf[pos + 3] === LF) {
        this.sink.onPing();
        return pos + 4;
      }
    }
    // CRLF before a start-line: ignored.
    return pos + 2;
  }
}

/**
 * Finds Content-Length (or compact `l`) in the header block [start, end) and returns its value;
 * -1 if absent, -2 if malformed. Byte-level scan: no string conversion of the message.
 */
export function findContentLength(buf: Buffer, start: number, end: number): number {
  let line = start;
  let found = -1;
  while (line < end) {
    let nl = buf.indexOf(LF, line);
    if (nl < 0 || nl > end) nl = end;
    const c = buf[line];
    let nameEnd = -1;
    if (c === 0x6c || c === 0x4c) {
      // 'l' or 'L': compact form, or not a match.
      let p = line + 1;
      while (p < nl && (buf[p] === SP || buf[p] === HTAB)) p++;
      if (buf[p] === COLON) nameEnd = p;
    } else if ((c === 0x63 || c === 0x43) && nl - line > 15 && matchesContentLength(buf, line)) {
      let p = line + 14;
      while (p < nl && (buf[p] === SP || buf[p] === HTAB)) p++;
      if (buf[p] === COLON) nameEnd = p;
    }
    if (nameEnd >= 0) {
      const v = parseDecimal(buf, nameEnd + 1, nl);
      if (v < 0) return -2;
      if (found >= 0 && found !== v) return -2;
      found = v;
    }
    line = nl + 1;
  }
  return found;
}

const CONTENT_LENGTH = Buffer.from('content-length');

function matchesContentLength(buf: Buffer, at: number): boolean {
  for (let i = 0; i < 14; i++) {
    const b = buf[at + i] as number;
    // ASCII lower-casing of letters; '-' is unaffected by | 0x20.
    if ((b | 0x20) !== CONTENT_LENGTH[i]) return false;
  }
  return true;
}

function parseDecimal(buf: Buffer, from: number, to: number): number {
  let p = from;
  while (p < to && (buf[p] === SP || buf[p] === HTAB)) p++;
  let v = 0;
  let digits = 0;
  while (p < to) {
    const b = buf[p] as number;
    if (b < 0x30 || b > 0x39) break;
    v = v * 10 + (b - 0x30);
    digits++;
    if (digits > 9) return -1;
    p++;
  }
  while (p < to && (buf[p] === SP || buf[p] === HTAB || buf[p] === CR)) p++;
  if (digits === 0 || p !== to) return -1;
  return v;
}
