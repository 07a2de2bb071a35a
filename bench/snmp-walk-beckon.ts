// Beckon side of bench/snmp-walk-compare.sh (issue 5): a location service holding N users with one
// contact each (u0000000@..., the user names the Kamailio reference registers), the station's SNMP agent
// (StationSnmp) on 127.0.0.1:<ephemeral>, and Net-SNMP snmpbulkwalk of sipServerRegUserTable and
// sipServerRegContactTable, timed, with the agent's CPU time.
// The location service is populated directly through its API (LocationService.applyRegister, what the
// registrar calls; in-memory store), not through SIP.
// Run: node --import tsx bench/snmp-walk-beckon.ts <users> [label]
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '@beckon/config';
import { SIP_SERVER_ENTRIES } from '@beckon/mibs';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { LocationService } from '../packages/station/src/location/index.js';
import { StationSnmp } from '../packages/station/src/snmp/index.js';
import { MemoryLocationStore } from '../packages/station/test/snmp/helpers/memory-location-store.js';
import { populateLocation } from '../packages/station/test/snmp/helpers/populate-location.js';

const users = Number(process.argv[2] ?? 10_000);
// sipServerRegUserTable / sipServerRegContactTable (SIP-SERVER-MIB, RFC 4780)
const REG_USER_TABLE = SIP_SERVER_ENTRIES.sipServerRegUserEntry.slice(0, -1).join('.');
const REG_CONTACT_TABLE = SIP_SERVER_ENTRIES.sipServerRegContactEntry.slice(0, -1).join('.');

interface Walk {
  label: string;
  oid: string;
  varbinds: number;
  secs: number;
  agentCpuSecs: number;
  rc: number;
}

/**
 * snmpbulkwalk with its output written to a file and counted once it exited (as the Kamailio reference
 * script does with `> file; wc -l`), so the agent's process does no pipe reading during the walk.
 */
function bulkwalk(
  target: string,
  oid: string,
  extra: string[],
): Promise<{ lines: number; secs: number; rc: number }> {
  const file = join(tmpdir(), `snmp-walk-beckon-${process.pid}.out`);
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
        ...extra,
        target,
        oid,
      ],
      { stdio: ['ignore', fd, 'ignore'], env: { ...process.env, MIBS: '', HOME: '/nonexistent' } },
    );
    const timer = setTimeout(() => child.kill(), 600_000);
    child.on('exit', (code) => {
      const secs = (performance.now() - t0) / 1000;
      clearTimeout(timer);
      closeSync(fd);
      const out = readFileSync(file);
      unlinkSync(file);
      let lines = 0;
      for (let i = out.indexOf(10); i >= 0; i = out.indexOf(10, i + 1)) lines++;
      resolve({ lines, secs, rc: code === 0 ? 0 : 1 });
    });
  });
}

const metrics = new MetricsRegistry();
const location = new LocationService({ store: new MemoryLocationStore(), metrics }, { expiryTickMs: 60_000 });
await location.start();
const p0 = performance.now();
await populateLocation(location, users, { perUser: 1, domain: '127.0.0.1', expiresInSec: 7200 });
const populateSecs = (performance.now() - p0) / 1000;
const cfg = defaultConfig().snmp;
const snmp = new StationSnmp(
  { log: silentLogger(), metrics, location },
  {
    ...cfg,
    listen: [{ transport: 'udp', host: '127.0.0.1', port: 0 }],
    communities: [{ name: 'public', access: 'read' }],
  },
);
const started = await snmp.start();
if (!started.ok) throw new Error(started.error);
const target = `127.0.0.1:${started.listeners[0]!.port}`;
const walks: Walk[] = [];
try {
  for (const [label, oid, extra] of [
    ['regusers-first', REG_USER_TABLE, []],
    ['regusers-second', REG_USER_TABLE, []],
    ['regusers-cr50', REG_USER_TABLE, ['-Cr50']],
    ['contacts', REG_CONTACT_TABLE, []],
    ['contacts-cr50', REG_CONTACT_TABLE, ['-Cr50']],
  ] as const) {
    const c0 = process.cpuUsage();
    const r = await bulkwalk(target, oid, [...extra]);
    const c = process.cpuUsage(c0);
    const w: Walk = {
      label,
      oid,
      varbinds: r.lines,
      secs: r.secs,
      agentCpuSecs: (c.user + c.system) / 1e6,
      rc: r.rc,
    };
    walks.push(w);
    console.log(
      `${label.padEnd(16)} oid=${oid.padEnd(26)} varbinds=${String(w.varbinds).padEnd(7)} secs=${w.secs.toFixed(2).padEnd(7)} ` +
        `varbinds/s=${Math.round(w.varbinds / w.secs)} agent_cpu_s=${w.agentCpuSecs.toFixed(2)} rc=${w.rc}`,
    );
  }
} finally {
  await snmp.stop();
  await location.stop();
}
console.log(
  `RESULT ${JSON.stringify({ users, populateSecs, populatedVia: 'LocationService.applyRegister (in-memory store)', walks })}`,
);
