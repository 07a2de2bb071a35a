import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SipResponse } from '@beckon/sip';
import { ManagementRequestState as S } from '../../src/management/management-request.js';
import { MemoryManagementStore } from '../../src/management/management-store.js';
import { decodeProtosNotify, protoParam } from '@beckon/mgmt';
import { callHomeRaw, rawDevice, startStation, until, type SipNode, type TestStation } from './fixtures.js';

let station: TestStation | undefined;
let devices: SipNode[] = [];

afterEach(async () => {
  await station?.stop();
  for (const d of devices) await d.endpoint.stop();
  station = undefined;
  devices = [];
});

interface SubOpts {
  mac?: string;
  body?: string;
  accept?: string | null;
  contentType?: string;
  auth?: { username: string; password: string };
  expires?: number;
}

async function sub(dev: SipNode, st: TestStation, o: SubOpts = {}): Promise<SipResponse> {
  const mac = o.mac ?? 'FF00000036C5';
  const uri = `sip:MAC%3a${mac}@example.com`;
  const headers: [string, string][] = [['Event', 'management-req']];
  if (o.accept !== null) headers.push(['Accept', o.accept ?? 'application/mgmt-protos-list']);
  const body = o.body ?? 'snmp-ssh';
  if (body.length > 0) headers.push(['Content-Type', o.contentType ?? 'application/mgmt-protos-list']);
  if (o.expires !== undefined) headers.push(['Expires', String(o.expires)]);
  const req = dev.endpoint.createRequest('SUBSCRIBE', uri, {
    from: `<${uri}>`,
    to: `<${uri}>`,
    contact: `<sip:MAC%3a${mac}@127.0.0.1:${dev.port('udp')}>`,
    headers,
    body,
  });
  return dev.endpoint.request(
    req,
    { transport: 'udp', address: '127.0.0.1', port: st.port('udp') },
    o.auth ? { credentials: o.auth } : undefined,
  );
}

async function device() {
  const d = await rawDevice();
  devices.push(d);
  return d;
}

void describe('management-req SUBSCRIBE acceptance (seed 000 §4.7)', () => {
  void test('status codes: 415 wrong body type, 400 missing or bad list, 406 no NOTIFY type, 488 no common protocol', async () => {
    station = await startStation();
    const d = await device();
    assert.equal((await sub(d, station, { contentType: 'text/plain' })).status, 415);
    assert.equal((await sub(d, station, { body: '', accept: null })).status, 400);
    assert.equal((await sub(d, station, { body: '', accept: 'application/mgmt-protos-list' })).status, 400);
    const bad = await sub(d, station, { body: 'snmp' });
    assert.equal(bad.status, 400);
    assert.match(bad.get('warning') ?? '', /missing-transport/);
    assert.equal((await sub(d, station, { accept: 'text/plain' })).status, 406);
    const none = await sub(d, station, { body: 'snmp-udp, foo-bar' });
    assert.equal(none.status, 488);
    assert.match(none.get('warning') ?? '', /snmp-ssh/);
    // Accept absent with a list: the default type is assumed (§4.5); unknown tokens are ignored.
    assert.equal((await sub(d, station, { accept: null, body: 'foo-bar, snmp-tcp' })).status, 200);
  });

  void test('digest: 401 challenge, then 200 with user/MAC credentials; instrument indexed', async () => {
    station = await startStation({ digestRealm: 'example.com' });
    station.credentials.set('example.com', 'alice', { kind: 'password', password: 'secret' });
    const d = await device();
    assert.equal((await sub(d, station)).status, 401);
    const bad = await sub(d, station, { auth: { username: 'alice/FF00000036C5', password: 'wrong' } });
    assert.equal(bad.status, 403);
    const ok = await sub(d, station, {
      mac: 'AA0000000001',
      auth: { username: 'alice/AA0000000001', password: 'secret' },
    });
    assert.equal(ok.status, 200);
    const s = [...station.notifier.subscriptions('management-req')][0];
    assert.deepEqual((s?.packageState as { keys: string[] }).keys, [
      'inst:aa0000000001',
      'uri:sip:MAC:AA0000000001@example.com',
      'uri:sip:alice@example.com',
    ]);
    // The AOR form of the target finds the device too.
    const r = await station.service.request({ target: 'sip:alice@example.com' });
    assert.ok(r.ok);
    await until(
      () => d.endpoint && (station as TestStation).service.openRequests()[0]?.state === S.Notified,
      'notified',
    );
  });
});

void describe('management requests', () => {
  void test('queued until the device subscribes; empty NOTIFY first, then the request', async () => {
    station = await startStation();
    const r = await station.service.request({ target: 'FF00000036C5', protocol: 'snmp-ssh' });
    assert.ok(r.ok);
    assert.equal(r.request.state, S.Queued);
    const d = await rawDevice();
    devices.push(d);
    assert.equal((await sub(d, station)).status, 200);
    await until(() => d.notifies.length === 2, 'two NOTIFYs');
    assert.equal(d.notifies[0]?.req.body.length, 0);
    assert.ok((d.notifies[1]?.req.body.length ?? 0) > 0);
    assert.equal(station.service.openRequests()[0]?.state, S.Notified);
  });

  void test('bad target and unknown protocol are refused at once', async () => {
    station = await startStation();
    const a = await station.service.request({ target: 'sip:' });
    assert.equal(a.ok, false);
    const b = await station.service.request({ target: 'FF00000036C5', protocol: 'snmp-carrier-pigeon' });
    assert.equal(b.ok, false);
    if (!b.ok) assert.equal(b.error.code, 'unknown-protocol');
  });

  void test('protocol choice: preferred when offered, else the device preference; strict fails', async () => {
    station = await startStation();
    const d = await device();
    assert.equal((await sub(d, station, { body: 'snmp-tcp, snmp-ssh' })).status, 200);
    await until(() => d.notifies.length === 1, 'empty NOTIFY');
    const strict = await station.service.request({
      target: 'FF00000036C5',
      protocol: 'snmp-tls',
      strict: true,
    });
    assert.ok(strict.ok);
    const st = station;
    await until(() => st.service.openRequests().length === 0, 'strict request failed');
    assert.equal((await station.service.get(strict.request.id))?.state, S.Failed);
    const fallback = await station.service.request({ target: 'FF00000036C5', protocol: 'snmp-tls' });
    assert.ok(fallback.ok);
    await until(() => d.notifies.length === 2, 'NOTIFY');
    const body = decodeProtosNotify(d.notifies[1]?.req.body ?? Buffer.alloc(0));
    assert.ok(body.ok);
    assert.equal(body.value.token, 'snmp-tcp');
  });

  void test('§4.11 rate limit: requests inside the interval are coalesced into one NOTIFY, later ones held', async () => {
    station = await startStation({ init: { notifyMinIntervalSec: 3600 } });
    const d = await device();
    assert.equal((await sub(d, station)).status, 200);
    await until(() => d.notifies.length === 1, 'empty NOTIFY');
    const a = await station.service.request({ target: 'FF00000036C5' });
    const b = await station.service.request({ target: 'sip:MAC%3AFF00000036C5@EXAMPLE.COM' });
    assert.ok(a.ok && b.ok);
    await until(() => d.notifies.length === 2, 'one non-empty NOTIFY');
    const st = station;
    await until(() => st.service.openRequests().every((r) => r.state === S.Notified), 'both notified');
    const [ra, rb] = st.service.openRequests();
    assert.equal(ra?.groupId, rb?.groupId);
    const body = decodeProtosNotify(d.notifies[1]?.req.body ?? Buffer.alloc(0));
    assert.ok(body.ok);
    const reply = await callHomeRaw(st.callHomePort, {
      requestId: protoParam(body.value, 'req') as string,
      protocol: 'snmp-ssh',
      device: 'ff00000036c5',
    });
    assert.equal(reply?.status, 200);
    await until(() => st.service.openRequests().length === 0, 'both done');
    assert.equal((await st.service.get(a.request.id))?.state, S.Done);
    assert.equal((await st.service.get(b.request.id))?.state, S.Done);
    // A third request inside the interval is held (queued), not lost and not sent.
    const c = await st.service.request({ target: 'FF00000036C5' });
    assert.ok(c.ok);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(d.notifies.length, 2);
    assert.equal((await st.service.get(c.request.id))?.state, S.Queued);
  });

  void test('call-home refusals: unknown id, wrong device, wrong protocol, duplicate, garbage', async () => {
    station = await startStation();
    const d = await device();
    assert.equal((await sub(d, station)).status, 200);
    await station.service.request({ target: 'FF00000036C5' });
    await until(() => d.notifies.length === 2, 'NOTIFY');
    const body = decodeProtosNotify(d.notifies[1]?.req.body ?? Buffer.alloc(0));
    assert.ok(body.ok);
    const id = protoParam(body.value, 'req') as string;
    const port = station.callHomePort;
    assert.equal(
      (await callHomeRaw(port, { requestId: 'A'.repeat(22), protocol: 'snmp-ssh', device: 'ff00000036c5' }))
        ?.status,
      403,
    );
    assert.equal(
      (await callHomeRaw(port, { requestId: id, protocol: 'snmp-ssh', device: '000000000001' }))?.status,
      403,
    );
    assert.equal(
      (await callHomeRaw(port, { requestId: id, protocol: 'snmp-tls', device: 'ff00000036c5' }))?.status,
      403,
    );
    assert.equal((await callHomeRaw(port, Buffer.from('GET / HTTP/1.1\r\n\r\n')))?.status, 400);
    const hold = { done: false };
    const st = station;
    const okReply = await callHomeRaw(port, { requestId: id, protocol: 'snmp-ssh', device: 'ff00000036c5' });
    assert.equal(okReply?.status, 200);
    hold.done = true;
    const again = await callHomeRaw(port, { requestId: id, protocol: 'snmp-ssh', device: 'ff00000036c5' });
    assert.ok(again?.status === 403 || again?.status === 409);
    const m = st.metrics.get('mgmt_callhome');
    assert.ok(m && m.kind === 'counter' && m.get('unknown-request') >= 1 && m.get('device-mismatch') === 1);
  });

  void test('deadline: a request nobody answers expires; every transition is audited', async () => {
    const store = new MemoryManagementStore();
    station = await startStation({ store });
    const r = await station.service.request({ target: 'FF0000000099', timeoutSec: 0.05 });
    assert.ok(r.ok);
    const st = station;
    await until(() => st.service.openRequests().length === 0, 'expired');
    assert.equal((await st.service.get(r.request.id))?.state, S.Expired);
    assert.deepEqual(
      store.audit.filter((a) => a.subject === `mgmt-request:${r.request.id}`).map((a) => a.action),
      ['created', 'queued->expired'],
    );
  });

  void test('shutdown: subscriptions end with terminated;reason=probation;retry-after', async () => {
    station = await startStation({ init: { shutdown: { reason: 'probation', retryAfterSec: 120 } } });
    const d = await device();
    assert.equal((await sub(d, station)).status, 200);
    await until(() => d.notifies.length === 1, 'empty NOTIFY');
    assert.equal(await station.service.terminateSubscriptions(), 1);
    await until(() => d.notifies.length === 2, 'final NOTIFY');
    assert.equal(d.notifies[1]?.req.get('subscription-state'), 'terminated;reason=probation;retry-after=120');
  });

  void test('NOTIFY credentials resolver: per device, by instrument, fallback', async () => {
    const { notifyCredentialsResolver } = await import('../../src/management/notify-credentials.js');
    const resolve = notifyCredentialsResolver({
      byDevice: {
        'inst:ff00000036c5': { username: 'a', password: '1' },
        '0000deadbeef': { username: 'b', password: '2' },
      },
      fallback: { username: 'c', password: '3', realm: 'r' },
    });
    const sub = (device: string, instrument: string | null) =>
      ({ packageState: { device, instrument } }) as never;
    assert.equal(resolve(sub('inst:ff00000036c5', 'ff00000036c5'))?.username, 'a');
    assert.equal(resolve(sub('inst:0000deadbeef', '0000deadbeef'))?.username, 'b');
    assert.equal(resolve(sub('uri:sip:x@y', null))?.username, 'c');
  });
});
