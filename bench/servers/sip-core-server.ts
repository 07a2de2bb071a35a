/**
 * A bare SIP user-agent core on one UDP+TCP address, answering OPTIONS (the endpoint's default
 * liveness handler). It measures the SIP core alone: transport, parser, transaction layer, serializer.
 *
 *   node --import tsx bench/servers/sip-core-server.ts --host 127.0.0.1 --port 5080 [--stateless-options]
 *
 * `--stateless-options` answers OPTIONS without a server transaction (SipEndpointInit.statelessMethods),
 * like Kamailio's sl_send_reply; by default OPTIONS gets a non-INVITE server transaction (Timer J).
 *
 * Prints `ready <pid>` on stdout once bound; exits on SIGTERM/SIGINT.
 */
import { parseArgs } from 'node:util';
import { createLogger, MetricsRegistry } from '@beckon/ops';
import { SipEndpoint, TransportLayer } from '@beckon/sip';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '5080' },
    'log-level': { type: 'string', default: 'warn' },
    'stateless-options': { type: 'boolean', default: false },
  },
});
const log = createLogger({ level: values['log-level'] });
const metrics = new MetricsRegistry();
const port = Number(values.port);
const transport = new TransportLayer(
  { log, metrics },
  {
    listeners: [
      { transport: 'udp', host: values.host, port },
      { transport: 'tcp', host: values.host, port },
    ],
  },
);
const endpoint = new SipEndpoint(
  { log, metrics, transport },
  { statelessMethods: values['stateless-options'] ? ['OPTIONS'] : [] },
);
const started = await endpoint.start();
if (!started.ok) {
  log.error({ error: started.error }, 'could not start');
  process.exit(1);
}
process.stdout.write(`ready ${process.pid}\n`);
const stop = (): void => {
  void endpoint.stop().then(() => {
    process.stdout.write(JSON.stringify(metrics.toJSON()) + '\n');
    process.exit(0);
  });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
