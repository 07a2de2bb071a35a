// RFC 3261 §25.1:
//   quoted-string = SWS DQUOTE *(qdtext / quoted-pair ) DQUOTE
//   quoted-pair   = "\" (%x00-09 / %x0B-0C / %x0E-7F)

/**
 * Given `s[i] === '"'`, returns the index just after the closing quote, or -1 when the string is
 * unterminated or holds a bad quoted-pair.
 */
export function scanQuoted(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c === 0x5c) {
      const n = s.charCodeAt(j + 1);
      if (Number.isNaN(n) || n === 0x0a || n === 0x0d || n > 0x7f) return -1;
      j++;
    }
  }
  return -1;
}

/** Contents of a quoted-string with quoted-pairs resolved; a value that is not quoted is returned as is. */
export function unquote(s: string): string {
  if (s.length < 2 || s.charCodeAt(0) !== 0x22 || s.charCodeAt(s.length - 1) !== 0x22) return s;
  const inner = s.slice(1, -1);
  if (inner.indexOf('\\') < 0) return inner;
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i] as string;
    if (ch === '\\' && i + 1 < inner.length) {
      out += inner[i + 1];
      i++;
    } else {
      out += ch;
    }
  }
  return out;
}

/** `s` as a quoted-string, escaping `"` and `\`. */
export function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (ch === '"' || ch === '\\') out += '\\';
    out += ch;
  }
  return out + '"';
}
