/**
 * Call-home sessions benchmark (issue 6): N simulated devices (default 1,000) each asked for a 20-varbind
 * GET through snmp-tls. The station (management service, call-home listener, SNMP session handler, task
 * service with SQLite) and the devices (ManagedDevice + DeviceSnmpAgent + DeviceSnmpSessionHandler, on a
 * few shared SIP sockets) run in two processes on 127.0.0.1. One bulk task for all devices; each task's
 * time runs from `create` (management request queued) to its stored result: NOTIFY, call-home TCP, hello,
 * TLS handshake (EC P-256, TLS 1.3, mutual), RFC 5343 discovery, the GET, close.
 *
 *   node --import tsx bench/callhome-bench.ts [--devices 1000] [--append]
 *
 * `--append` adds a section to bench/RESULTS.md. Devices share one certificate (the station pins its
 * fingerprint per device entry, so the authentication work is the same as with distinct certificates).
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnJsonChild, type JsonChild } from '../packages/station/test/callhome/fixtures/json-child.js';
import { TestPki } from '@beckon/testkit';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STATION = join(ROOT, 'packages/station/test/callhome/fixtures/callhome-station-child.ts');
const DEVICE = join(ROOT, 'packages/device/test/snmp/fixtures/callhome-device-child.ts');

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('--devices', 1000);
const append = process.argv.includes('--append');
/** Offered rate of the paced run (tasks created per second); the burst run creates all at once. */
const RATES = (
  process.argv.includes('--rates') ? String(process.argv[process.argv.indexOf('--rates') + 1]) : '100,200'
)
  .split(',')
  .map(Number)
  .filter((x) => x > 0);
const MAC_BASE = '02BEB0000000';

const OIDS = [
  'sysDescr.0',
  'sysObjectID.0',
  'sysUpTime.0',
  'sysContact.0',
  'sysName.0',
  'sysLocation.0',
  'sysServices.0',
  'sysORLastChange.0',
  'snmpEngineID.0',
  'snmpEngineBoots.0',
  'snmpEngineTime.0',
  'snmpEngineMaxMessageSize.0',
  'sipUACfgServerAddressType.1.1',
  'sipUACfgServerAddress.1.1',
  'sipUACfgServerRole.1.1',
  'sipCommonCfgProtocolVersion.1',
  'sipCommonCfgServiceOperStatus.1',
  'sipCommonCfgOrganization.1',
  'sipCommonCfgMaxTransactions.1',
  'applName.1',
];

function macPlus(base: string, i: number): string {
  return (BigInt('0x' + base) + BigInt(i)).toString(16).padStart(12, '0').toUpperCase();
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

interface Summary {
  run: string;
  devices: number;
  done: number;
  failed: number;
  wallMs: number;
  sessionsPerSec: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  faults: Record<string, number>;
  /** User+system CPU of each process over the run, per session done. */
  stationCpuMsPerSession?: number;
  devicesCpuMsPerSession?: number;
  /** 1-minute load average of the machine at the end of the run (other work shares the CPUs). */
  loadAvg?: number;
}

function summarize(run: string, r: Record<string, unknown>): Summary {
  const results = r.results as { ms: number; state: string; varbinds: number; fault: string | null }[];
  const ok = results.filter((x) => x.state === 'done' && x.varbinds === OIDS.length);
  const lat = ok.map((x) => x.ms).sort((a, b) => a - b);
  const wallMs = Number(r.ms);
  const faults: Record<string, number> = {};
  for (const x of results)
    if (x.state !== 'done') faults[String(x.fault)] = (faults[String(x.fault)] ?? 0) + 1;
  return {
    run,
    devices: results.length,
    done: ok.length,
    failed: results.length - ok.length,
    wallMs: Math.round(wallMs),
    sessionsPerSec: Math.round((ok.length / wallMs) * 1000),
    p50Ms: Math.round(pct(lat, 50)),
    p90Ms: Math.round(pct(lat, 90)),
    p99Ms: Math.round(pct(lat, 99)),
    maxMs: Math.round(lat.at(-1) ?? NaN),
    faults,
  };
}

async function main(): Promise<void> {
  const pki = new TestPki();
  const children: JsonChild[] = [];
  try {
    const ca = pki.ca('ca');
    const stationCert = pki.leaf('station', ca, 'station.example');
    const deviceCert = pki.leaf('device', ca, 'device.example');
    const macs = Array.from({ length: N }, (_, i) => macPlus(MAC_BASE, i));
    const station = spawnJsonChild(STATION, {
      host: '127.0.0.1',
      tls: { certFile: stationCert.certFile, keyFile: stationCert.keyFile },
      trust: macs.map((device) => ({ device, tlsFingerprints: [deviceCert.fingerprintText] })),
    });
    children.push(station);
    const ready = await station.wait((e) => e.event === 'ready', 60_000, 'station ready');
    const devices = spawnJsonChild(DEVICE, {
      count: N,
      macBase: MAC_BASE,
      host: '127.0.0.1',
      station: { address: '127.0.0.1', udp: ready.udp },
      allowed: [`127.0.0.1:${String(ready.callHome)}`],
      protocols: ['snmp-tls'],
      tls: {
        certFile: deviceCert.certFile,
        keyFile: deviceCert.keyFile,
        stationFingerprint: stationCert.fingerprintText,
      },
      sockets: Math.max(1, Math.ceil(N / 20)),
      verbose: false,
    });
    children.push(devices);
    const sub = await devices.wait((e) => e.event === 'subscribed', 120_000, 'devices subscribed');
    if (sub.count !== N) throw new Error(`only ${String(sub.count)} of ${N} devices subscribed`);
    await new Promise((r) => setTimeout(r, 1000));
    const runs: Summary[] = [];
    const cpu = async (): Promise<{ station: number; devices: number }> => {
      const a = await station.ask({ cmd: 'cpu' }, 5000);
      const p = devices.wait((e) => e.event === 'cpu' && !seenCpu.has(e), 5000, 'device cpu');
      devices.send('cpu');
      const b = await p;
      seenCpu.add(b);
      return { station: Number(a.ms), devices: Number(b.ms) };
    };
    const seenCpu = new Set<unknown>();
    // warm-up (not recorded): JIT, TLS and SQLite paths hot before the measured runs
    await station.ask(
      {
        cmd: 'bulk',
        devices: macs.slice(0, Math.min(N, 300)),
        ops: [{ op: 'get', oids: OIDS }],
        timeoutMs: 120_000,
      },
      300_000,
    );
    await new Promise((res) => setTimeout(res, 1000));
    const modes: (number | 'burst')[] = [...RATES, 'burst'];
    for (const mode of modes) {
      const c0 = await cpu();
      const r = await station.ask(
        {
          cmd: 'bulk',
          devices: macs,
          ops: [{ op: 'get', oids: OIDS }],
          timeoutMs: 120_000,
          ...(mode !== 'burst' ? { ratePerSec: mode } : {}),
        },
        300_000,
      );
      const c1 = await cpu();
      const load = loadavg()[0] ?? 0;
      const sum = summarize(mode === 'burst' ? 'burst' : `paced ${mode}/s`, r);
      if (process.env.BECKON_BENCH_STAGES) {
        const res = r.results as { toSession: number | null; inSession: number | null }[];
        const a = res.map((x) => x.toSession ?? 0).sort((x, y) => x - y);
        const b = res.map((x) => x.inSession ?? 0).sort((x, y) => x - y);
        process.stderr.write(
          `${sum.run}: to-session p50 ${pct(a, 50)} p99 ${pct(a, 99)}; in-session p50 ${pct(b, 50)} p99 ${pct(b, 99)}\n`,
        );
      }
      sum.stationCpuMsPerSession =
        Math.round(((c1.station - c0.station) / Math.max(1, sum.done)) * 100) / 100;
      sum.devicesCpuMsPerSession =
        Math.round(((c1.devices - c0.devices) / Math.max(1, sum.done)) * 100) / 100;
      sum.loadAvg = Math.round(load * 10) / 10;
      runs.push(sum);
      await new Promise((res) => setTimeout(res, 1000));
    }
    process.stdout.write(JSON.stringify(runs, null, 2) + '\n');
    if (process.env.BECKON_CHILD_LOG) {
      devices.send('stats');
      const st = await devices.wait((e) => e.event === 'stats', 5000, 'device stats');
      process.stdout.write(JSON.stringify(st) + '\n');
      process.stderr.write(
        devices.stderr().slice(0, 3000) + '\n--- station\n' + station.stderr().slice(0, 3000) + '\n',
      );
    }
    if (append) {
      const cpu = cpus()[0]?.model ?? 'unknown CPU';
      const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
      const text = readFileSync(join(ROOT, 'bench/RESULTS.md'), 'utf8');
      const headings = [...text.matchAll(/^## (.*)$/gm)].map((m) => m[1]);
      const first = !headings.includes('Call-home sessions (issue 6)');
      // rows go right under this benchmark's table: a new heading when anything else was appended since
      const lines = text.trimEnd().split('\n');
      const lastLine = lines.at(-1) ?? '';
      const lastIsOurs =
        (headings.at(-1) ?? '').startsWith('Call-home sessions (issue 6)') &&
        lastLine.startsWith('| ') &&
        lastLine.split('|').length === 17;
      const tableHead =
        '| Date (UTC) | Run | Devices | Done | Failed | Wall ms | Sessions /s | p50 ms | p90 ms | p99 ms | max ms | Station CPU ms/session | Devices CPU ms/session | Load avg | CPUs |\n' +
        '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n';
      const head = first
        ? '\n## Call-home sessions (issue 6)\n\n' +
          '`node --import tsx bench/callhome-bench.ts --append`: N simulated devices (one process: ManagedDevice +\n' +
          'DeviceSnmpAgent + DeviceSnmpSessionHandler on shared SIP sockets) and the station (another process) on\n' +
          '127.0.0.1; every device is asked for a 20-varbind GET over snmp-tls, first paced (tasks created at the\n' +
          'offered rate), then as one burst (all tasks at once; the task service keeps at most 64 in flight).\n' +
          'Latency = task create to stored result: NOTIFY, call-home TCP, hello, TLS 1.3 mutual handshake (EC\n' +
          'P-256), RFC 5343 discovery, GET, close, SQLite writes. Sessions/s = tasks done / wall time of the run.\n' +
          'Target: 200 sessions/s, p99 < 1 s.\n\n' +
          'A warm-up bulk of 300 devices runs first (not recorded). Station CPU = user+system CPU ms of the station\n' +
          'process per session (the devices process is separate); load avg = 1-minute load of the machine (other\n' +
          'work shares its CPUs during these runs).\n\n' +
          tableHead
        : lastIsOurs
          ? ''
          : '\n## Call-home sessions (issue 6), continued\n\n' + tableHead;
      const rows = runs
        .map(
          (x) =>
            `| ${date} | ${x.run} | ${x.devices} | ${x.done} | ${x.failed} | ${x.wallMs} | ${x.sessionsPerSec} | ${x.p50Ms} | ${x.p90Ms} | ${x.p99Ms} | ${x.maxMs} | ${x.stationCpuMsPerSession} | ${x.devicesCpuMsPerSession} | ${x.loadAvg} | ${cpus().length} x ${cpu} |\n`,
        )
        .join('');
      appendFileSync(join(ROOT, 'bench/RESULTS.md'), head + rows);
    }
  } finally {
    for (const c of children) await c.stop();
    pki.dispose();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
