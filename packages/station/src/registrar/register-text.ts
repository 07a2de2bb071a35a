/**
 * The text forms of a REGISTER that the registrar's quick paths (the 401 of a challenge thread,
 * `QuickChallenge`, and the authenticated REGISTER on the main thread, `QuickRegisterScanner`) accept
 * without the SIP parser: forms whose parse, check and copy into a response are known to give what the
 * full path gives (each quick path has a test comparing both over generated and mutated requests).
 */
// The request line the common REGISTER has: `REGISTER sip:host[:port] SIP/2.0`.
export const REQUEST_LINE = /^REGISTER sip:([A-Za-z0-9.-]+)(?::\d{1,5})? SIP\/2\.0$/;
// One Via (no comma: one value per line) as the Via parser and formatter write it back (upper-case
// protocol and transport, one space, sent-by a host name or IPv4 address), with its parameters.
export const VIA =
  /^SIP\/2\.0\/(?:UDP|TCP|TLS|SCTP|WS|WSS) ([A-Za-z0-9.-]+)(?::([1-9]\d{0,4}))?((?:;[^;]+)*)$/;
// One Via parameter as the formatter writes it back: a lower-case name, a token value or none.
export const VIA_PARAM = /^([a-z0-9.!%*_+`'~-]+)(?:=[A-Za-z0-9.!%*_+`'~-]+)?$/;
// From / To: an optional quoted display name, then <sip:user@host[:port][;uri-params]>, then header params.
// user: unreserved and user-unreserved characters (RFC 3261 §25.1) without escapes; host: name or IPv4.
export const NAME_ADDR =
  /^(?:"[A-Za-z0-9 .!%*_+`'~-]*" ?)?<sip:([A-Za-z0-9.!~*'()&=+$,;?/_-]+)@([A-Za-z0-9.-]+)(?::\d{1,5})?(?:;[A-Za-z0-9.!%*_+`'~-]+(?:=[A-Za-z0-9.!%*_+`'~-]+)?)*>((?:;[A-Za-z0-9.!%*_+`'~-]+(?:=[A-Za-z0-9.!%*_+`'~-]+)?)*)$/;
// Call-ID: word ["@" word] (RFC 3261 §25.1), with the characters that need no further checks.
export const CALL_ID = /^[A-Za-z0-9.!%*_+`'~()-]+(?:@[A-Za-z0-9.!%*_+`'~()-]+)?$/;
export const CSEQ = /^\d{1,9} REGISTER$/;
export const DIGITS = /^\d{1,10}$/;
// Header names: tokens of two or more characters (one-letter names are compact forms: left to the parser).
export const HEADER_LINE = /^([A-Za-z][A-Za-z0-9.!%*_+`'~-]+):[ \t]*(\S(?:.*\S)?)$/;

/**
 * The Via as the full path sends it back, or undefined when the quick path cannot tell. RFC 3581 §4: with
 * `rport` (no value) the server "MUST set the value of the "rport" parameter to the source port of the
 * request" and adds `received` with the source address (stampVia: the rport parameter keeps its place,
 * received goes last), and the response goes back where the request came from. Without rport, nothing
 * is added when the sent-by host is the source address, and RFC 3261 §18.2.2 sends the response to the
 * sent-by port (5060 when none): the quick path requires both to be where the request came from.
 */
export function stampedViaText(value: string, sourceAddress: string, sourcePort: number): string | undefined {
  const v = VIA.exec(value);
  const port = v === null ? 0 : v[2] === undefined ? 5060 : Number(v[2]);
  if (v === null || port < 1 || port > 65535) return undefined;
  const params = v[3] as string;
  const names = new Set<string>();
  let rport = false;
  if (params !== '')
    for (const p of params.slice(1).split(';')) {
      const m = VIA_PARAM.exec(p);
      // Repeated names (the parser keeps the first) and a received already there are left to the full path.
      if (m === null || names.has(m[1] as string) || m[1] === 'received') return undefined;
      names.add(m[1] as string);
      if (m[1] === 'rport') {
        if (p !== 'rport') return undefined;
        rport = true;
      }
    }
  if (rport) {
    const head = value.slice(0, value.length - params.length);
    const stamped = (params + ';').replace(';rport;', ';rport=' + sourcePort + ';');
    return head + stamped.slice(0, -1) + ';received=' + sourceAddress;
  }
  return (v[1] as string).toLowerCase() === sourceAddress && port === sourcePort ? value : undefined;
}

/** A REGISTER's text split where the quick paths need it. */
export interface RegisterHead {
  /** The whole message, one character per byte. */
  readonly s: string;
  /** Where the request line ends (its CRLF). */
  readonly lineEnd: number;
  /** Where the empty line after the headers starts (its CRLFCRLF). */
  readonly headEnd: number;
  /** The Request-URI's host. */
  readonly host: string;
}

/**
 * The head of `data` when it is a REGISTER in the quick form so far: the request line `REGISTER
 * sip:host[:port] SIP/2.0`, CRLF line ends, and nothing after the empty line (no body). Undefined otherwise.
 */
export function registerHead(data: Buffer): RegisterHead | undefined {
  const s = data.toString('latin1');
  const headEnd = s.indexOf('\r\n\r\n');
  if (headEnd < 0 || headEnd + 4 !== s.length) return undefined;
  const lineEnd = s.indexOf('\r\n');
  const rl = REQUEST_LINE.exec(s.slice(0, lineEnd));
  if (rl === null) return undefined;
  return { s, lineEnd, headEnd, host: rl[1] as string };
}
