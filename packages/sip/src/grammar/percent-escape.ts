// RFC 3261 §25.1: escaped = "%" HEXDIG HEXDIG. §19.1.4: "Characters other than those in the
// 'reserved' set are equivalent to their '"%" HEX HEX' encoding." URI components are decoded on parse
// and re-escaped on format with the set of characters each component allows unescaped.

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Decodes %XX escapes, checking every other character with `allowed`. Returns undefined when a
 * character is not allowed or an escape is malformed. Escaped octets are decoded as UTF-8 (invalid
 * sequences become U+FFFD; escaped NUL octets are kept as U+0000 — RFC 4475 §3.1.1.4).
 */
export function percentDecode(s: string, allowed: (c: number) => boolean): string | undefined {
  let hasEscape = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      if (i + 2 >= s.length) return undefined;
      if (hexVal(s.charCodeAt(i + 1)) < 0 || hexVal(s.charCodeAt(i + 2)) < 0) return undefined;
      hasEscape = true;
      i += 2;
    } else if (!allowed(c)) {
      return undefined;
    }
  }
  if (!hasEscape) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      bytes.push(hexVal(s.charCodeAt(i + 1)) * 16 + hexVal(s.charCodeAt(i + 2)));
      i += 2;
    } else {
      bytes.push(c);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

const HEX = '0123456789ABCDEF';

/** Escapes every character that `allowed` rejects as %XX (UTF-8 octets). */
export function percentEncode(s: string, allowed: (c: number) => boolean): string {
  let clean = true;
  for (let i = 0; i < s.length; i++) {
    if (!allowed(s.charCodeAt(i))) {
      clean = false;
      break;
    }
  }
  if (clean) return s;
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch.length === 1 && c < 128 && allowed(c)) {
      out += ch;
    } else {
      for (const b of Buffer.from(ch, 'utf8')) out += '%' + HEX[b >> 4] + HEX[b & 15];
    }
  }
  return out;
}
