import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const module = fileURLToPath(new URL('../../src/run-station.ts', import.meta.url));

async function settingsWith(args: string[], nodeOptions = ''): Promise<unknown> {
  const code = `import(${JSON.stringify(module)}).then((m) => console.log(JSON.stringify(m.heapSettings())))`;
  const { stdout } = await run(process.execPath, [...args, '--import', 'tsx', '-e', code], {
    env: { ...process.env, NODE_OPTIONS: nodeOptions },
  });
  return JSON.parse(stdout) as unknown;
}

void test('heapSettings names the flags given on the command line and V8 defaults otherwise', async () => {
  const given = (await settingsWith([
    '--initial-old-space-size=300',
    '--max-semi-space-size=48',
    '--single-threaded-gc',
  ])) as Record<string, unknown>;
  assert.equal(given['initialOldSpaceMb'], 300);
  assert.equal(given['maxSemiSpaceMb'], 48);
  assert.equal(given['singleThreadedGc'], true);
  assert.equal(typeof given['heapLimitMb'], 'number');
  const none = (await settingsWith([])) as Record<string, unknown>;
  assert.equal(none['initialOldSpaceMb'], 'v8-default');
  assert.equal(none['singleThreadedGc'], false);
  // what raiseYoungGeneration sets when nothing was chosen
  assert.equal(none['maxSemiSpaceMb'], 32);
  const env = (await settingsWith([], '--max-semi-space-size=16')) as Record<string, unknown>;
  assert.equal(env['maxSemiSpaceMb'], 16);
});
