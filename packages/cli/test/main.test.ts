import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commands, main, type CliIo } from '@beckon/cli';

function fakeIo(env: NodeJS.ProcessEnv = {}): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    env,
    out: (t: string) => void (io.stdout += t),
    err: (t: string) => void (io.stderr += t),
  };
  return io;
}

void test('in process: every command answers --help with exit 0 and lists --help', async () => {
  for (const c of commands) {
    const io = fakeIo();
    assert.equal(await main([...c.path, '--help'], io), 0, c.path.join(' '));
    assert.ok(io.stdout.includes(`Usage: beckon ${c.path.join(' ')}`));
    assert.ok(io.stdout.includes('-h, --help'));
    for (const name of Object.keys(c.options))
      assert.ok(io.stdout.includes(`--${name}`), `${c.path.join(' ')} --${name}`);
  }
});

void test('in process: config show reads BECKON_* from the given environment only', async () => {
  const io = fakeIo({ BECKON_SIP__DOMAIN: 'env.example', BECKON_UNRELATED: 'x' });
  assert.equal(await main(['config', 'show', '--set', 'sip.userAgent=Test'], io), 0, io.stderr);
  assert.match(io.stdout, /^ {2}domain: env\.example # env$/m);
  assert.match(io.stdout, /^ {2}userAgent: Test # cli$/m);
});

void test('in process: a misspelt environment setting is reported and exits 1', async () => {
  const io = fakeIo({ BECKON_SIP__DOAMIN: 'x' });
  assert.equal(await main(['config', 'show'], io), 1);
  assert.match(io.stderr, /env BECKON_SIP__DOAMIN: no such setting/);
});

void test('in process: --version prints the version', async () => {
  const io = fakeIo();
  assert.equal(await main(['--version'], io), 0);
  assert.match(io.stdout, /^\d+\.\d+\.\d+\n$/);
});
