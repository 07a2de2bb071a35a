// Shared pieces of the in-process REGISTER benchmarks (registrar-micro, registrar-js-micro,
// registrar-digest-micro) and of the benchmark station: the reference's user convention (users
// u0000000.. with password "secret" in realm bench.local, as in its users.csv), REGISTER messages in
// the shape of its SIPp scenarios, their digest answers, a UDP flow that only counts what is sent, and
// the registrar's stateless front over a location service that stores nothing.
import { createHash } from 'node:crypto';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import {
  DigestServer,
  type Credential,
  type CredentialStore,
  type Flow,
  type TargetSender,
} from '@beckon/sip';
import {
  LocationService,
  Registrar,
  QuickRegisterScanner,
  StatelessRegisterFront,
  type BindingRecord,
  type LocationStore,
} from '@beckon/station';

export const BENCH_DOMAIN = 'bench.local';

/** Every user uNNNNNNN has password "secret" (a generated credential store: benchmarks only). */
export const benchUsers: CredentialStore = {
  lookup(_realm: string, username: string): Credential | undefined {
    return /^u\d{7}$/.test(username) ? { kind: 'password', password: 'secret' } : undefined;
  },
};

export const benchUser = (i: number): string => 'u' + String(i).padStart(7, '0');

/**
 * The REGISTER of user `i` (reg.xml / reg_auth.xml shape) with `cseq`; `auth` is a whole header line
 * (`Authorization: ...\r\n`) or ''. `callId` defaults to one Call-ID per user.
 */
export function benchRegister(i: number, cseq: number, auth = '', callId = `${i}-1@127.0.0.1`): Buffer {
  const u = benchUser(i);
  return Buffer.from(
    `REGISTER sip:${BENCH_DOMAIN} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5091;branch=z9hG4bK-${i}-${cseq}\r\nMax-Forwards: 70\r\n` +
      `From: <sip:${u}@${BENCH_DOMAIN}>;tag=${i}SIPpTag${i}\r\nTo: <sip:${u}@${BENCH_DOMAIN}>\r\nCall-ID: ${callId}\r\n` +
      `CSeq: ${cseq} REGISTER\r\nContact: <sip:${u}@127.0.0.1:5091;transport=UDP>\r\nExpires: 3600\r\n${auth}` +
      `User-Agent: sipp-bench\r\nContent-Length: 0\r\n\r\n`,
  );
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** The `Authorization` header line (MD5, qop=auth) user `i` sends in answer to the 401 `challenge`. */
export function benchAuthorization(i: number, challenge: Buffer): string {
  const nonce = /nonce="([^"]+)"/.exec(challenge.toString('latin1'))?.[1] ?? '';
  const u = benchUser(i);
  const ha1 = md5(`${u}:${BENCH_DOMAIN}:secret`);
  const ha2 = md5(`REGISTER:sip:${BENCH_DOMAIN}`);
  const resp = md5(`${ha1}:${nonce}:00000001:abcdef${i}:auth:${ha2}`);
  return (
    `Authorization: Digest username="${u}",realm="${BENCH_DOMAIN}",cnonce="abcdef${i}",nc=00000001,qop=auth,` +
    `uri="sip:${BENCH_DOMAIN}",nonce="${nonce}",response="${resp}",algorithm=MD5\r\n`
  );
}

/** A UDP flow from 127.0.0.1:5091 to the station: every datagram sent is handed to `onSend`. */
export function benchFlow(onSend: (data: Buffer) => void): Flow {
  return {
    id: 'udp:127.0.0.1:5080>127.0.0.1:5091',
    transport: 'udp',
    local: { address: '127.0.0.1', port: 5080 },
    remote: { address: '127.0.0.1', port: 5091 },
    secure: false,
    reliable: false,
    closed: false,
    send: (d: Buffer) => {
      onSend(d);
      return { ok: true };
    },
    touch: () => undefined,
    setIdleTimeout: () => undefined,
    close: () => undefined,
  };
}

/** A store that commits nothing: every write resolves at once. */
const nullStore: LocationStore = {
  write: () => Promise.resolve(),
  upsert: () => Promise.resolve(),
  remove: () => Promise.resolve(),
  loadAll: () => Promise.resolve([] as BindingRecord[]),
  removeExpired: () => Promise.resolve(0),
  close: () => Promise.resolve(),
};

/**
 * The registrar's stateless REGISTER front for the bench domain, over a started location service whose
 * store commits nothing (what the registrar's own code costs, without storage); `digest` adds MD5 digest
 * authentication against {@link benchUsers}. Nothing here sends to a target other than a request's flow.
 */
export async function benchRegistrarFront(
  opts: { digest?: boolean } = {},
): Promise<{ location: LocationService; front: StatelessRegisterFront }> {
  const metrics = new MetricsRegistry();
  const log = silentLogger();
  const location = new LocationService({ store: nullStore, log, metrics }, {});
  await location.start();
  const digest = opts.digest
    ? new DigestServer(
        { log, metrics, credentials: benchUsers },
        { realm: BENCH_DOMAIN, algorithms: ['MD5'] },
      )
    : undefined;
  const registrar = new Registrar(
    { log, metrics, location, ...(digest ? { digest } : {}) },
    { domains: [BENCH_DOMAIN], maxExpires: 7200 },
  );
  const transport = {
    sendTo: () => {
      throw new Error('unexpected send to a target');
    },
  } as unknown as TargetSender;
  // As the station builds it: the quick path on unless asked otherwise (BK_QUICK_REGISTER=0).
  const quick =
    process.env['BK_QUICK_REGISTER'] === '0'
      ? undefined
      : new QuickRegisterScanner({ domains: [BENCH_DOMAIN], acceptAnyDomain: false });
  const front = new StatelessRegisterFront(
    { log, registrar, transport, ...(quick ? { quick } : {}) },
    { serverHeader: 'Beckon' },
  );
  return { location, front };
}
