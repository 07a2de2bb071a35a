// In-process cost of a digest-authenticated registration (REGISTER → 401 → REGISTER with credentials →
// 200), as in SIPp's reg_auth.xml: feeds N REGISTERs without credentials into the station's stateless
// front (fake UDP flow), reads the nonce of each 401, builds the MD5 credentials OUTSIDE the timed part,
// then feeds the N authenticated REGISTERs. SQLite persistence on. Prints CPU µs per registration (both
// legs) and per leg.
//   node --import tsx bench/registrar-digest-micro.ts [--n 50000] [--db :memory:|path] [--algs MD5|SHA-256,MD5]
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { defaultConfig } from '@beckon/config';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import type { Credential, CredentialStore, Flow } from '@beckon/sip';
import { Station } from '@beckon/station';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '50000' },
    db: { type: 'string', default: `${process.env['TMPDIR'] ?? '/tmp'}/beckon-dmicro-${process.pid}.db` },
    algs: { type: 'string', default: 'MD5' },
  },
});
const N = Number(values.n);
const benchUsers: CredentialStore = {
  lookup(_realm: string, username: string): Credential | undefined {
    return /^u\d{7}$/.test(username) ? { kind: 'password', password: 'secret' } : undefined;
  },
};
const c = defaultConfig();
const station = new Station(
  { log: silentLogger(), metrics: new MetricsRegistry() },
  {
    ...c,
    sip: { ...c.sip, domain: 'bench.local', listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] },
    auth: { ...c.auth, realm: 'bench.local', algorithms: values.algs.split(',') as ['MD5'] },
    storage: { ...c.storage, driver: 'sqlite', sqlitePath: values.db },
  },
  { authenticate: true, credentials: benchUsers },
);
await station.start();
let sent = 0;
const replies: Buffer[] = [];
const flow: Flow = {
  id: 'udp:127.0.0.1:5080>127.0.0.1:5091',
  transport: 'udp',
  local: { address: '127.0.0.1', port: 5080 },
  remote: { address: '127.0.0.1', port: 5091 },
  secure: false,
  reliable: false,
  closed: false,
  send: (d: Buffer) => {
    sent++;
    replies.push(d);
    return { ok: true };
  },
  touch: () => undefined,
  setIdleTimeout: () => undefined,
  close: () => undefined,
};
const user = (i: number): string => 'u' + String(i).padStart(7, '0');
const reg = (i: number, cseq: number, auth: string): Buffer => {
  const u = user(i);
  return Buffer.from(
    `REGISTER sip:bench.local SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5091;branch=z9hG4bK-${i}-${cseq}\r\nMax-Forwards: 70\r\n` +
      `From: <sip:${u}@bench.local>;tag=${i}SIPpTag${i}\r\nTo: <sip:${u}@bench.local>\r\nCall-ID: ${i}-1@127.0.0.1\r\n` +
      `CSeq: ${cseq} REGISTER\r\nContact: <sip:${u}@127.0.0.1:5091;transport=UDP>\r\nExpires: 3600\r\n${auth}` +
      `User-Agent: sipp-bench\r\nContent-Length: 0\r\n\r\n`,
  );
};
const front = (
  station as unknown as { opened: { transport: { user: { onMessage(d: Buffer, f: Flow): void } } } }
).opened.transport.user;

async function feed(msgs: Buffer[]): Promise<{ us: number }> {
  const target = sent + msgs.length;
  const t0 = process.cpuUsage();
  let i = 0;
  await new Promise<void>((resolve) => {
    const step = (): void => {
      const end = Math.min(msgs.length, i + 1000);
      for (; i < end; i++) front.onMessage(msgs[i] as Buffer, flow);
      if (i < msgs.length) setImmediate(step);
      else {
        const wait = (): void => (sent >= target ? resolve() : void setTimeout(wait, 1));
        wait();
      }
    };
    step();
  });
  const t = process.cpuUsage(t0);
  return { us: t.user + t.system };
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
let totalUs = 0;
let leg1 = 0;
let leg2 = 0;
let ok = 0;
// Rounds of at most 10,000 so the pre-built messages stay small in memory.
for (let base = 0; base < N; base += 10_000) {
  const n = Math.min(10_000, N - base);
  const first: Buffer[] = [];
  for (let k = 0; k < n; k++) first.push(reg(base + k, 1, ''));
  replies.length = 0;
  const a = await feed(first);
  const second: Buffer[] = [];
  for (let k = 0; k < n; k++) {
    const r = (replies[k] as Buffer).toString('latin1');
    const nonce = /nonce="([^"]+)"/.exec(r)?.[1] ?? '';
    const u = user(base + k);
    const ha1 = md5(`${u}:bench.local:secret`);
    const ha2 = md5('REGISTER:sip:bench.local');
    const resp = md5(`${ha1}:${nonce}:00000001:abcdef${k}:auth:${ha2}`);
    second.push(
      reg(
        base + k,
        2,
        `Authorization: Digest username="${u}",realm="bench.local",cnonce="abcdef${k}",nc=00000001,qop=auth,` +
          `uri="sip:bench.local",nonce="${nonce}",response="${resp}",algorithm=MD5\r\n`,
      ),
    );
  }
  replies.length = 0;
  const b = await feed(second);
  for (const r of replies) if (r.subarray(0, 12).toString('latin1') === 'SIP/2.0 200 ') ok++;
  leg1 += a.us;
  leg2 += b.us;
  totalUs += a.us + b.us;
}
console.log(
  `n=${N} ok=${ok} cpu_us_per_registration=${(totalUs / N).toFixed(1)} ` +
    `challenge_leg_us=${(leg1 / N).toFixed(1)} verify_leg_us=${(leg2 / N).toFixed(1)} bindings=${station.location.size.bindings}`,
);
await station.stop();
if (values.db !== ':memory:') for (const s of ['', '-wal', '-shm']) rmSync(values.db + s, { force: true });
