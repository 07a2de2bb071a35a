// Digest verification rate (REGISTER, SHA-256 and MD5, HA1 store). Bounded by N. Not part of the suite.
// Run: node --import tsx packages/sip/test/auth/digest-verify.bench.ts
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { DigestClient, DigestServer, InMemoryCredentialStore, computeHa1 } from '../../src/auth/index.js';

const N = Number(process.env.N ?? 200_000);
const store = new InMemoryCredentialStore();
store.set('bench', 'u', {
  kind: 'ha1',
  ha1: { md5: computeHa1('md5', 'u', 'bench', 'p'), sha256: computeHa1('sha256', 'u', 'bench', 'p') },
});
const server = new DigestServer(
  { log: silentLogger(), metrics: new MetricsRegistry(), credentials: store },
  { realm: 'bench', algorithms: ['SHA-256', 'MD5'], maxTrackedNonces: N + 10 },
);
const client = new DigestClient({}, { maxNonces: 4 });

for (const alg of [0, 1]) {
  for (const fresh of [false, true]) {
    // Prepare the Authorization values first so only verification is timed.
    const values: string[] = [];
    let ch = server.challenge();
    for (let i = 0; i < N; i++) {
      if (fresh) ch = server.challenge();
      const r = client.authorize({
        challenges: [ch[alg] as string],
        username: 'u',
        password: 'p',
        method: 'REGISTER',
        uri: 'sip:bench',
      });
      if (!r.ok) throw new Error('authorize failed');
      values.push(r.value);
    }
    const t0 = process.hrtime.bigint();
    let ok = 0;
    for (const v of values) if ((await server.verify('REGISTER', v)).ok) ok++;
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(
      `${alg === 0 ? 'SHA-256' : 'MD5'} ${fresh ? 'fresh nonce each (HMAC check)' : 'one nonce, nc++'}: ` +
        `${ok}/${N} ok, ${Math.round(N / secs)} verifications/s`,
    );
  }
}
