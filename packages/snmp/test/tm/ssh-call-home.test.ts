import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import ssh2 from 'ssh2';
import {
  CommandGenerator,
  TransportSecurityModel,
  attachSecureSession,
  discoverContextEngineId,
  secureStreamTransport,
  sshClientOnSocket,
  sshKeyFingerprint,
  sshServerOnSocket,
  type SshAuthRequest,
  type SshClientRoleInit,
  type SshClientResult,
  type SshServerSession,
  type V3Target,
} from '../../src/index.js';
import { DEVICE_ENGINE, SYSTEM, SYS_DESCR, tsmAgent } from './helpers/tsm-agent.js';
import { callHomeTcp } from './helpers/call-home.js';

const hostKey = ssh2.utils.generateKeyPairSync('ed25519');
const otherHostKey = ssh2.utils.generateKeyPairSync('ed25519');
const userKey = ssh2.utils.generateKeyPairSync('ed25519');
const strangerKey = ssh2.utils.generateKeyPairSync('ed25519');

function blobOf(pub: string): Buffer {
  return Buffer.from(pub.trim().split(/\s+/)[1]!, 'base64');
}
function show(r: SshClientResult): string {
  return r.ok ? 'ok' : JSON.stringify(r.error);
}
const HOST_FP = sshKeyFingerprint(blobOf(hostKey.public));
const USER_FP = sshKeyFingerprint(blobOf(userKey.public));

/** Device side policy: user 'station' by key, user 'lab' by password. */
function authenticate(req: SshAuthRequest): boolean {
  if (req.method === 'publickey') return req.username === 'station' && req.fingerprint === USER_FP;
  return req.username === 'lab' && req.password === 'lab-secret';
}

async function callHome(client: Omit<SshClientRoleInit, 'log'>): Promise<{
  server: SshServerSession;
  client: SshClientResult;
  agent: ReturnType<typeof tsmAgent>;
  close(): Promise<void>;
}> {
  const tcp = await callHomeTcp();
  const a = tsmAgent(['station', 'lab']);
  // device: SSH server + agent on the TCP connection it opened
  const server = sshServerOnSocket(tcp.device, {
    hostKeys: [hostKey.private],
    authenticate,
    log: silentLogger(),
  });
  server.onSnmpChannel((ch) => attachSecureSession(a.agent, a.tsm, ch.stream, ch.tmState));
  // station: SSH client + manager on the accepted connection
  const c = await sshClientOnSocket(tcp.station, { ...client, log: silentLogger() });
  return {
    server,
    client: c,
    agent: a,
    close: async () => {
      if (c.ok) c.value.close();
      server.close();
      await tcp.close();
    },
  };
}

function manager(c: SshClientResult, name: string): { gen: CommandGenerator; target: V3Target } {
  assert.ok(c.ok);
  const tsm = new TransportSecurityModel({
    engineId: Buffer.from('80001f880573746174', 'hex'),
    metrics: new MetricsRegistry(),
  });
  return {
    gen: new CommandGenerator({
      transport: secureStreamTransport(c.value.channel, c.value.tmState, tsm),
      timeoutMs: 2000,
      retries: 0,
    }),
    target: {
      address: '127.0.0.1',
      port: 0,
      version: 'v3',
      securityModel: tsm,
      securityName: name,
      securityLevel: 'authPriv',
    },
  };
}

void test('SSH call home: device = SSH server + agent, station = SSH client (public key) + manager', async () => {
  const run = await callHome({
    username: 'station',
    privateKey: userKey.private,
    hostVerifier: (_k, fp) => fp === HOST_FP,
  });
  try {
    assert.ok(run.client.ok, show(run.client));
    assert.equal(run.client.value.hostKeyFingerprint, HOST_FP);
    const { gen, target } = manager(run.client, 'station');
    const d = await discoverContextEngineId(gen, target);
    assert.ok(d.ok, JSON.stringify(d));
    assert.ok(d.value.engineId.equals(DEVICE_ENGINE));
    const g = await gen.get(d.value.target, [SYS_DESCR]);
    assert.ok(g.ok, JSON.stringify(g));
    const v = g.value.varbinds[0]!.value;
    assert.equal(v.type === 'OctetString' && v.value.toString(), 'Beckon device (TSM test)');
    const w = await gen.walk(d.value.target, SYSTEM);
    assert.ok(w.ok && w.value.length >= 7, JSON.stringify(w));
    assert.equal(run.server.username, 'station');
    gen.dispose();
  } finally {
    await run.close();
  }
});

void test('SSH call home: password login; securityName is the SSH user name', async () => {
  const run = await callHome({
    username: 'lab',
    password: 'lab-secret',
    hostVerifier: (_k, fp) => fp === HOST_FP,
  });
  try {
    assert.ok(run.client.ok, show(run.client));
    const { gen, target } = manager(run.client, 'lab');
    const d = await discoverContextEngineId(gen, target);
    assert.ok(d.ok, JSON.stringify(d));
    const g = await gen.get(d.value.target, [SYS_DESCR]);
    assert.ok(g.ok && g.value.errorStatus === 0, JSON.stringify(g));
    gen.dispose();
  } finally {
    await run.close();
  }
});

void test('SSH call home: an unknown station key is refused by the device', async () => {
  const run = await callHome({
    username: 'station',
    privateKey: strangerKey.private,
    hostVerifier: (_k, fp) => fp === HOST_FP,
  });
  try {
    assert.equal(run.client.ok, false);
    assert.equal(!run.client.ok && run.client.error.kind, 'authentication');
    const closed = await run.server.closed;
    assert.equal(closed.authenticated, false);
  } finally {
    await run.close();
  }
});

void test('SSH call home: the station refuses an unexpected device host key', async () => {
  const otherFp = sshKeyFingerprint(blobOf(otherHostKey.public));
  const run = await callHome({
    username: 'station',
    privateKey: userKey.private,
    hostVerifier: (_k, fp) => fp === otherFp,
  });
  try {
    assert.equal(run.client.ok, false);
    assert.equal(!run.client.ok && run.client.error.kind, 'hostKeyRejected');
  } finally {
    await run.close();
  }
});
