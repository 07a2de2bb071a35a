import { Type, type Static } from '@sinclair/typebox';

export const DemoSection = Type.Object(
  {
    devices: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: 20,
      description: 'Simulated devices `beckon demo` runs next to its station.',
      'x-reason': 'Twenty: enough to show a fleet, quick to bring up on any machine.',
    }),
    requestIntervalSec: Type.Number({
      minimum: 0.5,
      maximum: 3600,
      default: 3,
      description:
        'Seconds between two management requests the demo makes (to one device each, round robin).',
      'x-reason': 'Often enough to watch call-homes happen within a few seconds of starting.',
    }),
    fixedPorts: Type.Boolean({
      default: false,
      description:
        'Use the configured ports; false = the demo binds every listener to a free port of 127.0.0.1 and prints them.',
      'x-reason': 'The default ports (5060, 1161, 8080, 4334) are often taken on a workstation.',
    }),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'The self-contained demo (`beckon demo`).',
    'x-reason': 'Defaults that run on a fresh machine with nothing else set up.',
  },
);
export type DemoConfig = Static<typeof DemoSection>;
