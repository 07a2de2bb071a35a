// Parse + serialize rate of a typical REGISTER (run: node --import tsx bench/sip-parse.bench.ts).
import { parseMessage } from '../packages/sip/src/index.js';

const REGISTER = Buffer.from(
  [
    'REGISTER sip:registrar.example.com SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport',
    'Max-Forwards: 70',
    'To: Bob <sip:bob@example.com>',
    'From: Bob <sip:bob@example.com>;tag=456248',
    'Call-ID: 843817637684230@998sdasdh09',
    'CSeq: 1826 REGISTER',
    'Contact: <sip:bob@192.0.2.10:5060;transport=udp>;expires=3600',
    'User-Agent: beckon-bench/1.0',
    'Expires: 7200',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n'),
);

function run(label: string, n: number, fn: () => void): void {
  for (let i = 0; i < 20000; i++) fn(); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  const ns = Number(process.hrtime.bigint() - t0);
  console.log(
    `${label}: ${Math.round((n * 1e9) / ns).toLocaleString('en')} msg/s (${(ns / n / 1000).toFixed(2)} µs/msg)`,
  );
}

const N = 200_000;
run('parse REGISTER', N, () => {
  const r = parseMessage(REGISTER);
  if (!r.ok) throw new Error(r.error.reason);
});
run('parse + contacts() + serialize REGISTER', N, () => {
  const r = parseMessage(REGISTER);
  if (!r.ok) throw new Error(r.error.reason);
  r.message.contacts();
  r.message.serialize();
});
