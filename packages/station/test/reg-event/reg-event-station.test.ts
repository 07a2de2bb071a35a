// The reg event package in a real Station (UDP on 127.0.0.1, ephemeral ports): user 1000 and user 1001
// register their lines from one instrument (digest usernames `1000/MAC`, `1001/MAC`, seed 002 §3); a
// watcher (user 1000) subscribes to sip:1000@domain and to sip:~~in~MAC@domain, gets the full-state
// NOTIFYs, and a REGISTER with Expires: 0 of 1000's contact is reported to both as terminated/unregistered.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '@beckon/config';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import {
  DigestClient,
  SipEndpoint,
  TransportLayer,
  type SendTarget,
  type SipRequest,
  type SipResponse,
} from '@beckon/sip';
import { decodeReginfo, type Reginfo } from '../../src/reg-event/index.js';
import { startStationWithServices, type RunningStation } from '../../src/index.js';
import { UdpClient } from '../interop/udp-client.js';

const DOMAIN = 'example.net';
const MAC = '0011220000AA';
const USERS = [
  { username: '1000', password: 'pw-1000' },
  { username: '1001', password: 'pw-1001' },
  { username: 'ops', password: 'pw-ops' },
];

interface Seen {
  req: SipRequest;
  doc: Reginfo;
}

void describe('reg event package in a Station', () => {
  let running: RunningStation | undefined;
  let phone: UdpClient | undefined;
  let watcherEp: SipEndpoint | undefined;
  let watcherPort = 0;
  let station: SendTarget;
  const notifies: Seen[] = [];

  before(async () => {
    const r = loadConfig({
      sets: [
        `sip.domain=${DOMAIN}`,
        'sip.listen=[{transport: udp, host: 127.0.0.1, port: 0}]',
        'snmp.listen=[{transport: udp, host: 127.0.0.1, port: 0}]',
        'http.listen.port=0',
        'management.callHomeListen.port=0',
        'storage.sqlitePath=:memory:',
        'auth.algorithms=[MD5]',
        `auth.users=${JSON.stringify(USERS)}`,
        'registrar.regEvent.watchers=[ops]',
      ],
      env: {},
    });
    assert.ok(r.ok, JSON.stringify(!r.ok && r));
    running = await startStationWithServices(r.config, {
      log: silentLogger(),
      metrics: new MetricsRegistry(),
    });
    const udp = running.services.addresses().sip[0];
    assert.ok(udp);
    station = { transport: 'udp', address: '127.0.0.1', port: udp.port };
    phone = await UdpClient.open();
    const transport = new TransportLayer(
      { log: silentLogger(), metrics: new MetricsRegistry() },
      { listeners: [{ transport: 'udp', host: '127.0.0.1', port: 0 }] },
    );
    watcherEp = new SipEndpoint({ log: silentLogger(), metrics: new MetricsRegistry(), transport });
    watcherEp.onRequest('NOTIFY', (ctx) => {
      const d = decodeReginfo(ctx.request.body);
      if (d.ok) notifies.push({ req: ctx.request, doc: d.value });
      ctx.respond(200);
    });
    const s = await watcherEp.start();
    assert.ok(s.ok);
    watcherPort = transport.listeners()[0]?.port ?? 0;
  });

  after(async () => {
    phone?.close();
    await watcherEp?.stop();
    await running?.stop();
  });

  function subscribe(target: string, auth: { username: string; password: string }): Promise<SipResponse> {
    const ep = watcherEp as SipEndpoint;
    const req = ep.createRequest('SUBSCRIBE', target, {
      from: `<sip:${auth.username}@${DOMAIN}>`,
      to: `<${target}>`,
      contact: `<sip:watcher@127.0.0.1:${watcherPort}>`,
      headers: [
        ['Event', 'reg'],
        ['Accept', 'application/reginfo+xml'],
        ['Expires', '600'],
      ],
    });
    return ep.request(req, station, { credentials: auth });
  }

  /** Waits for a NOTIFY whose Call-ID is `callId` and that satisfies `pred` (bounded). */
  async function notifyFor(callId: string, pred: (d: Reginfo) => boolean, what: string): Promise<Reginfo> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const hit = notifies.find((n) => n.req.callId === callId && pred(n.doc));
      if (hit) return hit.doc;
      if (Date.now() > deadline)
        throw new Error(`no NOTIFY: ${what}; got ${JSON.stringify(notifies.map((n) => n.doc))}`);
      await new Promise((res) => setTimeout(res, 20));
    }
  }

  /** REGISTER with digest from the phone socket; `expires` 0 removes the contact. */
  async function register(
    user: string,
    expires: number,
    cseq: number,
    contactParams = '',
    extra: string[] = [],
  ): Promise<SipResponse> {
    const p = phone as UdpClient;
    const aor = `sip:${user}@${DOMAIN}`;
    const contact = `Contact: <sip:${user}@127.0.0.1:${p.port}>${contactParams}`;
    const callId = `reg-${user}-${p.port}`;
    const first = await p.send(
      station.port,
      p.request('REGISTER', `sip:${DOMAIN}`, [contact, `Expires: ${expires}`, ...extra], {
        from: aor,
        callId,
        cseq,
      }),
    );
    if (first.status !== 401) return first;
    const password = USERS.find((u) => u.username === user)?.password ?? '';
    const a = new DigestClient().authorize({
      challenges: first.getRows('www-authenticate'),
      username: `${user}/${MAC}`,
      password,
      method: 'REGISTER',
      uri: `sip:${DOMAIN}`,
    });
    assert.ok(a.ok);
    return p.send(
      station.port,
      p.request(
        'REGISTER',
        `sip:${DOMAIN}`,
        [contact, `Expires: ${expires}`, ...extra, `Authorization: ${a.value}`],
        {
          from: aor,
          callId,
          cseq: cseq + 1,
        },
      ),
    );
  }

  let aorCallId = '';
  let instCallId = '';
  let contactId = '';

  void it('two lines of one instrument register', async () => {
    assert.equal((await register('1000', 3600, 1)).status, 200);
    assert.equal((await register('1001', 3600, 1)).status, 200);
    const inst = (running as RunningStation).station.instruments();
    assert.ok(
      inst.some((i) => i.instrument === MAC.toLowerCase()),
      JSON.stringify(inst),
    );
  });

  void it('the watcher subscribes to the AOR and to the instrument and gets full state', async () => {
    const user = { username: '1000', password: 'pw-1000' };
    const a = await subscribe(`sip:1000@${DOMAIN}`, user);
    assert.equal(a.status, 200);
    aorCallId = a.callId;
    const doc = await notifyFor(aorCallId, () => true, 'initial AOR NOTIFY');
    assert.equal(doc.state, 'full');
    assert.equal(doc.version, 0);
    const reg = doc.registrations[0];
    assert.equal(reg?.aor, `sip:1000@${DOMAIN}`);
    assert.equal(reg?.state, 'active');
    assert.equal(reg?.contacts.length, 1);
    assert.equal(reg?.contacts[0]?.event, 'registered');
    contactId = reg?.contacts[0]?.id ?? '';

    const i = await subscribe(`sip:~~in~${MAC}@${DOMAIN}`, user);
    assert.equal(i.status, 200);
    instCallId = i.callId;
    const idoc = await notifyFor(instCallId, () => true, 'initial instrument NOTIFY');
    assert.deepEqual(
      idoc.registrations.map((r) => [r.aor, r.state, r.contacts.length]),
      [
        [`sip:1000@${DOMAIN}`, 'active', 1],
        [`sip:1001@${DOMAIN}`, 'active', 1],
      ],
    );
  });

  void it('user 1001 may not watch 1000; the listed operator may', async () => {
    assert.equal(
      (await subscribe(`sip:1000@${DOMAIN}`, { username: '1001', password: 'pw-1001' })).status,
      403,
    );
    assert.equal(
      (await subscribe(`sip:1000@${DOMAIN}`, { username: 'ops', password: 'pw-ops' })).status,
      200,
    );
  });

  void it('REGISTER with Expires: 0 is reported terminated/unregistered to both subscriptions', async () => {
    assert.equal((await register('1000', 0, 3)).status, 200);
    const gone = (d: Reginfo): boolean =>
      d.registrations.some((r) =>
        r.contacts.some((c) => c.id === contactId && c.state === 'terminated' && c.event === 'unregistered'),
      );
    const a = await notifyFor(aorCallId, gone, 'AOR NOTIFY with the contact terminated');
    assert.equal(a.version, 1);
    assert.equal(a.registrations[0]?.state, 'terminated');
    const i = await notifyFor(instCallId, gone, 'instrument NOTIFY with the contact terminated');
    assert.equal(i.version, 1);
    // 1001's line is still there.
    const other = i.registrations.find((r) => r.aor === `sip:1001@${DOMAIN}`);
    assert.equal(other?.state, 'active');
    assert.equal(other?.contacts[0]?.state, 'active');
  });

  void it('a contact registered with an instance carries its GRUUs (RFC 5628), and they route', async () => {
    const instance = '<urn:uuid:00000000-0000-1000-8000-0011220000aa>';
    const r = await register('1001', 3600, 10, `;+sip.instance="${instance}"`, ['Supported: gruu']);
    assert.equal(r.status, 200);
    const a = await subscribe(`sip:1001@${DOMAIN}`, { username: 'ops', password: 'pw-ops' });
    assert.equal(a.status, 200);
    const doc = await notifyFor(
      a.callId,
      (d) => d.registrations.some((x) => x.contacts.some((c) => c.pubGruu !== undefined)),
      'NOTIFY with a pub-gruu',
    );
    const c = doc.registrations[0]?.contacts.find((x) => x.pubGruu !== undefined);
    assert.equal(c?.instance, instance);
    assert.equal(c?.pubGruu, `sip:1001@${DOMAIN};gr=urn:uuid:00000000-0000-1000-8000-0011220000aa`);
    assert.match(c?.tempGruu?.uri ?? '', /^sip:tgruu\.[A-Za-z0-9_-]+@example\.net;gr$/);
    assert.equal(c?.tempGruu?.firstCseq, 11);
    // The document declares the gruuinfo namespace for its gr: elements.
    const raw = notifies.find((n) => n.req.callId === a.callId && n.doc === doc)?.req.body.toString() ?? '';
    assert.match(raw, /xmlns:gr="urn:ietf:params:xml:ns:gruuinfo"/);
  });
});
