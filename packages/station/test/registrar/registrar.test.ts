import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import {
  DigestClient,
  DigestServer,
  InMemoryCredentialStore,
  parseMessage,
  type Flow,
  type SipRequest,
} from '@beckon/sip';
import { SqliteDatabase } from '@beckon/store';
import { LocationService, SqliteLocationStore } from '../../src/location/index.js';
import { Registrar, type RegisterReply, type RegistrarInit } from '../../src/registrar/index.js';

const flow: Flow = {
  id: 'udp:127.0.0.1:5060>10.0.0.9:5062',
  transport: 'udp',
  local: { address: '127.0.0.1', port: 5060 },
  remote: { address: '10.0.0.9', port: 5062 },
  secure: false,
  reliable: false,
  closed: false,
  send: () => ({ ok: true }),
  touch: () => undefined,
  setIdleTimeout: () => undefined,
  close: () => undefined,
};

interface Rig {
  registrar: Registrar;
  location: LocationService;
  metrics: MetricsRegistry;
  clock: { t: number };
  close(): Promise<void>;
}

async function rig(
  init: Partial<RegistrarInit> = {},
  auth?: { users: [string, string][]; maxContacts?: number },
  maxContacts = 10,
): Promise<Rig> {
  const log = silentLogger();
  const metrics = new MetricsRegistry();
  const db = new SqliteDatabase({ log }, { path: ':memory:' });
  const opened = SqliteLocationStore.open({ db, log, metrics });
  assert.ok(opened.ok);
  const clock = { t: 1_700_000_000_000 };
  const location = new LocationService(
    { store: opened.store, log, metrics },
    { maxContactsPerAor: maxContacts, now: () => clock.t },
  );
  await location.start();
  let digest: DigestServer | undefined;
  if (auth) {
    const credentials = new InMemoryCredentialStore();
    for (const [u, p] of auth.users) credentials.set('example.net', u, { kind: 'password', password: p });
    digest = new DigestServer({ log, metrics, credentials }, { realm: 'example.net', algorithms: ['MD5'] });
  }
  const registrar = new Registrar(
    { log, metrics, location, ...(digest ? { digest } : {}) },
    { domains: ['example.net'], now: () => clock.t, ...init },
  );
  return {
    registrar,
    location,
    metrics,
    clock,
    async close() {
      await location.stop();
      await opened.store.close();
      db.close();
    },
  };
}

let branch = 0;
function register(
  user: string,
  contacts: string[],
  opts: { callId?: string; cseq?: number; expires?: number; headers?: string[]; domain?: string } = {},
): SipRequest {
  const domain = opts.domain ?? 'example.net';
  const lines = [
    `REGISTER sip:${domain} SIP/2.0`,
    `Via: SIP/2.0/UDP 10.0.0.9:5062;branch=z9hG4bK-t${branch++};rport`,
    'Max-Forwards: 70',
    `From: <sip:${user}@${domain}>;tag=f1`,
    `To: <sip:${user}@${domain}>`,
    `Call-ID: ${opts.callId ?? 'cid-' + user}`,
    `CSeq: ${opts.cseq ?? 1} REGISTER`,
    ...contacts.map((c) => `Contact: ${c}`),
    ...(opts.expires !== undefined ? [`Expires: ${opts.expires}`] : []),
    ...(opts.headers ?? []),
    'Content-Length: 0',
    '',
    '',
  ];
  const r = parseMessage(Buffer.from(lines.join('\r\n')));
  assert.ok(r.ok, 'test request parses');
  assert.equal(r.message.kind, 'request');
  return r.message as SipRequest;
}

async function send(r: Rig, req: SipRequest): Promise<RegisterReply> {
  const reply = await r.registrar.process(req, flow);
  assert.ok(reply, 'a reply');
  return reply;
}

function header(reply: RegisterReply, name: string): string[] {
  return reply.headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
}

void test('add, refresh, query and remove a binding; 200 lists contacts with expires and a Date', async () => {
  const r = await rig();
  try {
    let reply = await send(r, register('alice', ['<sip:alice@10.0.0.9:5062>'], { expires: 600 }));
    assert.equal(reply.status, 200);
    assert.deepEqual(header(reply, 'contact'), ['<sip:alice@10.0.0.9:5062>;expires=600']);
    assert.equal(header(reply, 'date').length, 1);
    assert.equal(r.location.lookup('sip:alice@example.net').length, 1);

    r.clock.t += 100_000;
    reply = await send(r, register('alice', ['<sip:alice@10.0.0.9:5062>;expires=300'], { cseq: 2 }));
    assert.deepEqual(header(reply, 'contact'), ['<sip:alice@10.0.0.9:5062>;expires=300']);

    // Query: no Contact -> the current bindings, nothing changed.
    reply = await send(r, register('alice', [], { cseq: 3 }));
    assert.equal(reply.status, 200);
    assert.deepEqual(header(reply, 'contact'), ['<sip:alice@10.0.0.9:5062>;expires=300']);

    reply = await send(r, register('alice', ['<sip:alice@10.0.0.9:5062>;expires=0'], { cseq: 4 }));
    assert.equal(reply.status, 200);
    assert.deepEqual(header(reply, 'contact'), []);
    assert.equal(r.location.lookup('sip:alice@example.net').length, 0);
  } finally {
    await r.close();
  }
});

void test('default expiry, max clamp, Min-Expires with 423, q and params echoed', async () => {
  const r = await rig({ minExpires: 60, maxExpires: 7200, defaultExpires: 3600 });
  try {
    let reply = await send(r, register('bob', ['<sip:bob@10.0.0.9>;q=0.5']));
    assert.deepEqual(header(reply, 'contact'), ['<sip:bob@10.0.0.9>;q=0.5;expires=3600']);
    reply = await send(r, register('bob', ['<sip:bob@10.0.0.9>'], { cseq: 2, expires: 100000 }));
    assert.deepEqual(header(reply, 'contact'), ['<sip:bob@10.0.0.9>;expires=7200']);
    reply = await send(r, register('bob', ['<sip:bob@10.0.0.9>'], { cseq: 3, expires: 30 }));
    assert.equal(reply.status, 423);
    assert.deepEqual(header(reply, 'min-expires'), ['60']);
  } finally {
    await r.close();
  }
});

void test('Contact: * needs Expires: 0 and no other contact; removes every binding', async () => {
  const r = await rig();
  try {
    await send(r, register('carol', ['<sip:carol@10.0.0.1>', '<sip:carol@10.0.0.2>']));
    assert.equal(r.location.lookup('sip:carol@example.net').length, 2);
    assert.equal((await send(r, register('carol', ['*'], { cseq: 2, expires: 10 }))).status, 400);
    assert.equal((await send(r, register('carol', ['*'], { cseq: 3 }))).status, 400);
    const reply = await send(r, register('carol', ['*'], { cseq: 4, expires: 0 }));
    assert.equal(reply.status, 200);
    assert.equal(r.location.lookup('sip:carol@example.net').length, 0);
  } finally {
    await r.close();
  }
});

void test('Call-ID/CSeq ordering: an older CSeq fails, a retransmission gets the same 200', async () => {
  const r = await rig();
  try {
    await send(r, register('dave', ['<sip:dave@10.0.0.9>'], { cseq: 5 }));
    const again = await send(r, register('dave', ['<sip:dave@10.0.0.9>'], { cseq: 5 }));
    assert.equal(again.status, 200, 'retransmission answered');
    assert.equal(r.metrics.get('registrar_retransmissions')?.samples()[0]?.value, 1);
    const older = await send(r, register('dave', ['<sip:dave@10.0.0.9>'], { cseq: 4 }));
    assert.equal(older.status, 500);
    // Another Call-ID may always update (a rebooted phone).
    const other = await send(r, register('dave', ['<sip:dave@10.0.0.9>'], { cseq: 1, callId: 'new' }));
    assert.equal(other.status, 200);
  } finally {
    await r.close();
  }
});

void test('concurrent copies of one REGISTER: the second is absorbed', async () => {
  const r = await rig();
  try {
    const a = r.registrar.process(register('erin', ['<sip:erin@10.0.0.9>']), flow);
    const b = r.registrar.process(register('erin', ['<sip:erin@10.0.0.9>']), flow);
    const [ra, rb] = await Promise.all([a, b]);
    assert.equal(ra?.status, 200);
    assert.equal(rb, undefined);
  } finally {
    await r.close();
  }
});

void test('foreign domain 404, non-SIP To 404, Require with unknown tag 420', async () => {
  const r = await rig();
  try {
    assert.equal((await send(r, register('x', ['<sip:x@1.2.3.4>'], { domain: 'other.org' }))).status, 404);
    const req = register('x', ['<sip:x@1.2.3.4>'], { headers: ['Require: foo, path'] });
    const reply = await send(r, req);
    assert.equal(reply.status, 420);
    assert.deepEqual(header(reply, 'unsupported'), ['foo']);
  } finally {
    await r.close();
  }
});

void test('max contacts per AOR: 403 beyond the limit', async () => {
  const r = await rig({}, undefined, 2);
  try {
    await send(r, register('f', ['<sip:f@10.0.0.1>', '<sip:f@10.0.0.2>']));
    const reply = await send(r, register('f', ['<sip:f@10.0.0.3>'], { cseq: 2 }));
    assert.equal(reply.status, 403);
    // Every refused change hands the AOR's turn on: the next REGISTERs of the AOR are answered.
    const again = await send(r, register('f', ['<sip:f@10.0.0.4>'], { cseq: 3 }));
    assert.equal(again.status, 403);
    // (Call-ID and CSeq of the first REGISTER: a retransmission, answered with the bindings.)
    const repeat = await send(r, register('f', ['<sip:f@10.0.0.1>'], { cseq: 1 }));
    assert.equal(repeat.status, 200);
    const older = await send(r, register('f', ['<sip:f@10.0.0.1>'], { cseq: 0 }));
    assert.equal(older.status, 500);
    const refresh = await send(r, register('f', ['<sip:f@10.0.0.1>'], { cseq: 5 }));
    assert.equal(refresh.status, 200);
  } finally {
    await r.close();
  }
});

void test('Path without Supported: path is 421; with it, Path is stored and echoed', async () => {
  const r = await rig();
  try {
    const bad = await send(
      r,
      register('g', ['<sip:g@10.0.0.1>'], { headers: ['Path: <sip:edge.example.net;lr>'] }),
    );
    assert.equal(bad.status, 421);
    const good = await send(
      r,
      register('g', ['<sip:g@10.0.0.1>'], {
        cseq: 2,
        headers: ['Path: <sip:edge.example.net;lr>', 'Supported: path'],
      }),
    );
    assert.equal(good.status, 200);
    assert.deepEqual(header(good, 'path'), ['<sip:edge.example.net;lr>']);
    assert.deepEqual(r.location.lookup('sip:g@example.net')[0]?.path, ['<sip:edge.example.net;lr>']);
  } finally {
    await r.close();
  }
});

void test('outbound: instance + reg-id key the binding, flow stored, Require: outbound in the 200', async () => {
  const r = await rig();
  try {
    const inst = '"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>"';
    const reply = await send(
      r,
      register('h', [`<sip:h@10.0.0.9:5062;ob>;+sip.instance=${inst};reg-id=1`], {
        headers: ['Supported: outbound, path'],
      }),
    );
    assert.equal(reply.status, 200);
    assert.deepEqual(header(reply, 'require'), ['outbound']);
    // Re-registration over another flow with another URI replaces the binding (RFC 5626 §6).
    await send(r, register('h', [`<sip:h@10.0.0.10:6000;ob>;+sip.instance=${inst};reg-id=1`], { cseq: 2 }));
    const b = r.location.lookup('sip:h@example.net');
    assert.equal(b.length, 1);
    assert.equal(b[0]?.contact, 'sip:h@10.0.0.10:6000;ob');
    assert.equal(b[0]?.regId, 1);
    assert.equal(b[0]?.instrument, '00a0c91e6bf6', 'method 2: MAC from the v1 UUID');
    assert.equal(b[0]?.flow?.remotePort, 5062);
    assert.equal(b[0]?.flow?.flowId, flow.id);
    // Two contacts with reg-id: 400.
    const two = await send(
      r,
      register(
        'h',
        [`<sip:h@1.1.1.1>;+sip.instance=${inst};reg-id=1`, `<sip:h@1.1.1.2>;+sip.instance=${inst};reg-id=2`],
        { cseq: 3 },
      ),
    );
    assert.equal(two.status, 400);
  } finally {
    await r.close();
  }
});

async function authed(
  r: Rig,
  user: string,
  username: string,
  password: string,
  contact: string,
  cseq = 1,
): Promise<RegisterReply> {
  const first = await send(r, register(user, [contact], { cseq }));
  assert.equal(first.status, 401);
  const client = new DigestClient();
  const a = client.authorize({
    challenges: header(first, 'www-authenticate'),
    username,
    password,
    method: 'REGISTER',
    uri: 'sip:example.net',
  });
  assert.ok(a.ok);
  return send(r, register(user, [contact], { cseq: cseq + 1, headers: [`Authorization: ${a.value}`] }));
}

void test('digest auth, instrument method 1: user/TOKEN verified over the full name, token stored', async () => {
  const r = await rig(
    {},
    {
      users: [
        ['69', 'XYZZY'],
        ['70', 'plugh'],
      ],
    },
  );
  try {
    let reply = await authed(r, '69', '69/0000DEADBEEF', 'XYZZY', '<sip:69@10.3.14.159>');
    assert.equal(reply.status, 200);
    reply = await authed(r, '70', '70/0000DEADBEEF', 'plugh', '<sip:70@10.3.14.159>');
    assert.equal(reply.status, 200);
    const lines = r.location
      .byInstrument('0000deadbeef')
      .map((b) => b.aor)
      .sort();
    assert.deepEqual(lines, ['sip:69@example.net', 'sip:70@example.net']);
    assert.equal(r.location.lookup('sip:69@example.net')[0]?.authUser, '69');
    // Wrong password: 401 again and a counted failure.
    reply = await authed(r, '69', '69/0000DEADBEEF', 'wrong', '<sip:69@10.3.14.159>', 10);
    assert.equal(reply.status, 401);
    assert.equal(r.registrar.authFailures('sip:69@example.net'), 1);
    // Authentication user 70 may not register AOR 69.
    reply = await authed(r, '69', '70/0000DEADBEEF', 'plugh', '<sip:69@10.3.14.159>', 20);
    assert.equal(reply.status, 403);
  } finally {
    await r.close();
  }
});

void test('metrics: accepted and rejected{reason}', async () => {
  const r = await rig();
  try {
    await send(r, register('m', ['<sip:m@10.0.0.1>']));
    await send(r, register('m', ['<sip:m@10.0.0.1>'], { cseq: 2, expires: 1 }));
    assert.equal(r.metrics.get('registrar_accepted_registrations')?.samples()[0]?.value, 1);
    const rej = r.metrics.get('registrar_rejected_registrations')?.samples() ?? [];
    assert.deepEqual(
      rej.map((s) => [s.labels, s.value]),
      [[['interval-too-brief'], 1]],
    );
  } finally {
    await r.close();
  }
});

void test('processNow: a challenge or a rejection is answered synchronously, a change after its commit', async () => {
  const r = await rig({}, { users: [['71', 'pw']] });
  try {
    const challenged = r.registrar.processNow(register('71', ['<sip:71@10.3.14.159>']), flow);
    assert.ok(!(challenged instanceof Promise));
    assert.equal(challenged?.status, 401);
    const foreign = r.registrar.processNow(
      register('71', ['<sip:71@10.3.14.159>'], { domain: 'other.org' }),
      flow,
    );
    assert.ok(!(foreign instanceof Promise));
    assert.equal(foreign?.status, 404);
    const reply = await authed(r, '71', '71', 'pw', '<sip:71@10.3.14.159>');
    assert.equal(reply.status, 200);
    assert.equal(r.location.lookup('sip:71@example.net').length, 1);
  } finally {
    await r.close();
  }
});
