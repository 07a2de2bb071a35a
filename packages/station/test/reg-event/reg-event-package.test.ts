import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import {
  DigestServer,
  InMemoryCredentialStore,
  Notifier,
  type NotifierSubscription,
  type SipResponse,
} from '@beckon/sip';
import type { BindingRecord } from '../../src/location/index.js';
import {
  decodeReginfo,
  RegEventPackage,
  type LocationChangeListener,
  type RegLocationView,
  type Reginfo,
} from '../../src/reg-event/index.js';
import { rawDevice, startSipNode, until, type SipNode } from '../management/fixtures.js';

const DOMAIN = 'example.net';
const MAC = '0000deadbeef';

/** A location service stand-in: bindings set by the test, changes announced by hand. */
class FakeLocation implements RegLocationView {
  bindings: BindingRecord[] = [];
  private listeners: LocationChangeListener[] = [];
  lookup(aor: string): BindingRecord[] {
    return this.bindings.filter((b) => b.aor === aor);
  }
  byInstrument(instrument: string): BindingRecord[] {
    return this.bindings.filter((b) => b.instrument === instrument);
  }
  byAorAndInstrument(aor: string, instrument: string): BindingRecord[] {
    return this.bindings.filter((b) => b.aor === aor && b.instrument === instrument);
  }
  onChange(l: LocationChangeListener): () => void {
    this.listeners.push(l);
    return () => (this.listeners = this.listeners.filter((x) => x !== l));
  }
  emit(aor: string, instrument: string | undefined): void {
    for (const l of this.listeners) l(aor, instrument);
  }
  get listening(): number {
    return this.listeners.length;
  }
}

let contactIndex = 0;
function binding(user: string, port: number, over: Partial<BindingRecord> = {}): BindingRecord {
  contactIndex++;
  return {
    aor: `sip:${user}@${DOMAIN}`,
    contact: `sip:${user}@192.0.2.1:${port}`,
    contactParams: { q: '0.7' },
    displayName: undefined,
    instance: undefined,
    regId: undefined,
    instrument: MAC,
    authUser: user,
    callId: `reg-${user}-${port}`,
    cseq: 2,
    expiresAt: Date.now() + 3_600_000,
    path: undefined,
    flow: undefined,
    receivedAt: Date.now(),
    userAgent: undefined,
    contactKey: `sip:${user}@192.0.2.1:${port}`,
    userIndex: 1,
    contactIndex,
    ...over,
  };
}

interface Rig {
  station: SipNode;
  notifier: Notifier;
  pkg: RegEventPackage;
  location: FakeLocation;
  metrics: MetricsRegistry;
  stop(): Promise<void>;
}

let rig: Rig | undefined;
let watchers: (SipNode & { notifies: { req: { body: Buffer; get(n: string): string | undefined } }[] })[] =
  [];

afterEach(async () => {
  for (const w of watchers) await w.endpoint.stop();
  watchers = [];
  await rig?.stop();
  rig = undefined;
});

async function startRig(o: { auth?: boolean; watchers?: string[] } = {}): Promise<Rig> {
  const station = await startSipNode();
  const log = silentLogger();
  const credentials = new InMemoryCredentialStore();
  for (const u of ['1000', '1001', '1002', 'ops'])
    credentials.set(DOMAIN, u, { kind: 'password', password: `pw${u}` });
  const digest =
    o.auth === false
      ? undefined
      : new DigestServer(
          { log, metrics: station.metrics, credentials },
          { realm: DOMAIN, algorithms: ['MD5'] },
        );
  const notifier = new Notifier(
    { log, metrics: station.metrics, endpoint: station.endpoint },
    { summaryIntervalMs: 0 },
  );
  const location = new FakeLocation();
  const pkg = new RegEventPackage(
    { log, metrics: station.metrics, location, notifier, ...(digest ? { digest } : {}) },
    { domains: [DOMAIN], watchers: o.watchers ?? [] },
  );
  assert.ok(notifier.packages.register(pkg));
  await notifier.start();
  pkg.start();
  const r: Rig = {
    station,
    notifier,
    pkg,
    location,
    metrics: station.metrics,
    async stop() {
      pkg.stop();
      notifier.stop();
      await station.endpoint.stop();
    },
  };
  rig = r;
  return r;
}

async function watcher() {
  const w = await rawDevice();
  watchers.push(w);
  return w;
}

function subscribe(
  w: SipNode,
  r: Rig,
  target: string,
  o: { auth?: string; accept?: string; expires?: number; body?: string } = {},
): Promise<SipResponse> {
  const headers: [string, string][] = [['Event', 'reg']];
  if (o.accept !== undefined) headers.push(['Accept', o.accept]);
  if (o.expires !== undefined) headers.push(['Expires', String(o.expires)]);
  if (o.body !== undefined) headers.push(['Content-Type', 'text/plain']);
  const req = w.endpoint.createRequest('SUBSCRIBE', target, {
    from: `<sip:${o.auth ?? 'anon'}@${DOMAIN}>`,
    to: `<${target}>`,
    contact: `<sip:w@127.0.0.1:${w.port('udp')}>`,
    headers,
    ...(o.body !== undefined ? { body: o.body } : {}),
  });
  return w.endpoint.request(
    req,
    { transport: 'udp', address: '127.0.0.1', port: r.station.port('udp') },
    o.auth !== undefined
      ? { credentials: { username: o.auth, password: `pw${o.auth.split('/')[0]}` } }
      : undefined,
  );
}

function docOf(n: { req: { body: Buffer; get(n: string): string | undefined } } | undefined): Reginfo {
  assert.ok(n, 'a NOTIFY');
  assert.equal(n.req.get('content-type'), 'application/reginfo+xml');
  const d = decodeReginfo(n.req.body);
  assert.ok(d.ok, JSON.stringify(!d.ok && d.error));
  return d.value;
}

void describe('RegEventPackage (RFC 3680)', () => {
  void test('challenges, then accepts the AOR owner with the default expiry and a full-state NOTIFY', async () => {
    const r = await startRig();
    r.location.bindings = [binding('1000', 5062), binding('1001', 5063)];
    const w = await watcher();
    const plain = await subscribe(w, r, `sip:1000@${DOMAIN}`);
    assert.equal(plain.status, 401);
    assert.ok(plain.get('www-authenticate')?.startsWith('Digest '));
    const ok = await subscribe(w, r, `sip:1000@${DOMAIN}`, { auth: `1000/${MAC.toUpperCase()}` });
    assert.equal(ok.status, 200);
    assert.equal(ok.get('expires'), '3761');
    await until(() => w.notifies.length === 1, 'initial NOTIFY');
    const doc = docOf(w.notifies[0]);
    assert.equal(doc.version, 0);
    assert.equal(doc.state, 'full');
    assert.equal(doc.registrations.length, 1);
    const reg = doc.registrations[0];
    assert.equal(reg?.aor, `sip:1000@${DOMAIN}`);
    assert.equal(reg?.state, 'active');
    assert.equal(reg?.contacts.length, 1);
    assert.deepEqual(
      { ...reg?.contacts[0], expires: undefined },
      {
        id: String(r.location.bindings[0]?.contactIndex),
        state: 'active',
        event: 'registered',
        expires: undefined,
        q: '0.7',
        callId: 'reg-1000-5062',
        cseq: 2,
        uri: 'sip:1000@192.0.2.1:5062',
      },
    );
  });

  void test('403 for another user, 200 for a listed watcher; 404 for another domain; 406; 415', async () => {
    const r = await startRig({ watchers: ['ops'] });
    const w = await watcher();
    assert.equal((await subscribe(w, r, `sip:1001@${DOMAIN}`, { auth: '1000' })).status, 403);
    assert.equal((await subscribe(w, r, `sip:1001@${DOMAIN}`, { auth: 'ops' })).status, 200);
    assert.equal((await subscribe(w, r, 'sip:1000@elsewhere.example', { auth: '1000' })).status, 404);
    assert.equal((await subscribe(w, r, `sip:${DOMAIN}`, { auth: '1000' })).status, 404);
    const na = await subscribe(w, r, `sip:1000@${DOMAIN}`, { auth: '1000', accept: 'application/pidf+xml' });
    assert.equal(na.status, 406);
    const empty = await subscribe(w, r, `sip:1000@${DOMAIN}`, { auth: '1000', accept: '' });
    assert.equal(empty.status, 406);
    const accepted = await subscribe(w, r, `sip:1000@${DOMAIN}`, {
      auth: '1000',
      accept: 'application/pidf+xml, application/reginfo+xml;q=0.5',
    });
    assert.equal(accepted.status, 200);
    assert.equal((await subscribe(w, r, `sip:1000@${DOMAIN}`, { auth: '1000', body: 'filter' })).status, 415);
    const rejected = r.metrics.get('reg_subscribe_rejected') as { get(...v: string[]): number };
    assert.equal(rejected.get('forbidden'), 1);
    assert.equal(rejected.get('not-acceptable'), 2);
    assert.equal(rejected.get('unknown-domain'), 1);
  });

  void test('instrument URIs: a user with a line on the instrument may watch it, others may not', async () => {
    const r = await startRig();
    r.location.bindings = [
      binding('1000', 5062),
      binding('1001', 5063),
      binding('1002', 5064, { instrument: 'other' }),
    ];
    const w = await watcher();
    // 1002 authenticates but its line is on another instrument; 1001 has a line on MAC.
    assert.equal((await subscribe(w, r, `sip:~~in~${MAC}@${DOMAIN}`, { auth: '1002' })).status, 403);
    const ok = await subscribe(w, r, `sip:~~in~${MAC.toUpperCase()}@${DOMAIN}`, { auth: '1001' });
    assert.equal(ok.status, 200);
    await until(() => w.notifies.length === 1, 'initial NOTIFY');
    const doc = docOf(w.notifies[0]);
    assert.deepEqual(
      doc.registrations.map((x) => [x.aor, x.state, x.contacts.length]),
      [
        [`sip:1000@${DOMAIN}`, 'active', 1],
        [`sip:1001@${DOMAIN}`, 'active', 1],
      ],
    );
    // The line form: 1000's line on the instrument, watched by 1000 (its own line).
    const line = await subscribe(w, r, `sip:~~in~1000&${MAC}@${DOMAIN}`, { auth: '1000' });
    assert.equal(line.status, 200);
    await until(() => w.notifies.length === 2, 'line NOTIFY');
    const ld = docOf(w.notifies[1]);
    assert.deepEqual(
      ld.registrations.map((x) => [x.aor, x.contacts.length]),
      [[`sip:1000@${DOMAIN}`, 1]],
    );
  });

  void test('changes: versions grow by one; a removed contact is reported terminated/unregistered once', async () => {
    const r = await startRig({ auth: false });
    const a = binding('1000', 5062);
    r.location.bindings = [a];
    const w = await watcher();
    assert.equal((await subscribe(w, r, `sip:1000@${DOMAIN}`)).status, 200);
    await until(() => w.notifies.length === 1, 'initial NOTIFY');
    // Refresh of the binding (new CSeq, later expiry).
    r.location.bindings = [{ ...a, cseq: 3, expiresAt: a.expiresAt + 60_000 }];
    r.location.emit(a.aor, MAC);
    await until(() => w.notifies.length === 2, 'refresh NOTIFY');
    const d1 = docOf(w.notifies[1]);
    assert.equal(d1.version, 1);
    assert.equal(d1.registrations[0]?.contacts[0]?.event, 'refreshed');
    // Unregister.
    r.location.bindings = [];
    r.location.emit(a.aor, MAC);
    await until(() => w.notifies.length === 3, 'unregister NOTIFY');
    const d2 = docOf(w.notifies[2]);
    assert.equal(d2.version, 2);
    assert.equal(d2.registrations[0]?.state, 'terminated');
    assert.deepEqual(
      d2.registrations[0]?.contacts.map((c) => [c.id, c.state, c.event]),
      [[String(a.contactIndex), 'terminated', 'unregistered']],
    );
    // Unrelated AOR: nothing. Then the next change shows the registration back at init.
    r.location.emit(`sip:1001@${DOMAIN}`, MAC);
    r.location.emit(a.aor, undefined);
    await until(() => w.notifies.length === 4, 'fourth NOTIFY');
    const d3 = docOf(w.notifies[3]);
    assert.equal(d3.version, 3);
    assert.equal(d3.registrations[0]?.state, 'init');
    assert.equal(d3.registrations[0]?.contacts.length, 0);
    // Expiry is told apart from removal.
    const b = binding('1000', 5070, { expiresAt: Date.now() + 50 });
    r.location.bindings = [b];
    r.location.emit(a.aor, MAC);
    await until(() => w.notifies.length === 5, 'fifth NOTIFY');
    await new Promise((res) => setTimeout(res, 60));
    r.location.bindings = [];
    r.location.emit(a.aor, MAC);
    await until(() => w.notifies.length === 6, 'expiry NOTIFY');
    const d5 = docOf(w.notifies[5]);
    assert.equal(d5.version, 5);
    assert.deepEqual(
      d5.registrations[0]?.contacts.map((c) => [c.state, c.event]),
      [['terminated', 'expired']],
    );
  });

  void test('a burst of changes coalesces: versions stay contiguous and the last document is current', async () => {
    const r = await startRig({ auth: false });
    const w = await watcher();
    assert.equal((await subscribe(w, r, `sip:1000@${DOMAIN}`)).status, 200);
    await until(() => w.notifies.length === 1, 'initial NOTIFY');
    const all: BindingRecord[] = [];
    for (let i = 0; i < 20; i++) {
      all.push(binding('1000', 6000 + i));
      r.location.bindings = [...all];
      r.location.emit(`sip:1000@${DOMAIN}`, MAC);
    }
    await until(
      () => docOf(w.notifies.at(-1)).registrations[0]?.contacts.length === 20,
      'a NOTIFY with all 20 contacts',
    );
    const versions = w.notifies.map((n) => docOf(n).version);
    assert.ok(versions.length < 21, `coalesced (${versions.length} NOTIFYs)`);
    assert.deepEqual(
      versions,
      versions.map((_, i) => i),
    );
  });

  void test('versions keep growing after a restart (state written by another process)', () => {
    const location = new FakeLocation();
    const pkg = new RegEventPackage(
      {
        log: silentLogger(),
        metrics: new MetricsRegistry(),
        location,
        notifier: {
          get: () => undefined,
          subscriptions: () => [],
          notify: () => Promise.reject(new Error('unused')),
        },
      },
      { domains: [DOMAIN] },
    );
    // As restored: the state was last stored at version 5 / CSeq 10; the dialog's stored reservation is 110.
    const sub = {
      id: 's1',
      localSeq: 110,
      packageState: {
        target: { kind: 'aor', aor: `sip:1000@${DOMAIN}` },
        user: null,
        version: 5,
        seq: 10,
        boot: 'old',
      },
    } as unknown as NotifierSubscription;
    const first = pkg.initialNotify(sub, 'refreshed');
    const v1 = decodeReginfo(first.body as string);
    assert.ok(v1.ok);
    assert.ok(v1.value.version > 5 + 100, `version ${v1.value.version}`);
    const second = decodeReginfo(pkg.initialNotify(sub, 'refreshed').body as string);
    assert.ok(second.ok);
    assert.equal(second.value.version, v1.value.version + 1);
    pkg.onTerminated(sub);
    assert.equal(pkg.size, 0);
    // Stored at creation (version -1) and restored: the documents sent before (0, 1, ...) are passed.
    const fresh = {
      id: 's2',
      localSeq: 100,
      packageState: {
        target: { kind: 'aor', aor: `sip:1000@${DOMAIN}` },
        user: null,
        version: -1,
        seq: 0,
        boot: 'old',
      },
    } as unknown as NotifierSubscription;
    const d = decodeReginfo(pkg.initialNotify(fresh, 'refreshed').body as string);
    assert.ok(d.ok);
    assert.ok(d.value.version >= 100, `version ${d.value.version}`);
  });

  void test('stop detaches from the location service', async () => {
    const r = await startRig({ auth: false });
    assert.equal(r.location.listening, 1);
    r.pkg.stop();
    assert.equal(r.location.listening, 0);
  });
});
