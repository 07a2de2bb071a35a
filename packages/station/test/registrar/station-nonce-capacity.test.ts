// auth.maxTrackedNonces reaches the station's digest server: past it, the oldest nonce state is dropped
// and counted (sip_auth_nonces_evicted), and the tracked count stays at the configured bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig, type BeckonConfig } from '@beckon/config';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { DigestClient } from '@beckon/sip';
import { Station } from '../../src/index.js';

void test('auth.maxTrackedNonces bounds the nonce-count state of the station', async () => {
  const c = defaultConfig();
  const config: BeckonConfig = {
    ...c,
    sip: { ...c.sip, domain: 'example.net', listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] },
    auth: {
      ...c.auth,
      algorithms: ['MD5'],
      maxTrackedNonces: 1000,
      users: [{ username: 'alice', password: 's3cret' }],
    },
    storage: { ...c.storage, driver: 'sqlite', sqlitePath: ':memory:' },
  };
  const metrics = new MetricsRegistry();
  const station = new Station({ log: silentLogger(), metrics }, config);
  await station.start();
  try {
    const digest = station.digest;
    assert.ok(digest);
    const client = new DigestClient();
    for (let i = 0; i < 1001; i++) {
      const r = client.authorize({
        challenges: digest.challenge(),
        username: 'alice',
        password: 's3cret',
        method: 'REGISTER',
        uri: 'sip:example.net',
      });
      assert.ok(r.ok);
      assert.equal((await digest.verify('REGISTER', r.value)).ok, true);
    }
    const value = (name: string): number | undefined => metrics.toJSON()[name]?.samples[0]?.value;
    assert.equal(value('sip_auth_nonces_tracked'), 1000);
    assert.equal(value('sip_auth_nonces_evicted'), 1);
  } finally {
    await station.stop();
  }
});
