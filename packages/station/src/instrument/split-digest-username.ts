export interface DigestUsernameParts {
  /** The real authentication user (the part used to find the credentials). */
  readonly user: string;
  /** The raw instrument token after the last '/', if any (normalise with normalizeInstrumentId). */
  readonly token?: string;
}

/**
 * Seed 002 §3 (first method): the provisioning system configures the authentication user as
 * "real-user/instrument-identifier". "Because the instrument identifier does not contain '/', parsing is
 * unique even if the real authentication user contains '/'." Hence the split at the LAST separator.
 * A username without a separator, or with nothing on one side of the last separator, carries no token
 * and is returned whole as the user.
 *
 * Verifying the digest: RFC 2617 §3.2.2.2 computes `A1 = username ":" realm ":" password` with the
 * username exactly as sent in the Authorization/Proxy-Authorization header, i.e. the FULL `user/TOKEN`.
 * The `response` therefore depends on the token, and a credential store that keeps only
 * HA1 = MD5("69:example.net:XYZZY") for the real user cannot check a response computed over
 * MD5("69/0000DEADBEEF:example.net:XYZZY"). The verifier must look the password up by `user` and compute
 * HA1 over the full received username, so it needs the cleartext password of `user` for each realm
 * (or an HA1 precomputed for every user/token pair the provisioning system handed out). Seed 002 §9
 * discusses the resulting password exposure.
 */
export function splitDigestUsername(username: string, separator = '/'): DigestUsernameParts {
  const at = separator.length > 0 ? username.lastIndexOf(separator) : -1;
  if (at <= 0 || at + separator.length >= username.length) return { user: username };
  return { user: username.slice(0, at), token: username.slice(at + separator.length) };
}
