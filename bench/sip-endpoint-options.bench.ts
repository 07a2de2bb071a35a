// CPU per 1,000 OPTIONS and heap per live transaction of SipEndpoint in-process (no sockets): the UA core,
// parser, transaction layer and serializer alone. The full picture (UDP syscalls, event loop) is the SIPp
// run against bench/servers/sip-core-server.ts.
//
//   node --expose-gc --import tsx bench/sip-endpoint-options.bench.ts [N] [stateless]
//   T1=40 node --import tsx bench/sip-endpoint-options.bench.ts 200000   (also measures Timer J expiry)
import { MetricsRegistry, silentLogger } from '../packages/ops/src/index.js';
import {
  SipEndpoint,
  type EndpointTransport,
  type Flow,
  type SendResult,
} from '../packages/sip/src/index.js';

const N = Number(process.argv[2] ?? 200_000);
const stateless = process.argv[3] === 'stateless';
const t1 = process.env.T1 === undefined ? undefined : Number(process.env.T1);

let sentBytes = 0;
const OK: SendResult = { ok: true };
const flow: Flow = {
  id: 'udp:127.0.0.1:5060>127.0.0.1:40000',
  transport: 'udp',
  local: { address: '127.0.0.1', port: 5060 },
  remote: { address: '127.0.0.1', port: 40000 },
  secure: false,
  reliable: false,
  closed: false,
  send(d: Buffer): SendResult {
    sentBytes += d.length;
    return OK;
  },
  touch(): void {},
  setIdleTimeout(): void {},
  close(): void {},
};
const transport: EndpointTransport = {
  setUser(): void {},
  listeners: () => [{ transport: 'udp', address: '127.0.0.1', port: 5060, family: 'IPv4' }],
  send: () => Promise.resolve(OK),
};
const ep = new SipEndpoint(
  { log: silentLogger(), metrics: new MetricsRegistry(), transport },
  { statelessMethods: stateless ? ['OPTIONS'] : [], ...(t1 === undefined ? {} : { timers: { t1 } }) },
);

// The SIPp options.xml shape, one distinct branch / Call-ID per request.
function options(i: number): Buffer {
  return Buffer.from(
    `OPTIONS sip:u1@bench.local SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bK-1234-${i}-0\r\n` +
      `Max-Forwards: 70\r\nFrom: <sip:probe@bench.local>;tag=1234SIPpTag00${i}\r\nTo: <sip:u1@bench.local>\r\n` +
      `Call-ID: ${i}-1234@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContact: <sip:probe@127.0.0.1:40000;transport=UDP>\r\n` +
      `Accept: application/sdp\r\nUser-Agent: sipp-bench\r\nContent-Length: 0\r\n\r\n`,
  );
}
const WARM = 20_000;
const bufs: Buffer[] = [];
for (let i = 0; i < N + WARM; i++) bufs.push(options(i));
let next = 0;
const feed = (n: number): void => {
  for (let i = 0; i < n; i++) ep.onMessage(bufs[next++] as Buffer, flow);
};

feed(WARM);
const c0 = process.cpuUsage();
await new Promise<void>((done) => {
  let fed = 0;
  const step = (): void => {
    feed(5_000);
    fed += 5_000;
    if (fed >= N) done();
    else setImmediate(step);
  };
  step();
});
const c1 = process.cpuUsage(c0);
const live = ep.transactions.size;
console.log(
  `${N} OPTIONS${stateless ? ' (stateless)' : ''}: ${((((c1.user + c1.system) / 1000) * 1000) / N).toFixed(1)} ms CPU per 1,000; ` +
    `${live} live transactions; ${sentBytes} bytes out`,
);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc && live > 0) {
  bufs.length = 0;
  gc();
  console.log(`heap per live transaction: ${Math.round(process.memoryUsage().heapUsed / live)} bytes`);
}
if (t1 !== undefined && live > 0) {
  const e0 = process.cpuUsage();
  while (ep.transactions.size > 0) await new Promise((r) => setTimeout(r, 50));
  const e1 = process.cpuUsage(e0);
  console.log(`Timer J expiry: ${((((e1.user + e1.system) / 1000) * 1000) / N).toFixed(1)} ms CPU per 1,000`);
}
await ep.stop();
