import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, formatConfigError, loadConfig, type LoadConfigResult } from '@beckon/config';

function withFile(text: string, fn: (file: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'beckon-config-'));
  try {
    const file = join(dir, 'beckon.yaml');
    writeFileSync(file, text);
    fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function ok(r: LoadConfigResult) {
  if (!r.ok) assert.fail(`expected a valid configuration, got ${r.errors.map(formatConfigError).join('; ')}`);
  return r;
}

function errorsOf(r: LoadConfigResult): string[] {
  assert.equal(r.ok, false, 'expected errors');
  return r.ok ? [] : r.errors.map(formatConfigError);
}

void test('defaults alone form a valid configuration with the documented values', () => {
  const c = defaultConfig();
  assert.equal(c.log.level, 'info');
  assert.deepEqual(c.sip.listen, [
    { transport: 'udp', host: '127.0.0.1', port: 5060 },
    { transport: 'tcp', host: '127.0.0.1', port: 5060 },
  ]);
  assert.equal(c.sip.domain, 'localhost');
  assert.equal(c.sip.t1Ms, 500);
  assert.equal(c.sip.t2Ms, 4000);
  assert.equal(c.sip.t4Ms, 5000);
  assert.equal(c.sip.maxMessageBytes, 65535);
  assert.equal(c.sip.udpRecvBufferBytes, 4194304);
  assert.deepEqual(c.auth.algorithms, ['SHA-256', 'MD5']);
  assert.equal(c.auth.nonceLifetimeSec, 300);
  assert.equal(c.registrar.minExpires, 60);
  assert.equal(c.registrar.maxExpires, 86400);
  assert.equal(c.registrar.defaultExpires, 3600);
  assert.equal(c.registrar.maxContactsPerAor, 10);
  assert.equal(c.registrar.instrumentPrefix, '~~in~');
  assert.deepEqual(c.registrar.instrumentIdentification, { digestUsername: true, sipInstance: true });
  assert.equal(c.storage.driver, 'sqlite');
  assert.equal(c.storage.sqlitePath, './var/beckon.db');
  assert.deepEqual(c.snmp.listen, [{ transport: 'udp', host: '127.0.0.1', port: 1161 }]);
  assert.deepEqual(c.snmp.communities, [{ name: 'public', access: 'read' }]);
  assert.deepEqual(c.http.listen, { host: '127.0.0.1', port: 8080 });
  assert.equal(c.management.defaultExpiresSec, 3600);
});

void test('every leaf of a defaults-only load is marked default', () => {
  const r = ok(loadConfig());
  assert.ok(r.sources.size > 40);
  for (const [path, source] of r.sources) assert.equal(source, 'default', path);
  assert.equal(r.sources.get('sip.listen[0].port'), 'default');
});

void test('file values override defaults, and are marked file', () => {
  withFile('sip:\n  domain: example.com\n  listen:\n    - { transport: tcp, port: 5070 }\n', (file) => {
    const r = ok(loadConfig({ file }));
    assert.equal(r.config.sip.domain, 'example.com');
    assert.deepEqual(r.config.sip.listen, [{ transport: 'tcp', host: '127.0.0.1', port: 5070 }]);
    assert.equal(r.sources.get('sip.domain'), 'file');
    assert.equal(r.sources.get('sip.listen[0].port'), 'file');
    assert.equal(r.sources.get('sip.listen[0].host'), 'default');
    assert.equal(r.sources.get('sip.t1Ms'), 'default');
  });
});

void test('an empty file is the default configuration', () => {
  withFile('', (file) => assert.deepEqual(ok(loadConfig({ file })).config, defaultConfig()));
});

void test('precedence: defaults < file < environment < --set', () => {
  withFile('sip:\n  domain: from-file\n  t1Ms: 400\n  t2Ms: 3000\n', (file) => {
    const env = { BECKON_SIP__DOMAIN: 'from-env', BECKON_SIP__T1_MS: '300', PATH: '/bin' };
    const r = ok(loadConfig({ file, env, sets: ['sip.domain=from-cli'] }));
    assert.equal(r.config.sip.domain, 'from-cli');
    assert.equal(r.sources.get('sip.domain'), 'cli');
    assert.equal(r.config.sip.t1Ms, 300);
    assert.equal(r.sources.get('sip.t1Ms'), 'env');
    assert.equal(r.config.sip.t2Ms, 3000);
    assert.equal(r.sources.get('sip.t2Ms'), 'file');
  });
});

void test('environment names ignore case and single underscores; index segments reach list items', () => {
  const r = ok(
    loadConfig({
      env: {
        BECKON_SIP__MAX_MESSAGE_BYTES: '4096',
        BECKON_SIP__LISTEN__0__PORT: '5071',
        BECKON_OTHER_THING: 'x',
      },
    }),
  );
  assert.equal(r.config.sip.maxMessageBytes, 4096);
  assert.equal(r.config.sip.listen[0]?.port, 5071);
  assert.equal(r.sources.get('sip.listen[0].port'), 'env');
  assert.equal(r.sources.get('sip.listen[0].transport'), 'default');
});

void test('an environment variable for a known section but unknown key is an error naming the variable', () => {
  const errors = errorsOf(loadConfig({ env: { BECKON_SIP__DOAMIN: 'x' } }));
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /^env BECKON_SIP__DOAMIN: no such setting/);
});

void test('--set parses YAML: lists, index paths, booleans; strings stay strings', () => {
  const r = ok(
    loadConfig({
      sets: [
        'sip.listen=[{transport: udp, host: 127.0.0.1, port: 5070}]',
        'snmp.listen[0].port=0',
        'registrar.instrumentIdentification.sipInstance=false',
        'sip.domain=12345',
        'auth.algorithms=[MD5]',
      ],
    }),
  );
  assert.deepEqual(r.config.sip.listen, [{ transport: 'udp', host: '127.0.0.1', port: 5070 }]);
  assert.equal(r.config.snmp.listen[0]?.port, 0);
  assert.equal(r.config.registrar.instrumentIdentification.sipInstance, false);
  assert.equal(r.config.sip.domain, '12345');
  assert.deepEqual(r.config.auth.algorithms, ['MD5']);
  assert.equal(r.sources.get('auth.algorithms'), 'cli');
  assert.equal(r.sources.get('sip.listen[0].port'), 'cli');
});

void test('--set appends a list item at the index just past the end', () => {
  const r = ok(loadConfig({ sets: ['sip.listen.2={transport: ws, port: 8088}'] }));
  assert.equal(r.config.sip.listen.length, 3);
  assert.deepEqual(r.config.sip.listen[2], { transport: 'ws', host: '127.0.0.1', port: 8088 });
});

void test('errors name the field path and the problem', () => {
  assert.deepEqual(errorsOf(loadConfig({ sets: ['sip.listen.0.port=70000'] })), [
    'sip.listen[0].port: must be <= 65535',
  ]);
  const many = errorsOf(loadConfig({ sets: ['log.level=loud', 'sip.t1Ms=1.5', 'storage.driver=mysql'] }));
  assert.ok(many.some((e) => e.startsWith('log.level: must be one of "fatal"')));
  assert.ok(many.includes('sip.t1Ms: must be integer'));
  assert.ok(many.some((e) => e.startsWith('storage.driver: must be one of "sqlite", "postgres"')));
});

void test('unknown keys in a file are reported with their path', () => {
  withFile('sip:\n  domian: x\nnosuch: 1\n', (file) => {
    const errors = errorsOf(loadConfig({ file }));
    assert.ok(errors.includes('sip.domian: unknown setting'), errors.join('\n'));
    assert.ok(errors.includes('nosuch: unknown setting'), errors.join('\n'));
  });
});

void test('unknown --set paths and malformed --set are errors', () => {
  assert.deepEqual(errorsOf(loadConfig({ sets: ['sip.nope=1'] })), ['sip.nope: unknown setting (--set)']);
  assert.match(
    errorsOf(loadConfig({ sets: ['no-equals-sign'] }))[0]!,
    /^--set no-equals-sign: expected path=value/,
  );
});

void test('missing file and invalid YAML are errors, not exceptions', () => {
  assert.match(
    errorsOf(loadConfig({ file: join(tmpdir(), 'beckon-no-such-file.yaml') }))[0]!,
    /cannot read the file \(ENOENT\)/,
  );
  withFile('sip: [unclosed\n', (file) => assert.match(errorsOf(loadConfig({ file }))[0]!, /not valid YAML/));
  withFile('- a\n- b\n', (file) =>
    assert.match(errorsOf(loadConfig({ file }))[0]!, /^\(root\): must be a mapping/),
  );
});

void test('cross-field rules: tls needs files, expiry ordering, postgres URL, SNMP security levels', () => {
  assert.ok(
    errorsOf(loadConfig({ sets: ['sip.listen=[{transport: tls, port: 5061}]'] })).includes(
      'sip.listen[0].tls: is required when transport is tls',
    ),
  );
  assert.ok(
    errorsOf(loadConfig({ sets: ['registrar.minExpires=7200'] })).some((e) =>
      e.startsWith('registrar.defaultExpires:'),
    ),
  );
  assert.deepEqual(errorsOf(loadConfig({ sets: ['storage.driver=postgres'] })), [
    'storage.postgresUrl: is required when storage.driver is postgres',
  ]);
  assert.deepEqual(errorsOf(loadConfig({ sets: ['auth.users=[{username: alice}]'] })), [
    'auth.users[0]: needs a password or an ha1',
  ]);
  assert.ok(
    errorsOf(
      loadConfig({
        sets: ['snmp.users=[{name: u, authProtocol: none, privProtocol: AES, privPassword: "12345678"}]'],
      }),
    ).some((e) => e.startsWith('snmp.users[0].privProtocol: must be none')),
  );
  assert.deepEqual(
    errorsOf(loadConfig({ sets: ['snmp.trapTargets=[{host: 127.0.0.1, version: v3, user: ghost}]'] })),
    ['snmp.trapTargets[0].user: no such user in snmp.users: ghost'],
  );
});

void test('each load returns a fresh object (no shared defaults between loads)', () => {
  const a = defaultConfig();
  a.sip.listen[0]!.port = 1;
  assert.equal(defaultConfig().sip.listen[0]?.port, 5060);
});
