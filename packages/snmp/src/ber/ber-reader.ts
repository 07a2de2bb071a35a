import type { BerError, BerErrorCode } from './ber-error.js';
import { MAX_ARC, MAX_OID_ARCS, type Oid } from './oid.js';

/**
 * A BER decoder with an offset cursor over one Buffer. Errors are sticky: the first failure is kept in
 * `error` and every later read returns a neutral value, so callers check `error` once per structure.
 *
 * Strictness: definite lengths only (X.690 §8.1.3.6 indefinite form rejected), lengths may not run past
 * the enclosing construct, constructed values must be consumed exactly (no trailing bytes), INTEGER and
 * sub-identifier encodings are bounded in size.
 */
export class BerReader {
  pos: number;
  /** End of the innermost construct being read. */
  end: number;
  error: BerError | undefined;

  constructor(
    readonly buf: Buffer,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  fail(code: BerErrorCode, detail?: string, offset = this.pos): void {
    if (!this.error) this.error = detail === undefined ? { code, offset } : { code, offset, detail };
  }

  get ok(): boolean {
    return this.error === undefined;
  }

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  /** The tag of the next element without consuming it (-1 at end or on error). */
  peekTag(): number {
    if (this.error || this.pos >= this.end) return -1;
    return this.buf[this.pos]!;
  }

  /** Reads a length field; returns -1 on error. */
  private readLength(): number {
    if (this.pos >= this.end) {
      this.fail('truncated', 'missing length');
      return -1;
    }
    const b = this.buf[this.pos++]!;
    if (b < 0x80) return b;
    if (b === 0x80) {
      this.fail('indefiniteLength', undefined, this.pos - 1);
      return -1;
    }
    const n = b & 0x7f;
    if (n > 4) {
      this.fail('lengthTooLong', `${n} length octets`, this.pos - 1);
      return -1;
    }
    if (this.pos + n > this.end) {
      this.fail('truncated', 'length octets');
      return -1;
    }
    let len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + this.buf[this.pos++]!;
    return len;
  }

  /** Reads tag + length (tag must equal `tag` unless tag < 0); returns content length or -1. */
  readHeader(tag: number): number {
    if (this.error) return -1;
    if (this.pos >= this.end) {
      this.fail('truncated', 'missing tag');
      return -1;
    }
    const t = this.buf[this.pos]!;
    if (tag >= 0 && t !== tag) {
      this.fail('unexpectedTag', `expected 0x${tag.toString(16)}, got 0x${t.toString(16)}`);
      return -1;
    }
    if ((t & 0x1f) === 0x1f) {
      this.fail('unexpectedTag', 'multi-byte tags are not used by SNMP');
      return -1;
    }
    this.pos++;
    const len = this.readLength();
    if (len < 0) return -1;
    if (this.pos + len > this.end) {
      this.fail('lengthOverrun', `length ${len} exceeds ${this.end - this.pos} available`);
      return -1;
    }
    return len;
  }

  /** Enters a constructed value; returns the saved outer end for `leave` (or -1 on error). */
  enter(tag: number): number {
    const len = this.readHeader(tag);
    if (len < 0) return -1;
    const saved = this.end;
    this.end = this.pos + len;
    return saved;
  }

  /** Leaves a construct: everything inside must have been consumed. */
  leave(savedEnd: number): void {
    if (this.error) return;
    if (this.pos !== this.end) {
      this.fail('trailingBytes', `${this.end - this.pos} unread bytes in construct`);
      return;
    }
    this.end = savedEnd;
  }

  /** Skips one whole TLV; returns [start, end) of the whole element or undefined. */
  skip(): { start: number; contentStart: number; end: number } | undefined {
    const start = this.pos;
    const len = this.readHeader(-1);
    if (len < 0) return undefined;
    const contentStart = this.pos;
    this.pos += len;
    return { start, contentStart, end: this.pos };
  }

  /** Signed INTEGER content of `len` bytes (max 8 content octets, safe-integer result). */
  private readIntContent(len: number, maxLen: number): number {
    if (len < 1 || len > maxLen) {
      this.fail('badInteger', `integer of ${len} octets`);
      return 0;
    }
    let v = this.buf[this.pos]!;
    if (v & 0x80) v -= 256;
    for (let i = 1; i < len; i++) v = v * 256 + this.buf[this.pos + i]!;
    this.pos += len;
    return v;
  }

  /** INTEGER with tag `tag`, at most 6 content octets (safe as a JS number). */
  readInteger(tag = 0x02): number {
    const len = this.readHeader(tag);
    if (len < 0) return 0;
    return this.readIntContent(len, 6);
  }

  /** Integer32 (RFC 2578 §7.1.1): -2^31..2^31-1. */
  readInteger32(tag = 0x02): number {
    const start = this.pos;
    const v = this.readInteger(tag);
    if (!this.error && (v < -0x80000000 || v > 0x7fffffff)) this.fail('integerRange', `${v}`, start);
    return v;
  }

  /** Unsigned32-based types (Counter32, Gauge32, TimeTicks): 0..2^32-1. */
  readUnsigned32(tag: number): number {
    const start = this.pos;
    const len = this.readHeader(tag);
    if (len < 0) return 0;
    let v = this.readIntContent(len, 5);
    // Some agents encode 2^31..2^32-1 in 4 octets without the leading zero; read those as unsigned.
    if (v < 0 && len <= 4) v += 2 ** (8 * len);
    if (!this.error && (v < 0 || v > 0xffffffff)) this.fail('integerRange', `${v}`, start);
    return v;
  }

  /** Counter64: 0..2^64-1. */
  readUnsigned64(tag = 0x46): bigint {
    const start = this.pos;
    const len = this.readHeader(tag);
    if (len < 0) return 0n;
    if (len < 1 || len > 9) {
      this.fail('badInteger', `Counter64 of ${len} octets`, start);
      return 0n;
    }
    let v = 0n;
    for (let i = 0; i < len; i++) v = (v << 8n) | BigInt(this.buf[this.pos + i]!);
    if (len === 9 && this.buf[this.pos] !== 0) this.fail('integerRange', 'Counter64 exceeds 2^64-1', start);
    if (len < 9 && (this.buf[this.pos]! & 0x80) !== 0) {
      // negative in two's complement: lenient like readUnsigned32 (value taken as unsigned)
    }
    this.pos += len;
    return v;
  }

  /** OCTET STRING content as a view into the input buffer (no copy). */
  readOctetString(tag = 0x04): Buffer {
    const len = this.readHeader(tag);
    if (len < 0) return EMPTY;
    const v = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return v;
  }

  readNull(tag = 0x05): void {
    const len = this.readHeader(tag);
    if (len > 0) this.fail('badNull', `NULL with ${len} content octets`);
    if (len > 0) this.pos += len;
  }

  /** X.690 §8.19 OBJECT IDENTIFIER; sub-identifiers above 2^32-1 are rejected. */
  readOid(tag = 0x06): Oid {
    const start = this.pos;
    const len = this.readHeader(tag);
    if (len < 0) return EMPTY_OID;
    if (len === 0) {
      this.fail('badOid', 'empty OID', start);
      return EMPTY_OID;
    }
    const end = this.pos + len;
    const out: number[] = [];
    let first = true;
    while (this.pos < end) {
      // X.690 §8.19.2: sub-identifiers use the fewest possible octets (leading octet never 80 hex)
      if (this.buf[this.pos] === 0x80) {
        this.fail('badOid', 'non-minimal sub-identifier');
        return EMPTY_OID;
      }
      let v = 0;
      let done = false;
      while (this.pos < end) {
        const b = this.buf[this.pos++]!;
        v = v * 128 + (b & 0x7f);
        if (v > MAX_ARC) {
          this.fail('oidArcTooLarge', undefined, this.pos - 1);
          return EMPTY_OID;
        }
        if ((b & 0x80) === 0) {
          done = true;
          break;
        }
      }
      if (!done) {
        this.fail('badOid', 'truncated sub-identifier');
        return EMPTY_OID;
      }
      if (first) {
        first = false;
        if (v < 40) out.push(0, v);
        else if (v < 80) out.push(1, v - 40);
        else out.push(2, v - 80);
      } else out.push(v);
      if (out.length > MAX_OID_ARCS) {
        this.fail('badOid', 'more than 128 sub-identifiers');
        return EMPTY_OID;
      }
    }
    return out;
  }
}

const EMPTY = Buffer.alloc(0);
const EMPTY_OID: Oid = [];
