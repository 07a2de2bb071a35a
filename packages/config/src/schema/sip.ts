import { Type, type Static } from '@sinclair/typebox';
import { Host, Port, StringEnum } from './annotations.js';

export const SIP_TRANSPORTS = ['udp', 'tcp', 'tls', 'ws'] as const;

const TlsFiles = Type.Object(
  {
    certFile: Type.String({
      minLength: 1,
      description: 'PEM file with the certificate chain presented by this listener.',
      'x-reason': 'No default: a certificate identifies this deployment and must be chosen by the operator.',
    }),
    keyFile: Type.String({
      minLength: 1,
      description: 'PEM file with the private key of certFile.',
      'x-reason': 'No default: the key belongs with the certificate.',
    }),
    caFile: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'PEM file with the CAs trusted for client certificates (mutual TLS).',
        'x-reason': 'Optional: without it clients are authenticated by SIP digest only (RFC 3261 §26.3.1).',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'Certificate and key for a tls listener; required when transport is tls.',
    'x-reason': 'Only meaningful for tls; absent for the other transports.',
  },
);

const SipListen = Type.Object(
  {
    transport: StringEnum(SIP_TRANSPORTS, {
      description: 'Transport protocol (RFC 3261 §18; ws per RFC 7118).',
      'x-reason': 'Required in each entry: a listener without a transport is ambiguous.',
    }),
    host: Host({
      default: '127.0.0.1',
      description: 'Address to bind.',
      'x-reason': 'Loopback: nothing is exposed to the network until an operator decides so.',
    }),
    port: Port({
      default: 5060,
      description: 'Port to bind (0 = any free port).',
      'x-reason': 'RFC 3261 §18 default port for sip: over UDP and TCP.',
    }),
    tls: Type.Optional(TlsFiles),
  },
  {
    additionalProperties: false,
    description: 'One SIP listening socket.',
    'x-reason': 'One entry per transport and address makes every open socket visible in the configuration.',
  },
);

export const SipSection = Type.Object(
  {
    listen: Type.Array(SipListen, {
      minItems: 1,
      maxItems: 32,
      default: [
        { transport: 'udp', host: '127.0.0.1', port: 5060 },
        { transport: 'tcp', host: '127.0.0.1', port: 5060 },
      ],
      description: 'SIP listening sockets.',
      'x-reason':
        'UDP and TCP on loopback: RFC 3261 §18 requires both for proxies and registrars; loopback keeps a fresh install private.',
    }),
    domain: Type.String({
      minLength: 1,
      maxLength: 253,
      default: 'localhost',
      description: 'SIP domain this station is responsible for (host part of the AORs it registers).',
      'x-reason': 'localhost works out of the box on one machine; set the real domain in production.',
    }),
    t1Ms: Type.Integer({
      minimum: 50,
      maximum: 10000,
      default: 500,
      description: 'Timer T1: RTT estimate, base of retransmission intervals (ms).',
      'x-reason': 'RFC 3261 §17.1.1.1 recommended value; lower it only on a network known to be faster.',
    }),
    t2Ms: Type.Integer({
      minimum: 500,
      maximum: 60000,
      default: 4000,
      description:
        'Timer T2: maximum retransmission interval for non-INVITE requests and INVITE responses (ms).',
      'x-reason': 'RFC 3261 §17.1.2.2 value.',
    }),
    t4Ms: Type.Integer({
      minimum: 0,
      maximum: 60000,
      default: 5000,
      description: 'Timer T4: maximum time a message stays in the network (ms).',
      'x-reason': 'RFC 3261 §17.1.2.2 value.',
    }),
    maxMessageBytes: Type.Integer({
      minimum: 1500,
      maximum: 1048576,
      default: 65535,
      description: 'Largest SIP message accepted on any transport (bytes); larger ones are rejected.',
      'x-reason':
        'The largest UDP datagram; bounds the memory one peer can make a stream connection buffer (RFC 3261 §18.3 framing).',
    }),
    maxConnections: Type.Integer({
      minimum: 1,
      maximum: 1000000,
      default: 10000,
      description: 'Most concurrent stream (TCP/TLS/WS) connections; new ones are refused beyond it.',
      'x-reason':
        'Covers a large fleet of connection-oriented devices while keeping file descriptors bounded.',
    }),
    maxConnectionsPerSource: Type.Integer({
      minimum: 1,
      maximum: 100000,
      default: 100,
      description: 'Most concurrent stream connections from one source IP address.',
      'x-reason':
        'Several devices behind one NAT share an address; 100 allows that but stops one host exhausting the table.',
    }),
    idleConnectionTimeoutSec: Type.Integer({
      minimum: 10,
      maximum: 86400,
      default: 300,
      description:
        'Close a stream connection that carried nothing (not even a keep-alive) for this long (s).',
      'x-reason':
        'Above the 95-120 s keep-alive interval of RFC 5626 §4.4.1 so that flows kept alive by devices stay open.',
    }),
    udpRecvBufferBytes: Type.Integer({
      minimum: 65536,
      maximum: 268435456,
      default: 4194304,
      description: 'Kernel receive buffer requested for each UDP socket (SO_RCVBUF, bytes).',
      'x-reason':
        'Absorbs registration bursts (thousands of devices after a power cut) without kernel drops; the kernel caps it at net.core.rmem_max.',
    }),
    udpCoalesceSends: Type.Boolean({
      default: true,
      description:
        'Write the UDP datagrams sent during one event-loop turn together at its end instead of one by one.',
      'x-reason':
        'Responses to a burst of requests leave as a burst and wake the peer once; in paired runs at 10,000-17,500 digest registrations/s the p99 was lower in 5 of 7 pairs, equal in 1, higher in 1, at the same CPU (bench/RESULTS.md). The delay is the rest of the current turn.',
    }),
    udpBatchIo: Type.Boolean({
      default: true,
      description:
        'Read and write IPv4 UDP in batches (Linux recvmmsg/sendmmsg, the native helper built by npm ci); off, or where the helper is missing, Node dgram alone.',
      'x-reason':
        'Node dgram costs about 3.5 µs of user time per datagram; the helper cut a SIPp digest load at 20,000 registrations/s from 21-24 to 13 ms of CPU per 1,000 on a bare responder (bench/RESULTS.md). Whether it is in use shows in sip_transport_udp_batched_listeners.',
    }),
    userAgent: Type.String({
      maxLength: 200,
      default: 'Beckon',
      description: 'Value of the User-Agent/Server header sent; empty omits the header.',
      'x-reason':
        'Names the product for troubleshooting without a version number (RFC 3261 §20.35 and §20.41 note the risk).',
    }),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'SIP transport, timers and limits (RFC 3261).',
    'x-reason': 'RFC 3261 values and loopback-only sockets: correct by default, private until opened.',
  },
);
export type SipConfig = Static<typeof SipSection>;
