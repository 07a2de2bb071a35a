// UDP echo rate through TransportLayer on loopback: 500-byte SIP-like datagrams, a client in a worker
// thread keeping a fixed window in flight. Bounded: runs for DURATION_MS. Not part of the test suite.
// Run: node --import tsx packages/sip/test/transport/udp-echo.bench.ts
import { Worker } from 'node:worker_threads';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { TransportLayer, type Flow } from '../../src/transport/index.js';

const DURATION_MS = Number(process.env.DURATION_MS ?? 5000);
const WINDOW = Number(process.env.WINDOW ?? 256);

const layer = new TransportLayer(
  { log: silentLogger(), metrics: new MetricsRegistry() },
  { listeners: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] },
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
const dgram = require('node:dgram');
const head = 'MESSAGE sip:bench@127.0.0.1 SIP/2.0\\r\\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKbench\\r\\nCall-ID: bench\\r\\nContent-Length: ';
const pad = 500 - head.length - 7;
const msg = Buffer.from(head + String(pad).padStart(3, '0') + '\\r\\n\\r\\n' + 'x'.repeat(pad));
const s = dgram.createSocket('udp4');
let echoes = 0, inflight = 0, running = true;
s.on('message', () => { echoes++; inflight--; if (running) { s.send(msg, workerData.port, '127.0.0.1'); inflight++; } });
s.bind(0, '127.0.0.1', () => {
  for (let i = 0; i < workerData.window; i++) { s.send(msg, workerData.port, '127.0.0.1'); inflight++; }
  // Re-prime the window if datagrams are lost.
  const refill = setInterval(() => { while (inflight < workerData.window / 2) { s.send(msg, workerData.port, '127.0.0.1'); inflight++; } inflight = Math.max(inflight, 0); }, 50);
  setTimeout(() => { running = false; clearInterval(refill); parentPort.postMessage({ echoes, size: msg.length }); s.close(); }, workerData.duration);
});
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
  `udp echo: ${result.size}-byte datagrams, ${received} received by the layer in ${secs.toFixed(2)} s = ` +
    `${Math.round(received / secs)} msg/s in (+ same out); ${result.echoes} echoes back at the client`,
);
