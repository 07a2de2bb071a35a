// Profiling aid for bench/snmp-walk-beckon.ts (issue 5): the same station agent over a location service
// of N users, walked by snmpbulkwalk with the given -Cr, with the in-process CPU profiler running only
// during the walks. Prints agent CPU per varbind and the top functions by self time; writes the profile
// when a path is given.
// Run: node --import tsx bench/snmp-walk-profile.ts <users> <contacts|users> [-CrN] [rounds] [out.cpuprofile]
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';
import { defaultConfig } from '@beckon/config';
import { SIP_SERVER_ENTRIES } from '@beckon/mibs';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { LocationService } from '../packages/station/src/location/index.js';
import { StationSnmp } from '../packages/station/src/snmp/index.js';
import { MemoryLocationStore } from '../packages/station/test/snmp/helpers/memory-location-store.js';
import { populateLocation } from '../packages/station/test/snmp/helpers/populate-location.js';

const users = Number(process.argv[2] ?? 100_000);
const table = process.argv[3] === 'users' ? 'sipServerRegUserEntry' : 'sipServerRegContactEntry';
const cr = process.argv[4] ?? '-Cr10';
const rounds = Number(process.argv[5] ?? 1);
const outPath = process.argv[6];
const oid = SIP_SERVER_ENTRIES[table].slice(0, -1).join('.');

/** snmpbulkwalk with its output in a file (counted after it exits), so the agent process does no piping. */
function bulkwalk(target: string, walkOid = oid): Promise<{ lines: number; secs: number; rc: number }> {
  const file = join(tmpdir(), `snmp-walk-profile-${process.pid}.out`);
  const fd = openSync(file, 'w');
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(
      'snmpbulkwalk',
      [
        '-v2c',
        '-c',
        'public',
        '-t',
        '30',
        '-r',
        '0',
        '-On',
        '-Oq',
        '-M',
        '/dev/null',
        '-m',
        '',
        cr,
        target,
        walkOid,
      ],
      { stdio: ['ignore', fd, 'ignore'], env: { ...process.env, MIBS: '', HOME: '/nonexistent' } },
    );
    child.on('exit', (code) => {
      const secs = (performance.now() - t0) / 1000;
      closeSync(fd);
      const out = readFileSync(file);
      if (process.env.WALK_OUT) writeFileSync(process.env.WALK_OUT, out);
      unlinkSync(file);
      let lines = 0;
      for (let i = out.indexOf(10); i >= 0; i = out.indexOf(10, i + 1)) lines++;
      resolve({ lines, secs, rc: code ?? 1 });
    });
  });
}

const metrics = new MetricsRegistry();
const location = new LocationService({ store: new MemoryLocationStore(), metrics }, { expiryTickMs: 60_000 });
await location.start();
await populateLocation(location, users, { perUser: 1, domain: '127.0.0.1', expiresInSec: 7200 });
const snmp = new StationSnmp(
  { log: silentLogger(), metrics, location },
  {
    ...defaultConfig().snmp,
    listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }],
    communities: [{ name: 'public', access: 'read' }],
    // BUSY_POLL=<µs>: snmp.busyPollMicros (default: the configuration default)
    ...(process.env.BUSY_POLL !== undefined ? { busyPollMicros: Number(process.env.BUSY_POLL) } : {}),
  },
);
const started = await snmp.start();
if (!started.ok) throw new Error(started.error);
const target = `127.0.0.1:${started.listeners[0]!.port}`;
// Warm-up walk: the same table (default), or WARM_TABLE=users to walk the user table first and then
// measure a contact walk the way snmp-walk-beckon.ts meets it (rows not built yet).
if (process.env.WARM_TABLE === 'users') {
  const usersOid = SIP_SERVER_ENTRIES.sipServerRegUserEntry.slice(0, -1).join('.');
  await bulkwalk(target, usersOid);
  await bulkwalk(target, usersOid);
} else await bulkwalk(target);
if (process.env.PAUSE_MS) {
  console.log(`READY ${process.pid}`);
  await new Promise((r) => setTimeout(r, Number(process.env.PAUSE_MS)));
}
const session = new Session();
session.connect();
await session.post('Profiler.enable');
if (outPath) await session.post('Profiler.start');
let vbs = 0;
let secs = 0;
const c0 = process.cpuUsage();
for (let i = 0; i < rounds; i++) {
  const r = await bulkwalk(target);
  vbs += r.lines;
  secs += r.secs;
  if (r.rc !== 0) console.log('walk failed');
}
const c = process.cpuUsage(c0);
const cpu = (c.user + c.system) / 1e6;
console.log(
  `${table} users=${users} ${cr} varbinds=${vbs} secs=${secs.toFixed(2)} varbinds/s=${Math.round(vbs / secs)} ` +
    `agent_cpu_s=${cpu.toFixed(2)} us/varbind=${((cpu * 1e6) / vbs).toFixed(2)} (user ${(c.user / vbs).toFixed(2)} sys ${(c.system / vbs).toFixed(2)})`,
);
if (outPath) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(outPath, JSON.stringify(profile));
  const self = new Map<string, number>();
  const dt = profile.timeDeltas ?? [];
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  let total = 0;
  (profile.samples ?? []).forEach((id, i) => {
    const n = byId.get(id)!;
    const f = n.callFrame;
    const key = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
    const d = dt[i] ?? 0;
    total += d;
    self.set(key, (self.get(key) ?? 0) + d);
  });
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30))
    console.log(
      `${((100 * v) / total).toFixed(1).padStart(5)}%  ${(v / 1000).toFixed(0).padStart(6)} ms  ${k}`,
    );
}
session.disconnect();
await snmp.stop();
await location.stop();
