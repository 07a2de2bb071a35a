// Builds the native helper with node-gyp (run by `npm ci` as this package's install script). Node's own
// headers are used when they sit beside the running node (distribution packages install them under
// <prefix>/include/node), so no download is needed. A failed build is reported, not fatal: the transport
// then keeps Node's dgram socket (see src/index.ts).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = resolve(dirname(fileURLToPath(import.meta.url)), '..');
if (process.platform !== 'linux') {
  process.stdout.write('udp-mmsg: not on Linux, not built\n');
  process.exit(0);
}
const args = ['rebuild'];
const prefix = resolve(dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h')))
  args.push(`--nodedir=${prefix}`);
const gyp = process.env.npm_config_node_gyp;
const r = gyp
  ? spawnSync(process.execPath, [gyp, ...args], { cwd: here, stdio: 'inherit' })
  : spawnSync('node-gyp', args, { cwd: here, stdio: 'inherit', shell: true });
if (r.status !== 0) process.stdout.write('udp-mmsg: build failed; UDP listeners will use Node dgram only\n');
