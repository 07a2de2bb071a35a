import { scanQuoted } from './quoted-string.js';
import { trimLws } from './char-classes.js';

// RFC 3261 §7.3.1: "Multiple header field rows with the same field-name MAY be present in a message if
// and only if the entire field-value for that header field is defined as a comma-separated list
// (that is, if follows the grammar defined in Section 7.3)."

/**
 * Splits a list header value at top-level commas: commas inside quoted-strings or inside `<...>`
 * do not split. Elements are trimmed; empty elements are kept (as '') so that grammar checks can
 * reject them. An unterminated quote swallows the rest of the value into the last element.
 */
export function splitList(value: string): string[] {
  if (value.indexOf(',') < 0) return [trimLws(value)];
  const out: string[] = [];
  let start = 0;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22) {
      const end = scanQuoted(value, i);
      if (end < 0) break;
      i = end - 1;
    } else if (c === 0x3c) {
      angle = true;
    } else if (c === 0x3e) {
      angle = false;
    } else if (c === 0x2c && !angle) {
      out.push(trimLws(value.slice(start, i)));
      start = i + 1;
    }
  }
  out.push(trimLws(value.slice(start)));
  return out;
}
