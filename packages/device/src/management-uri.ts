import { formatMac } from './mac-address.js';

/** Overrides of the §4.6 discovery (configuration, tests). */
export interface ManagementUriOverride {
  /** The whole Request-URI of the SUBSCRIBE. */
  uri?: string;
  /** The host part only (instead of `sipmgmtrequest.<domain>`). */
  host?: string;
}

/** The device URI (To/From) and the Request-URI of the management-req SUBSCRIBE. */
export interface ManagementUris {
  /** `sip:MAC%3a<MAC>@<domain>`: the config-framework device URI (To and From, seed 000 §4.6). */
  deviceUri: string;
  /** Request-URI: the device URI's user at `sipmgmtrequest.<domain>` unless overridden. */
  requestUri: string;
}

/**
 * Seed 000 §4.6: "The request URI of the SUBSCRIBE request SHOULD be formed exactly as "Device URIs" are
 * formed according to the SIP UA profile delivery framework ... with the difference that in step 3,
 * instead of prefixing the label "sipuaconfig" to domain name in the request URI, the label
 * "sipmgmtrequest" should be used instead." The device URI user is `MAC%3a` + the MAC in upper case
 * (the draft's examples: `sip:MAC%3aFF00000036C5@example.com`); the host of the Request-URI is
 * `sipmgmtrequest.<domain>`, which the endpoint resolves (A/AAAA) unless a target is configured.
 */
export function managementUris(
  domain: string,
  mac: string,
  override: ManagementUriOverride = {},
): ManagementUris | undefined {
  const m = formatMac(mac);
  if (m === undefined || domain.length === 0) return undefined;
  const user = `MAC%3a${m}`;
  const deviceUri = `sip:${user}@${domain}`;
  const requestUri = override.uri ?? `sip:${user}@${override.host ?? 'sipmgmtrequest.' + domain}`;
  return { deviceUri, requestUri };
}
