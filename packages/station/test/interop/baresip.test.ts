// A real softphone (issue 3): baresip registers with +sip.instance (from its `uuid` file, RFC 5626
// outbound on) and the station reports its instrument (seed 002 method 2: MAC from a v1 UUID).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, type BeckonConfig } from '@beckon/config';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { Station } from '../../src/index.js';
import { runBounded } from './interop-helpers.js';

void test(
  'baresip registers with +sip.instance; the station reports its instrument',
  { timeout: 60_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beckon-baresip-'));
    const c = defaultConfig();
    const config: BeckonConfig = {
      ...c,
      sip: { ...c.sip, domain: '127.0.0.1', listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] },
      auth: { ...c.auth, algorithms: ['MD5'], users: [{ username: 'alice', password: 'pw' }] },
      storage: { ...c.storage, driver: 'sqlite', sqlitePath: join(dir, 'beckon.db') },
    };
    const station = new Station({ log: silentLogger(), metrics: new MetricsRegistry() }, config);
    await station.start();
    const port = station.listeners()[0]!.port;
    const conf = join(dir, 'baresip');
    mkdirSync(conf);
    writeFileSync(
      join(conf, 'config'),
      [
        'poll_method epoll',
        'sip_listen 127.0.0.1:0',
        'module_path /usr/lib/baresip/modules',
        'module uuid.so',
        'module g711.so',
        'module ausine.so',
        'module_app account.so',
        'audio_player aufile,/dev/null',
        'audio_source ausine,440',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(conf, 'accounts'),
      `<sip:alice@127.0.0.1:${port};transport=udp>;auth_pass=pw;regint=60;sipnat=outbound;outbound="sip:127.0.0.1:${port};transport=udp"\n`,
    );
    // No trailing newline: baresip 1.0 copies the file verbatim into +sip.instance.
    writeFileSync(join(conf, 'uuid'), 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6');
    const run = runBounded('baresip', ['-f', conf, '-t', '3'], { cwd: dir, timeoutMs: 15_000 });
    try {
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && station.instruments().length === 0)
        await new Promise((r) => setTimeout(r, 100));
      const view = station.instruments();
      assert.equal(view.length, 1, 'one instrument');
      assert.equal(view[0]?.instrument, '00a0c91e6bf6');
      assert.deepEqual(
        view[0]?.lines.map((l) => l.aor),
        ['sip:alice@127.0.0.1'],
      );
      const b = station.location.lookup('sip:alice@127.0.0.1')[0];
      assert.equal(b?.regId, 1);
      assert.equal(b?.instance, '<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>');
    } finally {
      run.kill();
      await run.done;
      await station.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
