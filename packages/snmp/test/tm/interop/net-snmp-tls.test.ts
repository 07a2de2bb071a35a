/**
 * Interoperability of the TLS transport model with Net-SNMP 5.9.3 (Debian), test-only legacy profile:
 * that build negotiates TLS 1.0 only and needs `[snmp] tlsAlgorithms DEFAULT@SECLEVEL=0`, so both
 * Beckon ends run with `legacyTls: true`. Direct TCP connections here (the call-home splice is tested
 * with the call-home work).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import {
  CertToTsnTable,
  CommandGenerator,
  TransportSecurityModel,
  attachSecureSession,
  discoverContextEngineId,
  secureStreamTransport,
  tlsClientOnSocket,
  tlsServerOnSocket,
} from '../../../src/index.js';
import { NetSnmpDaemon, freeTcpPort } from '../../interop/net-snmp-process.js';
import { TestPki, type TestCert } from '@beckon/testkit';
import { SYS_DESCR, tsmAgent } from '../helpers/tsm-agent.js';

let pki: TestPki;
let ca: TestCert;
let device: TestCert;
let station: TestCert;

before(() => {
  pki = new TestPki({ keyType: 'rsa', dirPrefix: 'beckon-tm-pki-' });
  ca = pki.ca('interop-ca');
  device = pki.leaf('device', ca, 'device-1', 'DNS:device-1.example');
  station = pki.leaf('station', ca, 'station', 'DNS:station.example');
});
after(() => pki.dispose());

/** Net-SNMP looks for certificates in tls/certs, tls/private and tls/ca-certs under its config path ($HOME/.snmp). */
function netSnmpTlsTree(home: string, own: TestCert, peer?: TestCert): void {
  const base = join(home, '.snmp', 'tls');
  for (const d of ['certs', 'private', 'ca-certs'])
    mkdirSync(join(base, d), { recursive: true, mode: 0o700 });
  copyFileSync(own.certFile, join(base, 'certs', `${own.name}.crt`));
  copyFileSync(own.keyFile, join(base, 'private', `${own.name}.key`));
  copyFileSync(ca.certFile, join(base, 'ca-certs', `${ca.name}.crt`));
  // the peer's certificate, so that a fingerprint given as their_identity can be found locally
  if (peer) copyFileSync(peer.certFile, join(base, 'certs', `${peer.name}.crt`));
}

void test('Beckon manager (TLS client, TSM) against Net-SNMP snmpd on tlstcp', async () => {
  const port = await freeTcpPort();
  const d = new NetSnmpDaemon({
    program: 'snmpd',
    config: [
      `[snmp] localCert ${device.name}`,
      `[snmp] trustCert ${ca.name}`,
      '[snmp] tlsAlgorithms DEFAULT@SECLEVEL=0',
      `certSecName 10 ${station.netSnmpFingerprint} --sn stationuser`,
      'rouser -s tsm stationuser authpriv',
      'sysDescr Net-SNMP over TLS (interop test)',
      '',
    ].join('\n'),
    listen: `tlstcp:127.0.0.1:${port}`,
  });
  netSnmpTlsTree(d.dir, device);
  let sock: Socket | undefined;
  try {
    await d.start();
    sock = connect(port, '127.0.0.1');
    await new Promise<void>((r, j) => {
      sock!.once('connect', () => r());
      sock!.once('error', j);
    });
    const s = await tlsClientOnSocket(sock, {
      cert: station.cert,
      key: station.key,
      ca: ca.cert,
      securityName: 'stationuser',
      serverFingerprint: device.fingerprint,
      legacyTls: true,
      log: silentLogger(),
    });
    assert.ok(s.ok, s.ok ? '' : `${JSON.stringify(s.error)}\n${d.output.slice(-2000)}`);
    assert.equal(s.value.protocol, 'TLSv1');
    const tsm = new TransportSecurityModel({
      engineId: Buffer.from('80001f88057374617469', 'hex'),
      metrics: new MetricsRegistry(),
    });
    const gen = new CommandGenerator({
      transport: secureStreamTransport(s.value.socket, s.value.tmState, tsm),
      timeoutMs: 3000,
      retries: 0,
    });
    const disc = await discoverContextEngineId(gen, {
      address: '127.0.0.1',
      port,
      version: 'v3',
      securityModel: tsm,
      securityName: 'stationuser',
      securityLevel: 'authPriv',
    });
    assert.ok(disc.ok, JSON.stringify(disc));
    const g = await gen.get(disc.value.target, [SYS_DESCR]);
    assert.ok(g.ok, JSON.stringify(g));
    const v = g.value.varbinds[0]!.value;
    assert.equal(v.type === 'OctetString' && v.value.toString(), 'Net-SNMP over TLS (interop test)');
    const w = await gen.walk(disc.value.target, [1, 3, 6, 1, 2, 1, 1]);
    assert.ok(w.ok && w.value.length >= 7, JSON.stringify(w));
    gen.dispose();
  } finally {
    sock?.destroy();
    await d.dispose();
  }
});

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

void test('Net-SNMP snmpget -T ... tls: against the Beckon agent over TLSTM + TSM', async () => {
  const home = mkdtempSync(join(tmpdir(), 'beckon-snmpget-tls-'));
  netSnmpTlsTree(home, station, device);
  writeFileSync(join(home, '.snmp', 'snmp.conf'), 'tlsAlgorithms DEFAULT@SECLEVEL=0\n');
  const a = tsmAgent(['stationuser']);
  const table = new CertToTsnTable();
  table.set({ id: 10, fingerprint: station.fingerprint, mapType: 'specified', data: 'stationuser' });
  const results: string[] = [];
  const sockets: Socket[] = [];
  const server = createServer((sock) => {
    sockets.push(sock);
    void tlsServerOnSocket(sock, {
      cert: device.cert,
      key: device.key,
      ca: ca.cert,
      certToTsn: table,
      legacyTls: true,
      log: silentLogger(),
    }).then((s) => {
      results.push(
        s.ok ? `ok ${s.value.protocol} ${s.value.tmState.tmSecurityName}` : JSON.stringify(s.error),
      );
      if (s.ok) attachSecureSession(a.agent, a.tsm, s.value.socket, s.value.tmState);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  try {
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
        `our_identity=${station.netSnmpFingerprint}`,
        '-T',
        `their_identity=${device.netSnmpFingerprint}`,
        `tls:127.0.0.1:${port}`,
        '1.3.6.1.2.1.1.1.0',
      ],
      { ...process.env, HOME: home, MIBS: '', SNMPCONFPATH: join(home, '.snmp') },
    );
    assert.equal(r.code, 0, `${r.out}\nserver side: ${results.join('; ')}`);
    assert.match(r.out, /\.1\.3\.6\.1\.2\.1\.1\.1\.0 = STRING: "?Beckon device \(TSM test\)/);
    assert.deepEqual(results, ['ok TLSv1 stationuser']);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(home, { recursive: true, force: true });
  }
});
