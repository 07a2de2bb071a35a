import { Type, type Static } from '@sinclair/typebox';
import { ListenEndpoint } from './listen-endpoint.js';

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
  },
  {
    additionalProperties: false,
    default: {},
    description: 'The management-req event package (seed 000) and the call-home sessions it triggers.',
    'x-reason': 'Values recommended by seed 000.',
  },
);
export type ManagementConfig = Static<typeof ManagementSection>;
