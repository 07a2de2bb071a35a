import { Type, type Static } from '@sinclair/typebox';
import { Host, Port, StringEnum } from './annotations.js';

export const SNMP_AUTH_PROTOCOLS = [
  'none',
  'MD5',
  'SHA',
  'SHA-224',
  'SHA-256',
  'SHA-384',
  'SHA-512',
] as const;
export const SNMP_PRIV_PROTOCOLS = ['none', 'DES', 'AES'] as const;

const SnmpListen = Type.Object(
  {
    transport: StringEnum(['udp'] as const, {
      default: 'udp',
      description: 'Transport of the agent (RFC 3417 §2 UDP mapping).',
      'x-reason': 'UDP is the transport every SNMP manager supports.',
    }),
    host: Host({
      default: '127.0.0.1',
      description: 'Address the agent binds.',
      'x-reason': 'Loopback: nothing is exposed to the network until an operator decides so.',
    }),
    port: Port({
      default: 1161,
      description: 'Port the agent binds (0 = any free port).',
      'x-reason':
        'Unprivileged stand-in for 161, so the agent runs without root; set 161 when run with the capability.',
    }),
  },
  {
    additionalProperties: false,
    description: 'One SNMP agent socket.',
    'x-reason': 'One entry per address makes every open socket visible.',
  },
);

const Community = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'Community string (SNMPv1/v2c, RFC 3584).',
      'x-reason': 'Required.',
      'x-secret': true,
    }),
    access: StringEnum(['read', 'write'] as const, {
      default: 'read',
      description: 'What the community may do.',
      'x-reason': 'Read-only unless write is asked for explicitly.',
    }),
  },
  { additionalProperties: false, description: 'One community.', 'x-reason': 'See fields.' },
);

const UsmUser = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 32,
      description: 'USM user name (RFC 3414 usmUserName).',
      'x-reason': 'Required; 32 octets is the SnmpAdminString limit of usmUserSecurityName.',
    }),
    authProtocol: StringEnum(SNMP_AUTH_PROTOCOLS, {
      default: 'SHA-256',
      description: 'Authentication protocol (RFC 3414 MD5/SHA, RFC 7860 SHA-2).',
      'x-reason': 'HMAC-SHA-256 (RFC 7860): MD5 and SHA-1 are kept only for old managers.',
    }),
    authPassword: Type.Optional(
      Type.String({
        minLength: 8,
        maxLength: 256,
        description: 'Authentication passphrase (at least 8 characters, the USM minimum of RFC 3414).',
        'x-reason': 'No default; required unless authProtocol is none.',
        'x-secret': true,
      }),
    ),
    privProtocol: StringEnum(SNMP_PRIV_PROTOCOLS, {
      default: 'AES',
      description: 'Privacy protocol (RFC 3414 DES, RFC 3826 AES-128).',
      'x-reason': 'AES-128 (RFC 3826); DES only for old managers.',
    }),
    privPassword: Type.Optional(
      Type.String({
        minLength: 8,
        maxLength: 256,
        description: 'Privacy passphrase (at least 8 characters, the USM minimum of RFC 3414).',
        'x-reason': 'No default; required unless privProtocol is none.',
        'x-secret': true,
      }),
    ),
    access: StringEnum(['read', 'write'] as const, {
      default: 'read',
      description: 'What the user may do (mapped to a VACM group, RFC 3415).',
      'x-reason': 'Read-only unless write is asked for explicitly.',
    }),
  },
  { additionalProperties: false, description: 'One SNMPv3 USM user.', 'x-reason': 'See fields.' },
);

const TrapTarget = Type.Object(
  {
    host: Host({
      description: 'Address of the notification receiver.',
      'x-reason': 'Required.',
    }),
    port: Port({
      default: 162,
      description: 'Port of the notification receiver.',
      'x-reason': 'RFC 3417 §3 snmpTrap port.',
    }),
    version: StringEnum(['v2c', 'v3'] as const, {
      default: 'v3',
      description: 'SNMP version of the notifications.',
      'x-reason': 'v3 authenticates the sender.',
    }),
    community: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Community for v2c notifications.',
        'x-reason': 'Only for v2c.',
        'x-secret': true,
      }),
    ),
    user: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'USM user (from snmp.users) for v3 notifications.',
        'x-reason': 'Only for v3.',
      }),
    ),
    inform: Type.Boolean({
      default: false,
      description: 'Send InformRequest (acknowledged) instead of SNMPv2-Trap.',
      'x-reason': 'Traps cost the receiver nothing; informs retry and are worth it for important receivers.',
    }),
  },
  { additionalProperties: false, description: 'One notification receiver.', 'x-reason': 'See fields.' },
);

export const SnmpSection = Type.Object(
  {
    listen: Type.Array(SnmpListen, {
      maxItems: 16,
      default: [{ transport: 'udp', host: '127.0.0.1', port: 1161 }],
      description: 'SNMP agent sockets (empty disables the agent).',
      'x-reason': 'Loopback on an unprivileged port: works without root and exposes nothing.',
    }),
    communities: Type.Array(Community, {
      maxItems: 64,
      default: [{ name: 'public', access: 'read' }],
      description: 'SNMPv1/v2c communities (empty disables v1/v2c).',
      'x-reason':
        'Read-only "public" on loopback so that snmpwalk works out of the box; remove it before exposing the agent.',
    }),
    users: Type.Array(UsmUser, {
      maxItems: 1000,
      default: [],
      description: 'SNMPv3 USM users (RFC 3414).',
      'x-reason': 'None until an operator creates one.',
    }),
    engineId: Type.Optional(
      Type.String({
        pattern: '^(0x)?([0-9a-fA-F]{2}){5,32}$',
        description:
          'snmpEngineID in hex (5-32 octets, RFC 3411 §5); absent = derived and persisted at first start.',
        'x-reason':
          'Must be unique and stable per engine, so it is generated rather than shared through a file.',
      }),
    ),
    sysContact: Type.String({
      maxLength: 255,
      default: '',
      description: 'sysContact.0 (RFC 3418): who to contact about this station.',
      'x-reason': 'Unknown until the operator sets it.',
    }),
    sysLocation: Type.String({
      maxLength: 255,
      default: '',
      description: 'sysLocation.0 (RFC 3418): where this station runs.',
      'x-reason': 'Unknown until the operator sets it.',
    }),
    busyPollMicros: Type.Integer({
      minimum: 0,
      maximum: 100_000,
      default: 200,
      description:
        'After each request, keep the agent polling its sockets for this many microseconds instead of sleeping (0 = off; off anyway on a single CPU). Shortens a walk round trip by the wake-up time at the cost of CPU while requests keep coming.',
      'x-reason':
        'A walker sends its next GetBulk within tens of microseconds of the answer; 200 µs covers that and costs at most 0.2 ms of CPU after the last request.',
    }),
    trapTargets: Type.Array(TrapTarget, {
      maxItems: 64,
      default: [],
      description: 'Where SNMP notifications are sent.',
      'x-reason': 'None until an operator names a receiver.',
    }),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'SNMP agent (RFC 3411-3418) exposing the SIP MIB (RFC 4780) and Beckon state.',
    'x-reason': 'Loopback, unprivileged port, read-only.',
  },
);
export type SnmpConfig = Static<typeof SnmpSection>;
