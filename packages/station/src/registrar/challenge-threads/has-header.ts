/**
 * True when the SIP message in `data` has a header field `name` (lower-case, no compact form) among its
 * headers, found by a scan of the raw bytes up to the empty line. Used to route a datagram before it is
 * parsed; it errs towards true for odd spellings it cannot rule out (folded lines are matched too).
 */
export function hasHeader(data: Buffer, name: string): boolean {
  const n = name.length;
  const end = data.length;
  let i = data.indexOf(0x0a); // end of the start line
  while (i !== -1 && i + 1 < end) {
    const s = i + 1; // start of a header line
    const c = data[s] as number;
    if (c === 0x0d || c === 0x0a) return false; // empty line: end of headers
    if (s + n < end && (data[s + n] === 0x3a || data[s + n] === 0x20 || data[s + n] === 0x09)) {
      let k = 0;
      while (k < n && ((data[s + k] as number) | 0x20) === name.charCodeAt(k)) k++;
      if (k === n) {
        let j = s + n;
        while (j < end && (data[j] === 0x20 || data[j] === 0x09)) j++;
        if (data[j] === 0x3a) return true;
      }
    }
    i = data.indexOf(0x0a, s);
  }
  return false;
}
