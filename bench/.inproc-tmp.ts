// In-process OPTIONS benchmark of SipEndpoint.onMessage (no sockets).
import { silentLogger, MetricsRegistry } from '@beckon/ops';
import { SipEndpoint } from '../packages/sip/src/index.js';
const N = Number(process.argv[2] ?? 200000);
const stateless = process.argv[3] === 'stateless';
let sent = 0;
const flow: any = {
  id: 'udp:127.0.0.1:5060>127.0.0.1:40000', transport: 'udp', local: { address: '127.0.0.1', port: 5060 },
  remote: { address: '127.0.0.1', port: 40000 }, secure: false, reliable: false, closed: false,
  send(d: Buffer) { sent += d.length; return { ok: true }; }, touch() {}, setIdleTimeout() {}, close() {},
};
const transport: any = { setUser() {}, listeners: () => [{ transport: 'udp', address: '127.0.0.1', port: 5060, family: 'IPv4' }], send: async () => ({ ok: true }) };
const ep = new SipEndpoint({ log: silentLogger(), metrics: new MetricsRegistry(), transport }, stateless ? ({ statelessMethods: ['OPTIONS'] } as any) : process.env.T1 ? { timers: { t1: Number(process.env.T1) } } : {});
function msg(i: number): Buffer {
  return Buffer.from(`OPTIONS sip:u1@bench.local SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bK-1234-${i}-0\r\nMax-Forwards: 70\r\nFrom: <sip:probe@bench.local>;tag=1234SIPpTag00${i}\r\nTo: <sip:u1@bench.local>\r\nCall-ID: ${i}-1234@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContact: <sip:probe@127.0.0.1:40000;transport=UDP>\r\nAccept: application/sdp\r\nUser-Agent: sipp-bench\r\nContent-Length: 0\r\n\r\n`);
}
const bufs: Buffer[] = []; for (let i = 0; i < N + 20000; i++) bufs.push(msg(i));
let k = 0;
function batch(n: number) { for (let i = 0; i < n; i++) ep.onMessage(bufs[k++]!, flow); }
// warm
for (let r = 0; r < 20; r++) batch(1000);
const c0 = process.cpuUsage(); const t0 = performance.now();
let done = 0;
await new Promise<void>((res) => { const step = () => { batch(5000); done += 5000; if (done >= N) res(); else setImmediate(step); }; step(); });
const c1 = process.cpuUsage(c0); const t1 = performance.now();
console.log(`${N} OPTIONS: cpu ${(((c1.user + c1.system) / 1000) * 1000 / N).toFixed(2)} ms/1000, wall ${((t1 - t0) * 1000 / N).toFixed(2)} ms/1000, live tx ${ep.transactions.size}, bytes ${sent}`);
console.log("has waitQueue", "waitQueue" in ep.transactions); if (process.env.T1) { const e0 = process.cpuUsage(); while (ep.transactions.size > 0) await new Promise((r) => setTimeout(r, 50)); const e1 = process.cpuUsage(e0); console.log(`expiry cpu ${(((e1.user + e1.system) / 1000) * 1000 / N).toFixed(2)} ms/1000`); }
global.gc?.(); console.log("heap/tx bytes", Math.round((process.memoryUsage().heapUsed - 0) / ep.transactions.size)); await ep.stop();
