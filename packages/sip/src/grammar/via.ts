import { isDigits, isLws, isTokenChar } from './char-classes.js';
import type { Parsed } from './grammar-result.js';
import { fail, ok } from './parsed-helpers.js';
import { formatHeaderParams, parseHeaderParams, type Params } from './header-params.js';
import { splitList } from './split-list.js';
import { scanHostPort } from './uri.js';

/**
 * One Via header value (RFC 3261 §20.42, RFC 3581). `protocol` is `NAME/VERSION` (normally
 * `SIP/2.0`), `transport` is uppercase (`UDP`, `TCP`, `TLS`, `SCTP`, `WS`, ...). `host` keeps IPv6
 * brackets. `params` holds every via-param with lowercase names (`rport` maps to null when valueless);
 * `branch` mirrors `params.get('branch')` for convenience. `formatVia` writes `params` (and `branch`
 * first if it is set but missing from `params`).
 */
export interface Via {
  protocol: string;
  transport: string;
  host: string;
  port?: number;
  params: Params;
  branch?: string;
}

function scanToken(s: string, i: number): number {
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  return i;
}

function skip(s: string, i: number): number {
  while (i < s.length && isLws(s.charCodeAt(i))) i++;
  return i;
}

function isIpAddress(v: string): boolean {
  // IPv4address or IPv6address (RFC 3261 §25.1); bracketed IPv6 is accepted too (RFC 5118 §4.5).
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(v)) return true;
  return /^\[?[0-9A-Fa-f:.]+\]?$/.test(v) && v.includes(':');
}

// RFC 3261 §25.1:
//   via-parm      = sent-protocol LWS sent-by *( SEMI via-params )
//   sent-protocol = protocol-name SLASH protocol-version SLASH transport
//   sent-by       = host [ COLON port ]
//   via-ttl = "ttl" EQUAL ttl; via-maddr = "maddr" EQUAL host; via-received = "received" EQUAL
//   (IPv4address / IPv6address); via-branch = "branch" EQUAL token
// RFC 3581 §3: response-port = "rport" [EQUAL 1*DIGIT]

/** Parses one via-parm (a single element of a Via list). */
export function parseVia(s: string): Parsed<Via> {
  let i = skip(s, 0);
  let j = scanToken(s, i);
  if (j === i) return fail('missing protocol name');
  const name = s.slice(i, j);
  i = skip(s, j);
  if (s.charCodeAt(i) !== 0x2f) return fail("expected '/' in sent-protocol");
  i = skip(s, i + 1);
  j = scanToken(s, i);
  if (j === i) return fail('missing protocol version');
  const version = s.slice(i, j);
  i = skip(s, j);
  if (s.charCodeAt(i) !== 0x2f) return fail("expected '/' in sent-protocol");
  i = skip(s, i + 1);
  j = scanToken(s, i);
  if (j === i) return fail('missing transport');
  const transport = s.slice(i, j).toUpperCase();
  i = skip(s, j);
  if (i === j) return fail('missing LWS before sent-by');
  // sent-by: host [COLON port] with optional LWS around the colon
  const hp = scanHostPort(s, i, s.length);
  if (typeof hp === 'string') return fail(`sent-by: ${hp}`);
  i = hp.next;
  let port = hp.port;
  if (port === undefined) {
    const k = skip(s, i);
    if (s.charCodeAt(k) === 0x3a) {
      const m = skip(s, k + 1);
      let e = m;
      while (e < s.length && s.charCodeAt(e) >= 0x30 && s.charCodeAt(e) <= 0x39) e++;
      if (e === m || e - m > 5 || Number(s.slice(m, e)) > 65535) return fail('sent-by: bad port');
      port = Number(s.slice(m, e));
      i = e;
    }
  }
  const params: Params = new Map();
  const perr = parseHeaderParams(s, i, params);
  if (perr !== undefined) return fail(perr);
  const via: Via = {
    protocol: name.toUpperCase() + '/' + version,
    transport,
    host: hp.host,
    params,
  };
  if (port !== undefined) via.port = port;
  const branch = params.get('branch');
  if (branch !== undefined) {
    if (branch === null || !isTokenChar(branch.charCodeAt(0))) return fail('bad branch');
    via.branch = branch;
  }
  const ttl = params.get('ttl');
  if (ttl !== undefined && (ttl === null || !isDigits(ttl) || ttl.length > 3 || Number(ttl) > 255)) {
    return fail('bad ttl');
  }
  const received = params.get('received');
  if (received !== undefined && (received === null || !isIpAddress(received))) return fail('bad received');
  const rport = params.get('rport');
  if (
    rport !== undefined &&
    rport !== null &&
    (!isDigits(rport) || rport.length > 5 || Number(rport) > 65535)
  ) {
    return fail('bad rport');
  }
  const maddr = params.get('maddr');
  if (maddr !== undefined && (maddr === null || maddr.charCodeAt(0) === 0x22)) return fail('bad maddr');
  return ok(via);
}

/** Parses a Via header value that may hold several comma-separated via-parms. */
export function parseViaList(value: string): Parsed<Via[]> {
  const out: Via[] = [];
  for (const part of splitList(value)) {
    if (part === '') return fail('empty Via list element');
    const v = parseVia(part);
    if (!v.ok) return v;
    out.push(v.value);
  }
  return ok(out);
}

export function formatVia(v: Via): string {
  let out = v.protocol + '/' + v.transport + ' ' + v.host;
  if (v.port !== undefined) out += ':' + v.port;
  if (v.branch !== undefined && !v.params.has('branch')) out += ';branch=' + v.branch;
  return out + formatHeaderParams(v.params);
}
