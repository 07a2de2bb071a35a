/**
 * Interop (issue 6 acceptance): Net-SNMP 5.9.3 `snmpget -v3 -T ... tls:` against Beckon's device agent
 * behind call-home. The device calls home to a harness (the station's place), sends its hello and gets
 * 200; the harness splices that connection to the TCP connection snmpget opened to it. The device is the
 * TLS server (test-only legacy profile: Debian's 5.9.3 speaks TLS 1.0) and maps snmpget's certificate
 * fingerprint to its securityName.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { callHome } from '../../../src/call-home-client.js';
import { encodeReply, LineCollector, parseHelloLine } from '@beckon/mgmt';
import { DeviceSnmpAgent, DeviceSnmpSessionHandler } from '../../../src/snmp/index.js';
import { TestPki, type TestCert } from '@beckon/testkit';

let pki: TestPki;
let ca: TestCert;
let stationCert: TestCert;
let deviceCert: TestCert;

before(() => {
  pki = new TestPki({ keyType: 'rsa' });
  ca = pki.ca('interop-ca');
  stationCert = pki.leaf('station', ca, 'station.example');
  deviceCert = pki.leaf('device', ca, 'device.example');
});
after(() => pki.dispose());

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    c.stdout.on('data', (b: Buffer) => (out += b.toString()));
    c.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const t = setTimeout(() => c.kill('SIGKILL'), 20_000);
    c.once('exit', (code) => {
      clearTimeout(t);
      resolve({ code, out });
    });
  });
}

void test(
  'snmpget -T tls: against the device agent through a call-home splice',
  { timeout: 60_000 },
  async (t) => {
    if (spawnSync('sh', ['-c', 'command -v snmpget']).status !== 0) return t.skip('snmpget not installed');
    const metrics = new MetricsRegistry();
    const agent = new DeviceSnmpAgent(
      { log: silentLogger(), metrics },
      {
        mac: '02BEC5000001',
        system: { descr: 'Beckon device behind call-home' },
        ua: {
          server: { host: '192.0.2.10', port: 5060 },
          sipPort: 5060,
          transports: ['udp'],
          metrics: new MetricsRegistry(),
        },
        readers: ['stationuser'],
        writers: [],
      },
    );
    const handler = new DeviceSnmpSessionHandler(
      { log: silentLogger(), metrics, agent },
      {
        tls: {
          cert: deviceCert.cert,
          key: deviceCert.key,
          // with the CA, the device's Certificate message carries the chain Net-SNMP validates
          ca: ca.cert,
          stations: [{ fingerprint: stationCert.fingerprintText, securityName: 'stationuser' }],
          legacyTls: true,
        },
      },
    );
    // The harness: call-home listener (device side) and the port snmpget connects to.
    const sockets: Socket[] = [];
    let deviceSock: Socket | undefined;
    const hellos: string[] = [];
    const callHomeServer = createServer((s) => {
      sockets.push(s);
      const lc = new LineCollector();
      const onData = (c: Buffer): void => {
        const r = lc.push(c);
        if (r.kind !== 'line') return;
        s.off('data', onData);
        s.pause();
        const h = parseHelloLine(r.line);
        if (h.ok) hellos.push(`${h.value.protocol} ${h.value.device}`);
        s.write(encodeReply(200, 'OK'));
        deviceSock = s;
      };
      s.on('data', onData);
    });
    const managerServer = createServer((m) => {
      sockets.push(m);
      const d = deviceSock;
      if (!d) return m.destroy();
      m.pipe(d);
      d.pipe(m);
      d.resume();
    });
    await new Promise<void>((r) => callHomeServer.listen(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => managerServer.listen(0, '127.0.0.1', () => r()));
    const home = mkdtempSync(join(tmpdir(), 'beckon-snmpget-splice-'));
    try {
      const ch = await callHome(
        { host: '127.0.0.1', port: (callHomeServer.address() as { port: number }).port, carrier: 'tcp' },
        { requestId: 'AAAAAAAAAAAAAAAAAAAAAA', protocol: 'snmp-tls', device: '02bec5000001' },
      );
      assert.ok(ch.ok, JSON.stringify(ch));
      const session = handler.handle({
        socket: ch.socket,
        initialData: ch.rest,
        protocol: 'snmp-tls',
        requestId: 'x',
        secure: false,
      });
      assert.deepEqual(hellos, ['snmp-tls 02bec5000001']);
      const base = join(home, '.snmp', 'tls');
      for (const d of ['certs', 'private', 'ca-certs'])
        mkdirSync(join(base, d), { recursive: true, mode: 0o700 });
      copyFileSync(stationCert.certFile, join(base, 'certs', 'station.crt'));
      copyFileSync(stationCert.keyFile, join(base, 'private', 'station.key'));
      copyFileSync(deviceCert.certFile, join(base, 'certs', 'device.crt'));
      copyFileSync(ca.certFile, join(base, 'ca-certs', 'interop-ca.crt'));
      writeFileSync(join(home, '.snmp', 'snmp.conf'), 'tlsAlgorithms DEFAULT@SECLEVEL=0\n');
      const r = await run(
        'snmpget',
        [
          '-v3',
          '-On',
          '-r0',
          '-t5',
          '-l',
          'authPriv',
          '-T',
          `our_identity=${stationCert.netSnmpFingerprint}`,
          '-T',
          `their_identity=${deviceCert.netSnmpFingerprint}`,
          `tls:127.0.0.1:${(managerServer.address() as { port: number }).port}`,
          '1.3.6.1.2.1.1.1.0',
          '1.3.6.1.2.1.150.1.1.1.1.3.1.1',
        ],
        { ...process.env, HOME: home, MIBS: '', SNMPCONFPATH: join(home, '.snmp') },
      );
      assert.equal(
        r.code,
        0,
        `${r.out}\ndevice: ${JSON.stringify(metrics.get('device_snmp_sessions')?.samples())}`,
      );
      assert.match(r.out, /\.1\.3\.6\.1\.2\.1\.1\.1\.0 = STRING: "?Beckon device behind call-home/);
      assert.match(
        r.out,
        /\.1\.3\.6\.1\.2\.1\.150\.1\.1\.1\.1\.3\.1\.1 = (Hex-STRING: C0 00 02 0A|STRING: .*)/,
      );
      ch.socket.destroy();
      await session;
      assert.equal(
        metrics
          .get('device_snmp_sessions')
          ?.samples()
          .find((x) => x.labels[1] === 'ok')?.value,
        1,
      );
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => callHomeServer.close(() => r()));
      await new Promise<void>((r) => managerServer.close(() => r()));
      rmSync(home, { recursive: true, force: true });
    }
  },
);
