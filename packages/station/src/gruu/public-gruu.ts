/**
 * The instance ID of a `+sip.instance` value (RFC 5626 §4.1: `"<urn:uuid:...>"`, the parser already
 * removed the quotes): the URN between the angle brackets, or the value itself when it has none.
 */
export function instanceIdOf(instance: string): string {
  const v = instance.trim();
  return v.startsWith('<') && v.endsWith('>') ? v.slice(1, -1) : v;
}

// RFC 3261 §25.1: paramchar = param-unreserved / unreserved / escaped.
const PARAM_CHAR = /[A-Za-z0-9\-_.!~*'()[\]/:&+$]/;

/** A URI parameter value for `s`, with every character outside paramchar %-escaped. */
export function escapeParamValue(s: string): string {
  let out = '';
  for (const ch of s) {
    if (PARAM_CHAR.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/**
 * RFC 5627 §3.1: the public GRUU of an instance "is constructed by taking the AOR, and adding the "gr" URI
 * parameter with a value equal to the instance ID". `aor` is the location service's key (`sip:user@host`).
 */
export function publicGruu(aor: string, instance: string): string {
  return aor + ';gr=' + escapeParamValue(instanceIdOf(instance));
}
