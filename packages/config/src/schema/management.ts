import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from './annotations.js';
import { ListenEndpoint } from './listen-endpoint.js';

const NotifyCredential = Type.Object(
  {
    device: Type.String({
      minLength: 1,
      maxLength: 512,
      description:
        'Device the credential is for: its MAC / instrument id (02:be:c1:00:00:01), or its canonical id (inst:<id>, uri:sip:user@host).',
      'x-reason':
        'Required in each entry: names the device whose NOTIFY challenges these credentials answer.',
    }),
    username: Type.String({
      minLength: 1,
      maxLength: 256,
      description: "Digest user name the station answers the device's challenge with.",
      'x-reason': 'Required: a credential without a user cannot answer a challenge.',
    }),
    password: Type.String({
      minLength: 1,
      maxLength: 256,
      description: 'Digest password of username.',
      'x-reason': 'Required: the digest response is computed from it.',
      'x-secret': true,
    }),
    realm: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 253,
        description: 'Only answer challenges of this realm.',
        'x-reason': 'Optional: without it the credential answers any realm the device names.',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: "Credentials answering one device's digest challenge to a NOTIFY (RFC 3261 §22.2).",
    'x-reason': 'Seed 000 §6: the NOTIFY source should be authenticated; a device may challenge it.',
  },
);

const TrustEntry = Type.Object(
  {
    device: Type.String({
      minLength: 1,
      maxLength: 512,
      description: 'The device: MAC / instrument id, device URI or AOR.',
      'x-reason': 'Required in each entry: whose credentials these are.',
    }),
    tlsFingerprints: Type.Array(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'SHA-256 fingerprint of the device certificate (SnmpTLSFingerprint text 04:...).',
        'x-reason': 'RFC 6353 identifies TLS peers by certificate fingerprint.',
      }),
      {
        maxItems: 16,
        default: [],
        description: 'Certificates the device may present in snmp-tls sessions.',
        'x-reason': 'Empty: the device cannot use snmp-tls.',
      },
    ),
    sshHostKeys: Type.Array(
      Type.String({
        minLength: 8,
        maxLength: 200,
        pattern: '^SHA256:',
        description: 'SHA-256 fingerprint of the device SSH host key (OpenSSH form SHA256:...).',
        'x-reason': 'RFC 5592: the SSH server (the device, in call home) proves itself with its host key.',
      }),
      {
        maxItems: 16,
        default: [],
        description: 'Host keys the device may present in snmp-ssh sessions.',
        'x-reason': 'Empty: the device cannot use snmp-ssh.',
      },
    ),
  },
  {
    additionalProperties: false,
    description: 'How the station recognises one device that calls home (never by its address).',
    'x-reason': 'Devices sit behind NATs: only their credentials identify them.',
  },
);

const CallHomeSnmp = Type.Object(
  {
    tls: Type.Object(
      {
        certFile: Type.String({
          maxLength: 4096,
          default: '',
          description:
            'PEM certificate of the station as TLS client in snmp-tls sessions; empty = snmp-tls off.',
          'x-reason': 'No default: the certificate identifies a deployment.',
        }),
        keyFile: Type.String({
          maxLength: 4096,
          default: '',
          description: 'PEM private key of certFile.',
          'x-reason': 'No default: the key belongs with the certificate.',
        }),
        caFile: Type.String({
          maxLength: 4096,
          default: '',
          description: 'PEM trust anchors for device certificates; empty = fingerprints only.',
          'x-reason': 'Devices are recognised by fingerprint (trust); a CA is optional.',
        }),
        securityName: Type.String({
          maxLength: 32,
          default: 'beckon',
          description: 'tmSecurityName the station uses in TSM (RFC 5591) for snmp-tls sessions.',
          'x-reason': 'A fixed, recognisable name for the station in device access control.',
        }),
      },
      {
        additionalProperties: false,
        default: {},
        description: 'SNMP over TLS in call-home sessions (RFC 6353, station as TLS client).',
        'x-reason': 'Off until a certificate is configured.',
      },
    ),
    ssh: Type.Object(
      {
        username: Type.String({
          maxLength: 64,
          default: '',
          description: 'SSH user of the station in snmp-ssh sessions; empty = snmp-ssh off.',
          'x-reason': 'No default: the device decides which users it accepts.',
        }),
        privateKeyFile: Type.String({
          maxLength: 4096,
          default: '',
          description: 'Private key (OpenSSH/PEM) the station authenticates with.',
          'x-reason': 'No default: a key identifies a deployment.',
        }),
      },
      {
        additionalProperties: false,
        default: {},
        description: 'SNMP over SSH in call-home sessions (RFC 5592, station as SSH client).',
        'x-reason': 'Off until a user and key are configured.',
      },
    ),
    tcpCommunity: Type.String({
      maxLength: 64,
      default: '',
      description:
        'Community of snmp-tcp sessions (RFC 3430, SNMPv2c in clear text, labs only); empty = off.',
      'x-reason': 'Off: it neither authenticates the device nor encrypts anything.',
      'x-secret': true,
    }),
    trust: Type.Array(TrustEntry, {
      maxItems: 100000,
      default: [],
      description: 'Devices accepted in SNMP call-home sessions, with their credential fingerprints.',
      'x-reason': 'Empty: no device is trusted until an operator enrols it.',
    }),
  },
  {
    additionalProperties: false,
    default: {},
    description:
      'SNMP in call-home sessions and the task service (beckon task, /api/v1/tasks); on when tls, ssh or tcpCommunity is set. Off: a call-home ends the request at once.',
    'x-reason': 'Off by default: it needs credentials only an operator can provide.',
  },
);

export const ManagementSection = Type.Object(
  {
    callHomeListen: ListenEndpoint(
      { host: '127.0.0.1', port: 4334 },
      'call-home listener (devices connect here for SNMP over SSH/TLS after a management-req NOTIFY)',
      'The IANA port for call home over SSH (RFC 8071 §6); unprivileged.',
    ),
    notifyMinIntervalSec: Type.Integer({
      minimum: 0,
      maximum: 86400,
      default: 30,
      description: 'Least time between two non-empty management-req NOTIFYs to one device (s); 0 = no limit.',
      'x-reason':
        'Seed 000 §4.11: a notifier SHOULD hold NOTIFYs sent more often than an administrative interval; 30 s lets a failed session be retried soon without a storm.',
    }),
    defaultExpiresSec: Type.Integer({
      minimum: 60,
      maximum: 604800,
      default: 3600,
      description: 'Subscription duration granted to management-req SUBSCRIBEs without Expires (s).',
      'x-reason': 'Seed 000 §4.4: the default expiration time of the package is one hour.',
    }),
    advertisedCallHomeAddress: Type.String({
      maxLength: 300,
      pattern: '^$|^(\\[[0-9A-Fa-f:.]+\\]|[^\\s:\\[\\]]+):[0-9]{1,5}$',
      default: '',
      description:
        "host:port written into management-req NOTIFYs as the call-home address; empty = the call-home listener's bound address.",
      'x-reason':
        'Empty works when devices reach the listener directly; behind a NAT or with a wildcard bind set the public address.',
    }),
    requestTimeoutSec: Type.Integer({
      minimum: 1,
      maximum: 604800,
      default: 300,
      description: 'How long a management request may stay queued or notified before it expires (s).',
      'x-reason':
        'Five minutes covers a device that resubscribes after a restart, without keeping stale requests for ever.',
    }),
    shutdown: Type.Object(
      {
        mode: StringEnum(['deactivated', 'probation'] as const, {
          default: 'deactivated',
          description:
            'Reason in the final NOTIFY of each management-req subscription when the station stops (seed 000 §4.8).',
          'x-reason':
            'deactivated: devices resubscribe at once (RFC 6665 §4.1.3), which suits a restart; probation makes them wait retryAfterSec.',
        }),
        retryAfterSec: Type.Integer({
          minimum: 0,
          maximum: 86400,
          default: 60,
          description: 'retry-after of the final NOTIFY when mode is probation (s).',
          'x-reason': 'One minute spreads the resubscriptions of a fleet over a planned maintenance window.',
        }),
      },
      {
        additionalProperties: false,
        default: {},
        description: 'How management-req subscriptions end when the station shuts down.',
        'x-reason': 'Seed 000 §4.8: terminate with deactivated or probation on shutdown.',
      },
    ),
    callHomeTls: Type.Object(
      {
        listen: ListenEndpoint(
          { host: '127.0.0.1', port: 4335 },
          'TLS call-home listener',
          'Next to the plain call-home port; unprivileged.',
        ),
        certFile: Type.String({
          maxLength: 4096,
          default: '',
          description: 'PEM certificate chain of the TLS call-home listener; empty = no TLS listener.',
          'x-reason':
            'No certificate by default: a certificate identifies a deployment and is chosen by its operator.',
        }),
        keyFile: Type.String({
          maxLength: 4096,
          default: '',
          description: 'PEM private key of certFile (required when certFile is set).',
          'x-reason': 'No default: the key belongs with the certificate.',
        }),
      },
      {
        additionalProperties: false,
        default: {},
        description:
          'A second call-home listener over TLS (carrier tls), opened when certFile and keyFile are set.',
        'x-reason':
          'Off by default: the SNMP call-home protocols run TLS/SSH inside the plain TCP connection.',
      },
    ),
    callHomeSnmp: CallHomeSnmp,
    notifyCredentials: Type.Array(NotifyCredential, {
      maxItems: 100000,
      default: [],
      description: "Per-device credentials for devices that digest-challenge the station's NOTIFYs.",
      'x-reason':
        'Empty: devices that challenge NOTIFYs are answered with notifyCredentialsFallback, if any.',
    }),
    notifyCredentialsFallback: Type.Object(
      {
        username: Type.String({
          maxLength: 256,
          default: '',
          description: 'Digest user name for every device without its own entry; empty = no fallback.',
          'x-reason': 'No fallback by default: a shared NOTIFY credential is a deployment decision.',
        }),
        password: Type.String({
          maxLength: 256,
          default: '',
          description: 'Digest password of the fallback user.',
          'x-reason': 'No default: it belongs with the user name.',
          'x-secret': true,
        }),
        realm: Type.String({
          maxLength: 253,
          default: '',
          description: 'Only answer challenges of this realm; empty = any realm.',
          'x-reason': 'Any realm: the device names it in its challenge.',
        }),
      },
      {
        additionalProperties: false,
        default: {},
        description: 'Credentials for NOTIFY challenges of devices not listed in notifyCredentials.',
        'x-reason':
          'Without it (empty username) such a challenged NOTIFY fails and the request waits for its deadline.',
      },
    ),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'The management-req event package (seed 000) and the call-home sessions it triggers.',
    'x-reason': 'Values recommended by seed 000.',
  },
);
export type ManagementConfig = Static<typeof ManagementSection>;
