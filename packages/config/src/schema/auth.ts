import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from './annotations.js';

export const DIGEST_ALGORITHMS = ['SHA-256', 'MD5'] as const;

const AuthUser = Type.Object(
  {
    username: Type.String({
      minLength: 1,
      maxLength: 256,
      description: 'Digest user name (the username parameter of the Authorization header).',
      'x-reason': 'Required: identifies the credential.',
    }),
    password: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'Cleartext password; give this or ha1.',
        'x-reason': 'Optional: ha1 avoids keeping the password in the file.',
        'x-secret': true,
      }),
    ),
    ha1: Type.Optional(
      Type.String({
        pattern: '^([0-9a-fA-F]{32}|[0-9a-fA-F]{64})$',
        description:
          'Precomputed H(username:realm:password) in hex (32 digits for MD5, 64 for SHA-256); give this or password.',
        'x-reason': 'Lets the file hold no password (RFC 7616 §3.4.2); only valid for the configured realm.',
        'x-secret': true,
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'One user of the embedded user store.',
    'x-reason': 'Needs a password or an ha1.',
  },
);

export const AuthSection = Type.Object(
  {
    realm: Type.String({
      maxLength: 253,
      default: '',
      description: 'Digest realm sent in challenges; empty means the value of sip.domain.',
      'x-reason':
        'RFC 3261 §22.1: the realm should identify the protection domain, which is usually the SIP domain.',
    }),
    algorithms: Type.Array(
      StringEnum(DIGEST_ALGORITHMS, {
        description: 'A digest algorithm.',
        'x-reason': 'RFC 7616 §3.7 algorithms.',
      }),
      {
        minItems: 1,
        uniqueItems: true,
        default: ['SHA-256', 'MD5'],
        description: 'Digest algorithms offered in challenges, in order of preference (one challenge each).',
        'x-reason':
          'RFC 7616 §3.7: offer SHA-256 first; MD5 is kept so that older devices can still register.',
      },
    ),
    nonceLifetimeSec: Type.Integer({
      minimum: 10,
      maximum: 86400,
      default: 300,
      description: 'How long a server nonce is accepted before the client is asked again (stale=true).',
      'x-reason': 'Five minutes bounds replay of a captured nonce while rarely forcing an extra round trip.',
    }),
    maxTrackedNonces: Type.Integer({
      minimum: 1000,
      maximum: 10_000_000,
      default: 100_000,
      description:
        'Nonces whose nonce-count is remembered for replay detection; beyond it the oldest are forgotten (sip_auth_nonces_evicted), and a client reusing one gets a stale challenge.',
      'x-reason':
        'About 6 MB of memory; covers the nonce lifetime at up to 333 registrations/s, and several seconds at 20,000/s, far longer than a challenge takes to answer.',
    }),
    users: Type.Array(AuthUser, {
      maxItems: 100000,
      default: [],
      description: 'Users of the embedded user store (a database-backed store may replace it).',
      'x-reason': 'Empty: no credential exists until an operator creates one.',
    }),
    storeCleartextPasswords: Type.Boolean({
      default: false,
      description: 'Keep cleartext passwords in storage instead of only the per-realm HA1 values.',
      'x-reason':
        'false: a leaked database then reveals no password usable elsewhere; set true only if the realm or the algorithm list must change without re-enrolling users.',
    }),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'SIP digest authentication (RFC 3261 §22, RFC 7616).',
    'x-reason': 'Secure algorithms first, no users until created.',
  },
);
export type AuthConfig = Static<typeof AuthSection>;
