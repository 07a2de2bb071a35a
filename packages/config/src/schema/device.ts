import { Type, type Static } from '@sinclair/typebox';
import { Host, Port, StringEnum } from './annotations.js';

export const DEVICE_PROTOCOLS = ['snmp-ssh', 'snmp-tls', 'snmp-tcp', 'snmp', 'ssh', 'tls'] as const;

const FileSetting = (description: string, reason: string) =>
  Type.String({ maxLength: 4096, default: '', description, 'x-reason': reason });

const DeviceSnmp = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      description:
        'Run each device with an SNMP agent (SNMPv2-MIB, SIP-COMMON-MIB, SIP-UA-MIB) served only over its call-home sessions.',
      'x-reason': 'Off: the plain simulator needs no certificates or keys.',
    }),
    protocol: StringEnum(['tls', 'ssh'] as const, {
      default: 'tls',
      description: 'Secure transport the agents serve in call-home sessions: snmp-tls or snmp-ssh.',
      'x-reason': 'TLS: RFC 6353 call home, the first protocol the station offers.',
    }),
    certFile: FileSetting(
      'PEM certificate of the devices as TLS servers (protocol tls); empty = none.',
      'No default: a certificate identifies a deployment.',
    ),
    keyFile: FileSetting('PEM private key of certFile.', 'No default: the key belongs with the certificate.'),
    caFile: FileSetting(
      'PEM trust anchors for the station certificate; empty = fingerprints only.',
      'The station is recognised by fingerprint; a CA is optional.',
    ),
    stationFingerprints: Type.Array(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'SHA-256 fingerprint of a station certificate (SnmpTLSFingerprint text 04:...).',
        'x-reason': 'RFC 6353 identifies TLS peers by certificate fingerprint.',
      }),
      {
        maxItems: 16,
        default: [],
        description: 'Station certificates the agents accept in snmp-tls sessions (mapped to stationName).',
        'x-reason': 'Empty: no station is accepted until an operator lists one.',
      },
    ),
    hostKeyFile: FileSetting(
      'SSH host key (OpenSSH/PEM) of the devices (protocol ssh); empty = none.',
      'No default: a host key identifies a deployment.',
    ),
    authorizedStationKeys: Type.Array(
      Type.String({
        minLength: 8,
        maxLength: 200,
        pattern: '^SHA256:',
        description: 'SHA-256 fingerprint of a station SSH public key (OpenSSH form SHA256:...).',
        'x-reason': 'RFC 5592: the station logs in by public key.',
      }),
      {
        maxItems: 16,
        default: [],
        description: 'Station keys the agents accept for user stationName in snmp-ssh sessions.',
        'x-reason': 'Empty: no station is accepted until an operator lists one.',
      },
    ),
    stationName: Type.String({
      minLength: 1,
      maxLength: 32,
      default: 'beckon',
      description:
        'Security name of the station in the agents (TLS certificate mapping, SSH user); it may read and write.',
      'x-reason': 'The default of management.callHomeSnmp.tls.securityName.',
    }),
    sysDescr: Type.String({
      maxLength: 255,
      default: '',
      description:
        'sysDescr of every agent ({mac} is replaced by the device MAC, 12 hex digits); empty = "Beckon device <MAC>".',
      'x-reason': 'Names the product and the instrument, as RFC 3418 asks.',
    }),
    sysContact: Type.String({
      maxLength: 255,
      default: '',
      description: 'sysContact of every agent; empty = unknown.',
      'x-reason': 'No default: the contact is the operator.',
    }),
    sysLocation: Type.String({
      maxLength: 255,
      default: '',
      description: 'sysLocation of every agent; empty = unknown.',
      'x-reason': 'No default: the location is the site.',
    }),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'SNMP agents of the simulated devices, reachable only through call home (issue 6).',
    'x-reason': 'Off until credentials are configured.',
  },
);

export const DeviceSection = Type.Object(
  {
    count: Type.Integer({
      minimum: 1,
      maximum: 10000,
      default: 1,
      description: 'How many simulated devices `beckon device` runs in one process.',
      'x-reason': 'One device: the smallest fleet; raise it for load and scale tests.',
    }),
    macBase: Type.String({
      pattern: '^[0-9A-Fa-f]{2}([:-]?[0-9A-Fa-f]{2}){5}$',
      default: '02:be:c1:00:00:00',
      description: 'MAC address of device 0; device i has macBase + i (the instrument identifier, seed 002).',
      'x-reason':
        'A locally administered address (second bit of the first octet set), never a real vendor MAC.',
    }),
    userPattern: Type.String({
      minLength: 1,
      maxLength: 200,
      pattern: '\\{i\\}$',
      default: 'dev{i}',
      description:
        'Digest user name of device i: the pattern ends with {i}, replaced by the device number (0-based).',
      'x-reason': 'One user per device, as a real fleet has; matches the users the demo creates.',
    }),
    password: Type.String({
      minLength: 1,
      maxLength: 256,
      default: 'beckon-demo',
      description:
        'Digest password of every simulated device ({i} is replaced by the device number); the station needs the same users in auth.users.',
      'x-reason': 'A known test password: simulated devices are for labs, never for production credentials.',
      'x-secret': true,
    }),
    stationHost: Host({
      default: '127.0.0.1',
      description: 'Address of the station the devices register and subscribe at.',
      'x-reason': 'The station of the default configuration listens on loopback.',
    }),
    stationPort: Port({
      default: 5060,
      description: 'SIP port of the station.',
      'x-reason': 'RFC 3261 §18 default port, as the station listens by default.',
    }),
    transport: StringEnum(['udp', 'tcp'] as const, {
      default: 'udp',
      description: "Transport of the devices' SIP traffic.",
      'x-reason': 'UDP: what most SIP devices behind NATs use.',
    }),
    sockets: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: 4,
      description: 'SIP sockets shared by the devices (device i uses socket i mod sockets).',
      'x-reason': 'A few sockets keep file descriptors low while still spreading the traffic.',
    }),
    identification: StringEnum(['digest-username', 'sip-instance', 'both'] as const, {
      default: 'both',
      description:
        'How devices identify their instrument (seed 002): user/MAC digest user name, +sip.instance, or both.',
      'x-reason': 'Both: exercises each method the registrar supports.',
    }),
    protocols: Type.Array(
      Type.String({
        minLength: 1,
        maxLength: 64,
        pattern: '^[a-z0-9][a-z0-9.+-]*$',
        description: 'A management protocol token (seed 000 §5.1).',
        'x-reason': 'Tokens as in the mgmt-protos-list body.',
      }),
      {
        minItems: 1,
        maxItems: 16,
        default: ['snmp-ssh', 'snmp-tls'],
        description: `Management protocols the devices offer, in preference order (known: ${DEVICE_PROTOCOLS.join(', ')}).`,
        'x-reason': 'SNMP over SSH and over TLS: the call-home protocols the station serves.',
      },
    ),
    expiresSec: Type.Integer({
      minimum: 60,
      maximum: 604800,
      default: 3600,
      description: 'Subscription duration the devices ask for (s).',
      'x-reason': 'Seed 000 §4.4 default expiration time.',
    }),
    callHomeAllowed: Type.Array(
      Type.String({
        minLength: 3,
        maxLength: 300,
        description: 'A host:port the devices may call home to.',
        'x-reason': 'Seed 000 §6: a device only calls addresses it trusts.',
      }),
      {
        maxItems: 64,
        default: [],
        description:
          'Call-home destinations (host:port) the devices accept from NOTIFYs; empty = stationHost with management.callHomeListen.port.',
        'x-reason':
          'Empty suits a lab where the station is at stationHost; list the addresses in production.',
      },
    ),
    startRatePerSec: Type.Integer({
      minimum: 1,
      maximum: 100000,
      default: 500,
      description: 'New devices started per second.',
      'x-reason': 'Bounded load on the station while a large fleet comes up.',
    }),
    snmp: DeviceSnmp,
  },
  {
    additionalProperties: false,
    default: {},
    description: 'The device simulator (`beckon device`): N managed devices in one process.',
    'x-reason': 'One device on loopback by default, talking to a station with the default configuration.',
  },
);
export type DeviceConfig = Static<typeof DeviceSection>;
