/**
 * Identity of a binding within its AOR.
 *
 * RFC 5626 §6: "If the registrar receives a REGISTER request with a Contact header field that contains
 * a "+sip.instance" parameter and a "reg-id" parameter, ... the registrar MUST match [the binding] using
 * the instance-id and reg-id" — a re-registration over a new flow with a new Contact URI replaces the
 * old binding. Otherwise RFC 3261 §10.3 step 7 applies: "the registrar checks whether there is a
 * binding for [the URI] ... using the URI comparison rules in Section 19.1.4".
 *
 * Keys: `i:<instance> <reg-id>` for the first case, `u:<canonical URI>` for the second.
 */
export function contactKey(b: { contact: string; instance?: string; regId?: number }): string {
  if (b.instance !== undefined && b.regId !== undefined)
    return flatten(`i:${b.instance.toLowerCase()} ${b.regId}`);
  return flatten('u:' + canonicalContactUri(b.contact));
}

/**
 * A canonical string such that URIs equivalent under RFC 3261 §19.1.4 map to the same string:
 * - scheme and host compared case-insensitively ("the user part is case-sensitive, the rest is not");
 * - "Characters other than those in the reserved set are equivalent to their encoding", so escapes of
 *   unreserved characters are decoded and hex digits of the remaining escapes uppercased;
 * - "A URI omitting any component with a default value will not match a URI explicitly containing that
 *   component" — the port is kept exactly as written (absent differs from 5060);
 * - "any uri-parameter appearing in both URIs must match"; user, ttl, method and maddr (and transport)
 *   must match even if present in only one: those five are part of the key (names and values folded to
 *   lowercase, sorted), other parameters are ignored. Ignoring them is the one simplification: two URIs
 *   differing only in such a parameter present in both are treated as the same binding, which is what
 *   registrars do in practice (e.g. a phone changing its `line=` cookie).
 * - URI headers (after '?') must all match: kept, sorted.
 * Never throws; an unparsable URI is used verbatim.
 */
export function canonicalContactUri(uri: string): string {
  return canonicalCommonForm(uri) ?? canonicalContactUriGeneral(uri);
}

/** The parameters that take part in the key (see canonicalContactUri). */
function isKeptParam(name: string): boolean {
  return name === 'user' || name === 'ttl' || name === 'method' || name === 'maddr' || name === 'transport';
}

/**
 * canonicalContactUri for the form nearly every device registers, in one pass and without the
 * intermediate arrays of the general algorithm: `sip:` or `sips:` in lowercase, no %-escape, no URI
 * headers, a host without capitals or non-ASCII characters, at most one of the kept parameters.
 * Undefined for anything else.
 * (This runs for every REGISTER; the property test checks it against the general algorithm.)
 */
function canonicalCommonForm(s: string): string | undefined {
  const n = s.length;
  // Printable ASCII at both ends: nothing for trim() to take off.
  const first = s.charCodeAt(0);
  const last = s.charCodeAt(n - 1);
  if (n < 5 || first <= 0x20 || first >= 0x7f || last <= 0x20 || last >= 0x7f) return undefined;
  let hs: number;
  if (s.startsWith('sip:')) hs = 4;
  else if (s.startsWith('sips:')) hs = 5;
  else return undefined;
  if (s.indexOf('%') >= 0 || s.indexOf('?') >= 0) return undefined;
  const at = s.lastIndexOf('@');
  if (at >= 0) hs = at + 1;
  let semi = hs;
  for (; semi < n; semi++) {
    const c = s.charCodeAt(semi);
    if (c === 0x3b) break;
    // A capital (or any non-ASCII character, which toLowerCase might change) needs the general path.
    if ((c >= 0x41 && c <= 0x5a) || c >= 0x80) return undefined;
  }
  if (semi === n) return s;
  let kept: string | undefined;
  for (let i = semi + 1; i <= n;) {
    let j = s.indexOf(';', i);
    if (j < 0) j = n;
    const eq = s.indexOf('=', i);
    const nameEnd = eq >= 0 && eq < j ? eq : j;
    const name = s.slice(i, nameEnd).toLowerCase();
    if (isKeptParam(name)) {
      if (kept !== undefined) return undefined;
      kept = nameEnd < j ? name + '=' + s.slice(nameEnd + 1, j).toLowerCase() : name;
    }
    i = j + 1;
  }
  return kept === undefined ? s.slice(0, semi) : s.slice(0, semi) + ';' + kept;
}

/** canonicalContactUri for any URI (see there). */
export function canonicalContactUriGeneral(uri: string): string {
  const s = uri.trim();
  const colon = s.indexOf(':');
  if (colon <= 0) return s;
  const scheme = s.slice(0, colon).toLowerCase();
  let rest = s.slice(colon + 1);
  let headers = '';
  const q = rest.indexOf('?');
  if (q >= 0) {
    headers = rest
      .slice(q + 1)
      .split('&')
      .map((h) => normalizeEscapes(h))
      .sort()
      .join('&');
    rest = rest.slice(0, q);
  }
  let userinfo = '';
  // '@' cannot occur unescaped in the host, the uri-parameters or the headers, so the last one ends userinfo.
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    userinfo = normalizeEscapes(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  const semi = rest.indexOf(';');
  const hostport = (semi >= 0 ? rest.slice(0, semi) : rest).toLowerCase();
  let params = '';
  if (semi >= 0) {
    const kept: string[] = [];
    for (const p of rest.slice(semi + 1).split(';')) {
      const eq = p.indexOf('=');
      const name = (eq >= 0 ? p.slice(0, eq) : p).toLowerCase();
      if (isKeptParam(name))
        kept.push(name + (eq >= 0 ? '=' + normalizeEscapes(p.slice(eq + 1)).toLowerCase() : ''));
    }
    kept.sort();
    params = kept.length ? ';' + kept.join(';') : '';
  }
  return scheme + ':' + (at >= 0 ? userinfo + '@' : '') + hostport + params + (headers ? '?' + headers : '');
}

const UNRESERVED = /[A-Za-z0-9\-_.!~*'()]/;

function normalizeEscapes(s: string): string {
  if (!s.includes('%')) return s;
  return s.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => {
    const ch = String.fromCharCode(parseInt(h, 16));
    return UNRESERVED.test(ch) ? ch : '%' + h.toUpperCase();
  });
}

/**
 * The key as one flat string. V8 represents `a + b` as a ConsString node pointing at both parts until
 * something flattens it; a key built from a dozen pieces is six such nodes plus the pieces, all kept for
 * the life of the binding and visited by every garbage collection. Reading a character flattens the string
 * in place, and the collector then drops the nodes.
 */
function flatten(s: string): string {
  if (s.length > 0) s.charCodeAt(0);
  return s;
}
