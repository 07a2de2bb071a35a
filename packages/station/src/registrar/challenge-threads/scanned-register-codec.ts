import { parseContactList, type DigestServerAlgorithm, type VerifiedResponse } from '@beckon/sip';
import { ScannedHeaders, type QuickRegister } from '../quick-register.js';

/**
 * A REGISTER a challenge thread read with `QuickRegisterScanner` and whose digest response it verified:
 * what the main thread's registrar needs from it (`Registrar.processQuick`), so that the main thread reads
 * neither the request nor its Authorization again.
 */
export interface ScannedRegister {
  readonly register: QuickRegister;
  readonly verified: VerifiedResponse;
}

/*
 * The text form that crosses from the thread to the main thread (written as Latin-1 bytes into the batch
 * of handed-over datagrams, see DatagramBatchPacker). Every field is text of the request as the scanner
 * read it, as Latin-1 (one byte per character), so the bytes carry the characters exactly. The record is
 * FIELDS lengths, each two characters (high and low byte), then the fields one after the other:
 *
 *   aor, toUser, callId, cseq (decimal), contactValue, headerExpires (decimal, '' when absent), before,
 *   to, after, Authorization, User-Agent ('' when absent), username, nonce, nc, algorithm
 *
 * The scanner accepts no empty header value, so '' is free to mean "absent". The Contact value is parsed
 * again on the main thread (its parsed form is objects), with the same grammar.
 */
const FIELDS = 15;
/** FIELDS strings, as a tuple. */
type Repeat<T, N extends number, A extends T[] = []> = A['length'] extends N ? A : Repeat<T, N, [...A, T]>;
type Fields = Repeat<string, typeof FIELDS>;
const HEADER = FIELDS * 2;
const MAX_FIELD = 0xffff;
const ALGORITHMS: readonly DigestServerAlgorithm[] = ['MD5', 'SHA-256', 'SHA-512-256'];

/** The record of a scanned REGISTER; undefined when a field is too long for it (hand the datagram over instead). */
export function encodeScannedRegister(q: QuickRegister, v: VerifiedResponse): string | undefined {
  const fields = [
    q.aor,
    q.toUser,
    q.callId,
    String(q.cseq),
    q.contactValue,
    q.headerExpires === undefined ? '' : String(q.headerExpires),
    q.before,
    q.to,
    q.after,
    q.headers.get('authorization') ?? '',
    q.headers.get('user-agent') ?? '',
    v.username,
    v.nonce,
    v.nc,
    v.algorithm,
  ];
  let head = '';
  for (const f of fields) {
    if (f.length > MAX_FIELD) return undefined;
    head += String.fromCharCode(f.length >>> 8, f.length & 0xff);
  }
  return head + fields.join('');
}

/** A record made by {@link encodeScannedRegister}; undefined when it is not one (never throws). */
export function decodeScannedRegister(s: string): ScannedRegister | undefined {
  if (s.length < HEADER) return undefined;
  const f: string[] = new Array<string>(FIELDS);
  let at = HEADER;
  for (let i = 0; i < FIELDS; i++) {
    const len = (s.charCodeAt(2 * i) << 8) | s.charCodeAt(2 * i + 1);
    if (at + len > s.length) return undefined;
    f[i] = s.slice(at, at + len);
    at += len;
  }
  if (at !== s.length) return undefined;
  const [
    aor,
    toUser,
    callId,
    cseqText,
    contactValue,
    expiresText,
    before,
    to,
    after,
    authorization,
    userAgent,
    username,
    nonce,
    nc,
    algorithm,
  ] = f as Fields;
  const cseq = decimal(cseqText);
  const headerExpires = expiresText === '' ? undefined : decimal(expiresText);
  if (cseq === undefined || (expiresText !== '' && headerExpires === undefined) || authorization === '')
    return undefined;
  const alg = ALGORITHMS.find((a) => a === algorithm);
  if (alg === undefined) return undefined;
  const contacts = parseContactList(contactValue);
  if (!contacts.ok) return undefined;
  return {
    register: {
      headers: new ScannedHeaders(authorization, userAgent === '' ? undefined : userAgent),
      aor,
      toUser,
      callId,
      cseq,
      contacts: contacts.value,
      contactValue,
      headerExpires,
      before,
      to,
      after,
    },
    verified: { username, nonce, nc, algorithm: alg },
  };
}

/** A non-negative decimal integer (at most 10 digits), or undefined. */
function decimal(s: string): number | undefined {
  if (s.length === 0 || s.length > 10) return undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
  }
  return Number(s);
}
