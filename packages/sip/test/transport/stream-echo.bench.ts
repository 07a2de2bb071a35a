// TCP echo rate through TransportLayer on loopback: 500-byte SIP-like messages on one connection, a client
// in a worker thread keeping a window in flight. Bounded by DURATION_MS. Not part of the test suite.
// Run: node --import tsx packages/sip/test/transport/stream-echo.bench.ts
import { Worker } from 'node:worker_threads';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { TransportLayer, type Flow } from '../../src/transport/index.js';

const DURATION_MS = Number(process.env.DURATION_MS ?? 5000);
const WINDOW = Number(process.env.WINDOW ?? 256);

const layer = new TransportLayer(
  { log: silentLogger(), metrics: new MetricsRegistry() },
  { listeners: [{ transport: 'tcp', host: '127.0.0.1', port: 0 }] },
);
let received = 0;
layer.setUser({
  onMessage(data: Buffer, flow: Flow) {
    received++;
    flow.send(data);
  },
});
const r = await layer.start();
if (!r.ok) throw new Error(r.error);
const port = r.listeners[0]?.port ?? 0;

const clientCode = `
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
const head = 'MESSAGE sip:bench@127.0.0.1 SIP/2.0\\r\\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKbench\\r\\nCall-ID: bench\\r\\nContent-Length: ';
const pad = 500 - head.length - 7;
const msg = Buffer.from(head + String(pad).padStart(3, '0') + '\\r\\n\\r\\n' + 'x'.repeat(pad));
let bytes = 0, running = true, sent = 0;
const s = net.connect(workerData.port, '127.0.0.1', () => {
  s.setNoDelay(true);
  const burst = Buffer.concat(Array(workerData.window).fill(msg));
  s.write(burst); sent += workerData.window;
  setTimeout(() => { running = false; parentPort.postMessage({ echoes: Math.floor(bytes / msg.length), size: msg.length }); s.destroy(); }, workerData.duration);
});
let owed = 0;
s.on('data', (d) => {
  bytes += d.length; owed += d.length;
  if (!running) return;
  const n = Math.floor(owed / msg.length);
  if (n > 0) { owed -= n * msg.length; s.write(n === 1 ? msg : Buffer.concat(Array(n).fill(msg))); }
});
s.on('error', () => {});
`;
const worker = new Worker(clientCode, {
  eval: true,
  workerData: { port, window: WINDOW, duration: DURATION_MS },
});
const start = process.hrtime.bigint();
const result = await new Promise<{ echoes: number; size: number }>((resolve) =>
  worker.once('message', resolve),
);
const secs = Number(process.hrtime.bigint() - start) / 1e9;
await worker.terminate();
await layer.stop();
console.log(
  `tcp echo: ${result.size}-byte messages on one connection, ${received} framed by the layer in ` +
    `${secs.toFixed(2)} s = ${Math.round(received / secs)} msg/s in (+ same out)`,
);
