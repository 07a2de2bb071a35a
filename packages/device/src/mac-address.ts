/** A MAC address (EUI-48) as 12 uppercase hex digits, the form of the config-framework device URI. */
export function formatMac(mac: string): string | undefined {
  const hex = mac.replace(/[:.-]/g, '');
  return /^[0-9a-fA-F]{12}$/.test(hex) ? hex.toUpperCase() : undefined;
}

/** The MAC `base + i` (wrapping in 48 bits), for simulators: distinct, deterministic. */
export function macPlus(base: string, i: number): string {
  const b = BigInt('0x' + (formatMac(base) ?? '000000000000'));
  const v = (b + BigInt(i)) & 0xffffffffffffn;
  return v.toString(16).padStart(12, '0').toUpperCase();
}

/**
 * A version-1 UUID URN whose node field is the MAC (RFC 4122 §4.1.6: "the node field consists of an IEEE
 * 802 MAC address"), for `+sip.instance` (seed 002 §8 second method). Time fields come from `timeMs`
 * (default now) in 100 ns units since 1582-10-15; the clock sequence is `clockSeq` (14 bits).
 */
export function macToInstanceUrn(mac: string, timeMs = Date.now(), clockSeq = 0): string | undefined {
  const m = formatMac(mac);
  if (m === undefined) return undefined;
  // RFC 4122 §4.1.4: 100-ns intervals since 00:00:00.00, 15 October 1582.
  const t = BigInt(timeMs) * 10000n + 0x01b21dd213814000n;
  const timeLow = (t & 0xffffffffn).toString(16).padStart(8, '0');
  const timeMid = ((t >> 32n) & 0xffffn).toString(16).padStart(4, '0');
  // §4.1.3: version 1 in the high nibble of time_hi_and_version.
  const timeHi = (((t >> 48n) & 0x0fffn) | 0x1000n).toString(16).padStart(4, '0');
  // §4.1.1: variant 10x in the clock_seq_hi_and_reserved byte.
  const seq = ((clockSeq & 0x3fff) | 0x8000).toString(16).padStart(4, '0');
  return `urn:uuid:${timeLow}-${timeMid}-${timeHi}-${seq}-${m.toLowerCase()}`;
}
