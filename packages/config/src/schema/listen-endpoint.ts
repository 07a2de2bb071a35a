import { Type } from '@sinclair/typebox';
import { Host, Port } from './annotations.js';

/** A host/port pair a server binds to (used by http and management). */
export function ListenEndpoint(defaults: { host: string; port: number }, what: string, portReason: string) {
  return Type.Object(
    {
      host: Host({
        default: defaults.host,
        description: `Address the ${what} binds to.`,
        'x-reason':
          'Loopback only by default: nothing is exposed to the network until an operator decides so.',
      }),
      port: Port({
        default: defaults.port,
        description: `Port of the ${what} (0 = any free port).`,
        'x-reason': portReason,
      }),
    },
    {
      additionalProperties: false,
      default: {},
      description: `Where the ${what} listens.`,
      'x-reason': 'Loopback only by default: nothing is exposed to the network until an operator decides so.',
    },
  );
}
