/**
 * Formats Date header values (RFC 3261 §20.17: "SIP-date is a restrictive form of the RFC 1123 date,
 * always in GMT"), e.g. `Sat, 13 Nov 2010 23:29:00 GMT`, formatting at most once per second.
 */
export class HttpDate {
  private second = -1;
  private value = '';

  format(now: number): string {
    const second = Math.floor(now / 1000);
    if (second !== this.second) {
      this.second = second;
      this.value = new Date(second * 1000).toUTCString();
    }
    return this.value;
  }
}
