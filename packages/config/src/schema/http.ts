import { Type, type Static } from '@sinclair/typebox';
import { ListenEndpoint } from './listen-endpoint.js';

export const HttpSection = Type.Object(
  {
    listen: ListenEndpoint(
      { host: '127.0.0.1', port: 8080 },
      'HTTP server (REST API, web UI, Prometheus /metrics)',
      'A common unprivileged HTTP port.',
    ),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'HTTP server for the REST API, the web UI and Prometheus metrics.',
    'x-reason': 'Loopback only: the API is not exposed until an operator decides so.',
  },
);
export type HttpConfig = Static<typeof HttpSection>;
