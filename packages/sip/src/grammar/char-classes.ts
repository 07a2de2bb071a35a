// Character classes of the SIP grammar (RFC 3261 §25.1), as lookup tables indexed by char code.
// Tables are built once per module load and never mutated afterwards (read-only constants).

function table(chars: string, alnum: boolean): Uint8Array {
  const t = new Uint8Array(128);
  if (alnum) {
    for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
    for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
    for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  }
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  return t;
}

// RFC 3261 §25.1:
//   token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" )
const TOKEN = table("-.!%*_+`'~", true);
//   unreserved = alphanum / mark; mark = "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")"
const MARK = "-_.!~*'()";
//   user-unreserved = "&" / "=" / "+" / "$" / "," / ";" / "?" / "/"
const USER = table(MARK + '&=+$,;?/', true);
//   password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," )
const PASSWORD = table(MARK + '&=+$,', true);
//   paramchar = param-unreserved / unreserved / escaped; param-unreserved = "[" / "]" / "/" / ":" / "&" / "+" / "$"
const PARAM = table(MARK + '[]/:&+$', true);
//   hnv-unreserved = "[" / "]" / "/" / "?" / ":" / "+" / "$"
const HNV = table(MARK + '[]/?:+$', true);
//   hostname chars (alphanum / "-" / "."), plus "_" which is seen in the wild.
const HOST = table('-._', true);
//   IPv6reference = "[" IPv6address "]" (hex digits, ":" and "." for the embedded IPv4 form)
const IPV6 = table(':.', false);
for (let c = 0x30; c <= 0x39; c++) IPV6[c] = 1;
for (let c = 0x41; c <= 0x46; c++) IPV6[c] = 1;
for (let c = 0x61; c <= 0x66; c++) IPV6[c] = 1;

export function isTokenChar(c: number): boolean {
  return c < 128 && TOKEN[c] === 1;
}

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN[c] !== 1) return false;
  }
  return true;
}

export function isUserChar(c: number): boolean {
  return c < 128 && USER[c] === 1;
}
export function isPasswordChar(c: number): boolean {
  return c < 128 && PASSWORD[c] === 1;
}
export function isParamChar(c: number): boolean {
  return c < 128 && PARAM[c] === 1;
}
export function isHnvChar(c: number): boolean {
  return c < 128 && HNV[c] === 1;
}
export function isHostChar(c: number): boolean {
  return c < 128 && HOST[c] === 1;
}
export function isIpv6Char(c: number): boolean {
  return c < 128 && IPV6[c] === 1;
}

/** SP or HTAB. */
export function isWsp(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** LWS after unfolding: SP, HTAB, CR, LF. */
export function isLws(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** True when every character is a decimal digit (and there is at least one). */
export function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** Index of the first non-LWS character at or after `i`. */
export function skipLws(s: string, i: number): number {
  while (i < s.length && isLws(s.charCodeAt(i))) i++;
  return i;
}

/** `s` without leading and trailing LWS. */
export function trimLws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isLws(s.charCodeAt(a))) a++;
  while (b > a && isLws(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}
