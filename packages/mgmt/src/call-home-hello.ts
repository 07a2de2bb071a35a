/**
 * The call-home hello: the first bytes a device writes on a call-home connection, so that the station can
 * match the connection to the management request whose NOTIFY triggered it (docs/management-req.md,
 * "Call-home hello"). Shared by the station and the device through @beckon/mgmt.
 *
 *   hello    = "BKCH/1" SP request-id SP protocol SP device CRLF      ; at most 512 octets
 *   reply    = "BKCH/1" SP status SP reason CRLF                      ; status = 3DIGIT
 *   request-id = 16*64( ALPHA / DIGIT / "-" / "_" )                   ; base64url, from the NOTIFY `req`
 *   protocol   = the token of the NOTIFY (e.g. snmp-ssh)
 *   device     = 1*200( %x21-7E )                                      ; the device's own identity
 *
 * After a 200 reply the connection belongs to the management protocol (next issue: SNMP); after any other
 * status the station closes it.
 */

export const HELLO_MAGIC = 'BKCH/1';
export const HELLO_MAX_BYTES = 512;

export interface CallHomeHello {
  readonly requestId: string;
  readonly protocol: string;
  readonly device: string;
}

export type HelloStatus = 200 | 400 | 403 | 409 | 410;

export interface CallHomeReply {
  readonly status: number;
  readonly reason: string;
}

export type HelloError =
  'too-long' | 'bad-magic' | 'bad-request-id' | 'bad-protocol' | 'bad-device' | 'bad-syntax';

export type HelloParse<T> = { ok: true; value: T } | { ok: false; error: HelloError };

function isIdChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    c === 0x2d ||
    c === 0x5f
  );
}

function isProtoChar(c: number): boolean {
  return isIdChar(c) || c === 0x2e || c === 0x2b;
}

function allChars(s: string, pred: (c: number) => boolean): boolean {
  for (let i = 0; i < s.length; i++) if (!pred(s.charCodeAt(i))) return false;
  return true;
}

/** True when `id` is a well-formed request id. */
export function isRequestId(id: string): boolean {
  return id.length >= 16 && id.length <= 64 && allChars(id, isIdChar);
}

export function encodeHello(h: CallHomeHello): HelloParse<Buffer> {
  if (!isRequestId(h.requestId)) return { ok: false, error: 'bad-request-id' };
  if (h.protocol.length === 0 || h.protocol.length > 64 || !allChars(h.protocol, isProtoChar))
    return { ok: false, error: 'bad-protocol' };
  if (h.device.length === 0 || h.device.length > 200 || !allChars(h.device, (c) => c >= 0x21 && c <= 0x7e))
    return { ok: false, error: 'bad-device' };
  const line = `${HELLO_MAGIC} ${h.requestId} ${h.protocol.toLowerCase()} ${h.device}\r\n`;
  return { ok: true, value: Buffer.from(line, 'latin1') };
}

/** Parses one hello line (without its CRLF). */
export function parseHelloLine(line: string): HelloParse<CallHomeHello> {
  const parts = line.split(' ');
  if (parts[0] !== HELLO_MAGIC) return { ok: false, error: 'bad-magic' };
  if (parts.length !== 4) return { ok: false, error: 'bad-syntax' };
  const [, requestId, protocol, device] = parts as [string, string, string, string];
  if (!isRequestId(requestId)) return { ok: false, error: 'bad-request-id' };
  if (protocol.length === 0 || protocol.length > 64 || !allChars(protocol, isProtoChar))
    return { ok: false, error: 'bad-protocol' };
  if (device.length === 0 || device.length > 200 || !allChars(device, (c) => c >= 0x21 && c <= 0x7e))
    return { ok: false, error: 'bad-device' };
  return { ok: true, value: { requestId, protocol: protocol.toLowerCase(), device } };
}

export function encodeReply(status: number, reason: string): Buffer {
  const clean = reason.replace(/[^\x20-\x7e]/g, ' ').slice(0, 100);
  return Buffer.from(`${HELLO_MAGIC} ${String(status).padStart(3, '0')} ${clean}\r\n`, 'latin1');
}

export function parseReplyLine(line: string): HelloParse<CallHomeReply> {
  if (!line.startsWith(HELLO_MAGIC + ' ')) return { ok: false, error: 'bad-magic' };
  const rest = line.slice(HELLO_MAGIC.length + 1);
  const code = rest.slice(0, 3);
  if (!/^[0-9]{3}$/.test(code) || (rest.length > 3 && rest[3] !== ' '))
    return { ok: false, error: 'bad-syntax' };
  return { ok: true, value: { status: Number(code), reason: rest.slice(4) } };
}

/**
 * Collects the first line of a stream: feed chunks until it returns `line` (the text before CRLF and the
 * bytes after it, which belong to the management protocol) or an error (more than the limit without a
 * line end, or a byte outside printable ASCII).
 */
export class LineCollector {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly max = HELLO_MAX_BYTES) {}

  push(
    chunk: Buffer,
  ): { kind: 'more' } | { kind: 'line'; line: string; rest: Buffer } | { kind: 'error'; error: HelloError } {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const lf = this.buf.indexOf(0x0a);
    const limit = Math.min(this.buf.length, lf < 0 ? this.buf.length : lf);
    for (let i = 0; i < limit; i++) {
      const c = this.buf[i] as number;
      if ((c < 0x20 || c > 0x7e) && !(c === 0x0d && i === lf - 1))
        return { kind: 'error', error: 'bad-syntax' };
    }
    if (lf < 0) return this.buf.length > this.max ? { kind: 'error', error: 'too-long' } : { kind: 'more' };
    if (lf + 1 > this.max) return { kind: 'error', error: 'too-long' };
    if (lf === 0 || this.buf[lf - 1] !== 0x0d) return { kind: 'error', error: 'bad-syntax' };
    const line = this.buf.subarray(0, lf - 1).toString('latin1');
    const rest = this.buf.subarray(lf + 1);
    this.buf = Buffer.alloc(0);
    return { kind: 'line', line, rest };
  }
}
