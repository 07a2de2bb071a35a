import type { BerError } from './ber-error.js';
import { integerContentSize } from './encoded-size.js';
import { MAX_ARC, MAX_OID_ARCS, type Oid } from './oid.js';

/**
 * A forward BER encoder writing into one growing Buffer. Constructed types reserve one length byte and
 * shift their content in place (copyWithin) when the final length needs the long form, so no per-element
 * buffers are allocated or concatenated.
 *
 * Invalid input values (not reachable from decoded data) are recorded in `error` instead of thrown.
 */
export class BerWriter {
  private buf: Buffer;
  private pos = 0;
  private readonly stack: number[] = [];
  error: BerError | undefined;

  constructor(initialSize = 512) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  get length(): number {
    return this.pos;
  }

  reset(): void {
    this.pos = 0;
    this.stack.length = 0;
    this.error = undefined;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const nb = Buffer.allocUnsafe(size);
    this.buf.copy(nb, 0, 0, this.pos);
    this.buf = nb;
  }

  private fail(detail: string): void {
    if (!this.error) this.error = { code: 'badValue', offset: this.pos, detail };
  }

  /** X.690 §8.1.3: definite form, short for < 128, long form otherwise. */
  private writeLength(len: number): void {
    if (len < 0x80) {
      this.ensure(1);
      this.buf[this.pos++] = len;
      return;
    }
    const n = len < 0x100 ? 1 : len < 0x10000 ? 2 : len < 0x1000000 ? 3 : 4;
    this.ensure(1 + n);
    this.buf[this.pos++] = 0x80 | n;
    for (let i = n - 1; i >= 0; i--) this.buf[this.pos++] = (len >>> (8 * i)) & 0xff;
  }

  startSequence(tag = 0x30): void {
    this.ensure(2);
    this.buf[this.pos++] = tag;
    this.stack.push(this.pos);
    this.buf[this.pos++] = 0;
  }

  endSequence(): void {
    const lenPos = this.stack.pop();
    if (lenPos === undefined) {
      this.fail('endSequence without startSequence');
      return;
    }
    const contentStart = lenPos + 1;
    const len = this.pos - contentStart;
    if (len < 0x80) {
      this.buf[lenPos] = len;
      return;
    }
    const n = len < 0x100 ? 1 : len < 0x10000 ? 2 : len < 0x1000000 ? 3 : 4;
    this.ensure(n);
    this.buf.copyWithin(contentStart + n, contentStart, this.pos);
    this.buf[lenPos] = 0x80 | n;
    for (let i = 0; i < n; i++) this.buf[lenPos + 1 + i] = (len >>> (8 * (n - 1 - i))) & 0xff;
    this.pos += n;
  }

  /** X.690 §8.3: two's complement, minimal number of octets. Accepts any safe integer. */
  writeInteger(v: number, tag = 0x02): void {
    if (!Number.isSafeInteger(v)) {
      this.fail(`not an integer: ${v}`);
      v = 0;
    }
    const n = integerContentSize(v);
    this.ensure(2 + n);
    const b = this.buf;
    b[this.pos++] = tag;
    b[this.pos++] = n;
    if (n <= 4) {
      // fits in int32: shifts are exact
      for (let i = n - 1; i >= 0; i--) b[this.pos++] = (v >> (8 * i)) & 0xff;
      return;
    }
    let x = v;
    for (let i = n - 1; i >= 0; i--) {
      b[this.pos + i] = ((x % 256) + 256) % 256;
      x = Math.floor(x / 256);
    }
    this.pos += n;
  }

  /** Unsigned 64-bit (Counter64), minimal two's complement encoding. */
  writeUnsigned64(v: bigint, tag = 0x46): void {
    if (v < 0n || v > 0xffffffffffffffffn) {
      this.fail(`Counter64 out of range: ${v}`);
      v = 0n;
    }
    const bytes: number[] = [];
    let x = v;
    do {
      bytes.push(Number(x & 0xffn));
      x >>= 8n;
    } while (x > 0n);
    if ((bytes[bytes.length - 1]! & 0x80) !== 0) bytes.push(0);
    this.ensure(2 + bytes.length);
    this.buf[this.pos++] = tag;
    this.buf[this.pos++] = bytes.length;
    for (let i = bytes.length - 1; i >= 0; i--) this.buf[this.pos++] = bytes[i]!;
  }

  writeOctetString(v: Buffer | Uint8Array, tag = 0x04): void {
    this.ensure(1);
    this.buf[this.pos++] = tag;
    this.writeLength(v.length);
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  writeNull(tag = 0x05): void {
    this.ensure(2);
    this.buf[this.pos++] = tag;
    this.buf[this.pos++] = 0;
  }

  /** X.690 §8.19: first two arcs combined as X*40+Y, base-128 sub-identifiers. */
  writeOid(o: Oid, tag = 0x06): void {
    const len0 = o.length;
    if (len0 < 2 || len0 > MAX_OID_ARCS || o[0]! > 2 || (o[0]! < 2 && o[1]! >= 40)) {
      this.fail(`invalid OID ${o.join('.')}`);
      o = [0, 0];
    }
    this.ensure(2 + 5 * o.length);
    const b = this.buf;
    b[this.pos++] = tag;
    const lenPos = this.pos++;
    const start = this.pos;
    const first = o[0]! * 40 + o[1]!;
    if (first > MAX_ARC) this.fail('first sub-identifier exceeds 2^32-1');
    this.writeSubId(first > MAX_ARC ? 0 : first);
    for (let i = 2; i < o.length; i++) {
      const a = o[i]!;
      if (a < 0x80 && a >= 0 && (a | 0) === a) b[this.pos++] = a;
      else if (!(a >= 0 && a <= MAX_ARC && Number.isInteger(a))) {
        this.fail(`bad arc ${a}`);
        this.writeSubId(0);
      } else this.writeSubId(a);
    }
    const len = this.pos - start;
    if (len < 0x80) b[lenPos] = len;
    else {
      // at most 128*5 = 640 bytes: 2-byte long form
      const n = len < 0x100 ? 1 : 2;
      this.ensure(n);
      this.buf.copyWithin(start + n, start, this.pos);
      this.buf[lenPos] = 0x80 | n;
      if (n === 1) this.buf[lenPos + 1] = len;
      else {
        this.buf[lenPos + 1] = len >>> 8;
        this.buf[lenPos + 2] = len & 0xff;
      }
      this.pos += n;
    }
  }

  /** One base-128 sub-identifier (v <= 2^32-1; the caller reserved 5 octets). */
  private writeSubId(v: number): void {
    const b = this.buf;
    if (v < 0x80) {
      b[this.pos++] = v;
      return;
    }
    if (v < 0x4000) {
      b[this.pos++] = 0x80 | (v >>> 7);
      b[this.pos++] = v & 0x7f;
      return;
    }
    if (v < 0x200000) {
      b[this.pos++] = 0x80 | (v >>> 14);
      b[this.pos++] = 0x80 | ((v >>> 7) & 0x7f);
      b[this.pos++] = v & 0x7f;
      return;
    }
    if (v < 0x10000000) {
      b[this.pos++] = 0x80 | (v >>> 21);
      b[this.pos++] = 0x80 | ((v >>> 14) & 0x7f);
      b[this.pos++] = 0x80 | ((v >>> 7) & 0x7f);
      b[this.pos++] = v & 0x7f;
      return;
    }
    // up to 2^32-1: the top septet needs division (>>> is 32-bit)
    b[this.pos++] = 0x80 | Math.floor(v / 0x10000000);
    b[this.pos++] = 0x80 | ((v >>> 21) & 0x7f);
    b[this.pos++] = 0x80 | ((v >>> 14) & 0x7f);
    b[this.pos++] = 0x80 | ((v >>> 7) & 0x7f);
    b[this.pos++] = v & 0x7f;
  }

  /** Raw pre-encoded TLV bytes. */
  writeRaw(b: Buffer | Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A copy of the encoded bytes. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}
