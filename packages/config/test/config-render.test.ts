import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import {
  configHash,
  defaultConfig,
  diffConfigs,
  loadConfig,
  renderConfigJson,
  renderConfigYaml,
  type LoadConfigResult,
} from '@beckon/config';

function ok(r: LoadConfigResult) {
  if (!r.ok) assert.fail(JSON.stringify(r.errors));
  return r;
}

void test('YAML rendering marks each value with its source and parses back to the same configuration', () => {
  const r = ok(loadConfig({ sets: ['sip.domain=example.com'], env: { BECKON_SIP__T1_MS: '400' } }));
  const text = renderConfigYaml(r.config, r.sources, { showSecrets: true });
  assert.match(text, /^ {2}domain: example\.com # cli$/m);
  assert.match(text, /^ {2}t1Ms: 400 # env$/m);
  assert.match(text, /^ {4}- transport: udp # default$/m);
  assert.deepEqual(parse(text), r.config);
  const back = ok(loadConfig({ sets: [] }));
  assert.notDeepEqual(back.config, r.config);
});

void test('secrets are masked unless asked for', () => {
  const r = ok(loadConfig({ sets: ['auth.users=[{username: alice, password: wonderland}]'] }));
  const masked = renderConfigYaml(r.config, r.sources);
  assert.ok(!masked.includes('wonderland'));
  assert.ok(masked.includes('password: "********" # cli'));
  assert.ok(renderConfigYaml(r.config, r.sources, { showSecrets: true }).includes('wonderland'));
  assert.ok(!renderConfigJson(r.config, r.sources).includes('wonderland'));
});

void test('JSON rendering holds the config and a flat sources map', () => {
  const r = ok(loadConfig({ sets: ['sip.listen.0.port=5070'] }));
  const j = JSON.parse(renderConfigJson(r.config, r.sources)) as {
    config: { sip: { listen: { port: number }[] } };
    sources: Record<string, string>;
  };
  assert.equal(j.config.sip.listen[0]?.port, 5070);
  assert.equal(j.sources['sip.listen[0].port'], 'cli');
  assert.equal(j.sources['sip.domain'], 'default');
});

void test('diff lists changed, added and removed settings by path', () => {
  const a = ok(loadConfig({ sets: ['sip.domain=a.example'] })).config;
  const b = ok(
    loadConfig({ sets: ['sip.domain=b.example', 'sip.listen=[{transport: udp, port: 5060}]'] }),
  ).config;
  const d = diffConfigs(a, b);
  assert.deepEqual(
    d.find((x) => x.path === 'sip.domain'),
    {
      path: 'sip.domain',
      kind: 'changed',
      a: 'a.example',
      b: 'b.example',
    },
  );
  assert.ok(d.some((x) => x.path === 'sip.listen[1].transport' && x.kind === 'removed'));
  assert.deepEqual(diffConfigs(a, a), []);
});

void test('diff shows a changed secret without revealing it', () => {
  const a = ok(loadConfig({ sets: ['auth.users=[{username: u, password: one}]'] })).config;
  const b = ok(loadConfig({ sets: ['auth.users=[{username: u, password: two}]'] })).config;
  assert.deepEqual(diffConfigs(a, b), [
    { path: 'auth.users[0].password', kind: 'changed', a: '********', b: '********' },
  ]);
});

void test('the hash is stable and changes with the configuration', () => {
  assert.equal(configHash(defaultConfig()), configHash(defaultConfig()));
  const other = ok(loadConfig({ sets: ['sip.domain=x.example'] })).config;
  assert.notEqual(configHash(other), configHash(defaultConfig()));
  assert.match(configHash(other), /^[0-9a-f]{16}$/);
});
