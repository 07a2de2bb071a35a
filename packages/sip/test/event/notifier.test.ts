import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '@beckon/ops';
import { parseSubscriptionState } from '../../src/event/event-header.js';
import { Notifier } from '../../src/event/notifier.js';
import type { SipRequest } from '../../src/message/sip-request.js';
import type { SipResponse } from '../../src/message/sip-response.js';
import type { Flow, SendTarget } from '../../src/transport/transport-types.js';
import {
  MemorySubscriptionStore,
  counter,
  gauge,
  startNode,
  testPackage,
  until,
  type TestNode,
} from './event-fixtures.js';

interface Seen {
  req: SipRequest;
  flow: Flow;
}

/** A device-side endpoint driven by hand: records NOTIFYs and answers them with `answer`. */
function rawDevice(node: TestNode) {
  const seen: Seen[] = [];
  const state = { answer: 200 };
  node.endpoint.onRequest('NOTIFY', (ctx) => {
    seen.push({ req: ctx.request, flow: ctx.flow });
    ctx.respond(state.answer);
  });
  return { seen, state };
}

function subscribeReq(
  dev: TestNode,
  opts: { expires?: number; event?: string; body?: string; contact?: string; callId?: string } = {},
): SipRequest {
  const headers: [string, string][] = [['Event', opts.event ?? 'management-req']];
  if (opts.expires !== undefined) headers.push(['Expires', String(opts.expires)]);
  headers.push(['Accept', 'application/mgmt-protos-list']);
  if (opts.body !== undefined) headers.push(['Content-Type', 'application/mgmt-protos-list']);
  return dev.endpoint.createRequest('SUBSCRIBE', 'sip:MAC%3aFF00000036C5@127.0.0.1', {
    from: '<sip:MAC%3aFF00000036C5@example.com>',
    to: '<sip:MAC%3aFF00000036C5@example.com>',
    // A Contact nobody listens on: NOTIFYs must follow the SUBSCRIBE's flow, not the Contact.
    contact: opts.contact ?? '<sip:device@127.0.0.1:9>',
    callId: opts.callId,
    cseq: 298,
    headers,
    body: opts.body,
  });
}

/** An in-dialog SUBSCRIBE built from the 200 of the first one. */
function refreshReq(first: SipRequest, res: SipResponse, cseq: number, expires: number): SipRequest {
  const r = first.clone();
  r.set('To', res.get('to') ?? '');
  r.set('CSeq', `${cseq} SUBSCRIBE`);
  r.set('Expires', String(expires));
  return r;
}

void describe('Notifier', () => {
  let station: TestNode;
  let device: TestNode;
  let store: MemorySubscriptionStore;
  let notifier: Notifier;
  let dev: ReturnType<typeof rawDevice>;
  let udp: SendTarget;

  beforeEach(async () => {
    station = await startNode();
    device = await startNode();
    store = new MemorySubscriptionStore();
    notifier = new Notifier(
      {
        log: silentLogger(),
        metrics: station.metrics,
        endpoint: station.endpoint,
        store,
        flows: station.transport,
      },
      {},
    );
    notifier.packages.register(testPackage());
    notifier.packages.register(
      testPackage({ name: 'test-min', minExpires: 60, subscribeBodyTypes: undefined }),
    );
    await notifier.start();
    dev = rawDevice(device);
    udp = { transport: 'udp', address: '127.0.0.1', port: station.port('udp') };
  });

  afterEach(async () => {
    notifier.stop();
    await station.stop();
    await device.stop();
  });

  void test('SUBSCRIBE over UDP: stored before 200 with Expires and To tag, then an immediate empty NOTIFY over the same source port', async () => {
    const req = subscribeReq(device, { expires: 600, body: 'snmp-ssh' });
    const res = await device.endpoint.request(req, udp);
    assert.equal(res.status, 200);
    assert.equal(res.get('expires'), '600');
    assert.ok(res.toTag);
    assert.ok(res.get('contact'));
    assert.equal(store.rows.size, 1);
    await until(() => dev.seen.length === 1, 'initial NOTIFY');
    const n = dev.seen[0] as Seen;
    assert.equal(n.req.get('event'), 'management-req');
    const st = parseSubscriptionState(n.req.get('subscription-state'));
    assert.ok(st.ok && st.value.state === 'active');
    assert.ok((st.value.expires ?? 0) > 590 && (st.value.expires ?? 0) <= 600);
    assert.equal(n.req.body.length, 0);
    assert.equal(n.req.fromTag, res.toTag);
    assert.equal(n.req.toTag, req.fromTag);
    assert.equal(n.req.callId, req.callId);
    // Same UDP 5-tuple as the SUBSCRIBE: the NOTIFY reached the device's listener from the station's.
    assert.equal(n.flow.transport, 'udp');
    assert.equal(n.flow.remote.port, station.port('udp'));
    assert.equal(n.flow.local.port, device.port('udp'));
    const sub = notifier.get(res.toTag ?? '');
    assert.ok(sub);
    assert.deepEqual(sub.packageState, { protos: 'snmp-ssh' });
    assert.equal(gauge(station.metrics, 'sip_subscriptions_active', 'management-req'), 1);
    assert.equal(counter(station.metrics, 'sip_subscriptions_created', 'management-req'), 1);
    await until(() => counter(station.metrics, 'sip_notify_sent', 'management-req') === 1, 'notify counted');
    // Later NOTIFY with a body.
    const o = await notifier.notify(sub.id, {
      contentType: 'application/mgmt-protos-list',
      body: 'snmp-ssh',
    });
    assert.deepEqual(o, { ok: true, status: 200 });
    const later = dev.seen[1] as Seen;
    assert.equal(later.req.body.toString(), 'snmp-ssh');
    assert.equal(later.req.get('content-type'), 'application/mgmt-protos-list');
    assert.ok(later.req.cseq().seq > n.req.cseq().seq);
    // One write per subscription: the stored local CSeq is a reservation ahead of the NOTIFYs sent.
    assert.equal(store.saves, 1);
    assert.equal(store.updates, 0);
    assert.ok((store.get(sub.id)?.localSeq ?? 0) >= later.req.cseq().seq);
  });

  void test('refresh in the dialog: new expiry, immediate NOTIFY; unsubscribe: final NOTIFY terminated;reason=timeout', async () => {
    const req = subscribeReq(device, { expires: 100, body: 'snmp-ssh' });
    const res = await device.endpoint.request(req, udp);
    assert.equal(res.status, 200);
    await until(() => dev.seen.length === 1, 'initial NOTIFY');
    const id = res.toTag ?? '';
    const before = notifier.get(id)?.expiresAt ?? 0;
    const r2 = await device.endpoint.request(refreshReq(req, res, 299, 300), udp);
    assert.equal(r2.status, 200);
    assert.equal(r2.get('expires'), '300');
    assert.ok((notifier.get(id)?.expiresAt ?? 0) > before);
    await until(() => dev.seen.length === 2, 'refresh NOTIFY');
    assert.equal(notifier.size, 1);
    // RFC 3261 §12.2.2: the dialog is Call-ID + both tags; our tag with another Call-ID or From tag is
    // no dialog of ours -> 481.
    const otherCallId = refreshReq(req, res, 299, 300);
    otherCallId.set('Call-ID', 'not-the-dialog@127.0.0.1');
    assert.equal((await device.endpoint.request(otherCallId, udp)).status, 481);
    const otherFromTag = refreshReq(req, res, 299, 300);
    otherFromTag.set('From', (req.get('from') ?? '').replace(/;tag=[^;]*/, ';tag=someone-else'));
    assert.equal((await device.endpoint.request(otherFromTag, udp)).status, 481);
    assert.equal(notifier.size, 1);
    // Out of order CSeq -> 500.
    const old = await device.endpoint.request(refreshReq(req, res, 10, 300), udp);
    assert.equal(old.status, 500);
    const r3 = await device.endpoint.request(refreshReq(req, res, 300, 0), udp);
    assert.equal(r3.status, 200);
    assert.equal(r3.get('expires'), '0');
    await until(() => dev.seen.length === 3, 'final NOTIFY');
    const st = parseSubscriptionState((dev.seen[2] as Seen).req.get('subscription-state'));
    assert.ok(st.ok && st.value.state === 'terminated' && st.value.reason === 'timeout');
    assert.equal(notifier.size, 0);
    await until(() => store.rows.size === 0, 'store row removed');
    assert.equal(counter(station.metrics, 'sip_subscriptions_terminated', 'management-req', 'timeout'), 1);
    // The dialog is gone: a further refresh gets 481.
    const r4 = await device.endpoint.request(refreshReq(req, res, 301, 300), udp);
    assert.equal(r4.status, 481);
  });

  void test('expiry: NOTIFY terminated;reason=timeout when not refreshed', async () => {
    const res = await device.endpoint.request(subscribeReq(device, { expires: 1, body: 'snmp-ssh' }), udp);
    assert.equal(res.status, 200);
    assert.equal(res.get('expires'), '1');
    await until(() => dev.seen.length === 2, 'expiry NOTIFY', 5000);
    const st = parseSubscriptionState((dev.seen[1] as Seen).req.get('subscription-state'));
    assert.ok(st.ok && st.value.state === 'terminated' && st.value.reason === 'timeout');
    assert.equal(notifier.size, 0);
    assert.equal(gauge(station.metrics, 'sip_subscriptions_active', 'management-req'), 0);
  });

  void test('489 Bad Event with Allow-Events; 423 with Min-Expires; 415; package refusal; max clamp; missing Event', async () => {
    const bad = await device.endpoint.request(subscribeReq(device, { event: 'presence' }), udp);
    assert.equal(bad.status, 489);
    assert.match(bad.get('allow-events') ?? '', /management-req/);
    assert.match(bad.get('allow-events') ?? '', /test-min/);
    const brief = await device.endpoint.request(
      subscribeReq(device, { event: 'test-min', expires: 10 }),
      udp,
    );
    assert.equal(brief.status, 423);
    assert.equal(brief.get('min-expires'), '60');
    const wrongType = subscribeReq(device, { expires: 60, body: 'x' });
    wrongType.set('Content-Type', 'text/plain');
    const ty = await device.endpoint.request(wrongType, udp);
    assert.equal(ty.status, 415);
    assert.equal(ty.get('accept'), 'application/mgmt-protos-list');
    const refused = await device.endpoint.request(subscribeReq(device, { expires: 60, body: 'reject' }), udp);
    assert.equal(refused.status, 403);
    const long = await device.endpoint.request(
      subscribeReq(device, { expires: 999_999, body: 'snmp-ssh' }),
      udp,
    );
    assert.equal(long.status, 200);
    assert.equal(long.get('expires'), '7200');
    const dflt = await device.endpoint.request(subscribeReq(device, { body: 'snmp-ssh' }), udp);
    assert.equal(dflt.get('expires'), '3600');
    const noEvent = subscribeReq(device, { expires: 60 });
    noEvent.remove('event');
    assert.equal((await device.endpoint.request(noEvent, udp)).status, 400);
    assert.equal(notifier.size, 2);
  });

  void test('a NOTIFY answered 481 ends the subscription; a store that cannot save refuses the SUBSCRIBE', async () => {
    const res = await device.endpoint.request(subscribeReq(device, { expires: 600, body: 'snmp-ssh' }), udp);
    await until(() => dev.seen.length === 1, 'initial NOTIFY');
    dev.state.answer = 481;
    const o = await notifier.notify(res.toTag ?? '', {
      contentType: 'application/mgmt-protos-list',
      body: 'snmp-ssh',
    });
    assert.deepEqual(o, { ok: false, status: 481, reason: 'failed' });
    assert.equal(notifier.size, 0);
    assert.equal(counter(station.metrics, 'sip_notify_failed', 'management-req', '481'), 1);
    assert.equal(counter(station.metrics, 'sip_subscriptions_terminated', 'management-req', 'notify-481'), 1);
    await until(() => store.rows.size === 0, 'store row removed');
    assert.equal(dev.seen.length, 2, 'no further NOTIFY after a 481');
    store.failSave = true;
    const r2 = await device.endpoint.request(subscribeReq(device, { expires: 600, body: 'snmp-ssh' }), udp);
    assert.equal(r2.status, 500);
    assert.equal(notifier.size, 0);
  });

  void test('a NOTIFY that times out ends the subscription (408 after 64*T1)', async () => {
    const res = await device.endpoint.request(subscribeReq(device, { expires: 600, body: 'snmp-ssh' }), udp);
    await until(() => dev.seen.length === 1, 'initial NOTIFY');
    await device.stop(); // the device vanishes
    const o = await notifier.notify(res.toTag ?? '', { body: 'x', contentType: 'text/plain' });
    assert.equal(o.ok, false);
    assert.equal(o.status, 408);
    assert.equal(notifier.size, 0);
    assert.equal(
      counter(station.metrics, 'sip_subscriptions_terminated', 'management-req', 'notify-timeout'),
      1,
    );
  });

  void test('SUBSCRIBE over TCP: NOTIFYs come back over the same connection', async () => {
    const tcp: SendTarget = { transport: 'tcp', address: '127.0.0.1', port: station.port('tcp') };
    const req = subscribeReq(device, {
      expires: 600,
      body: 'snmp-ssh',
      contact: '<sip:device@127.0.0.1:9;transport=tcp>',
    });
    const res = await device.endpoint.request(req, tcp);
    assert.equal(res.status, 200);
    await until(() => dev.seen.length === 1, 'initial NOTIFY');
    const conns = device.transport.connectionFlows();
    assert.equal(conns.length, 1, 'the device opened one connection and no other was made');
    assert.equal((dev.seen[0] as Seen).flow.id, (conns[0] as Flow).id);
    await notifier.notify(res.toTag ?? '', { body: 'snmp-ssh', contentType: 'application/mgmt-protos-list' });
    assert.equal((dev.seen[1] as Seen).flow.id, (conns[0] as Flow).id);
    assert.equal(device.transport.connectionFlows().length, 1);
  });

  void test('NOTIFYs follow the flow of the latest refresh (UDP first, then TCP)', async () => {
    const req = subscribeReq(device, { expires: 600, body: 'snmp-ssh' });
    const res = await device.endpoint.request(req, udp);
    await until(() => dev.seen.length === 1, 'initial NOTIFY');
    assert.equal((dev.seen[0] as Seen).flow.transport, 'udp');
    const tcp: SendTarget = { transport: 'tcp', address: '127.0.0.1', port: station.port('tcp') };
    const r2 = await device.endpoint.request(refreshReq(req, res, 299, 600), tcp);
    assert.equal(r2.status, 200);
    await until(() => dev.seen.length === 2, 'refresh NOTIFY');
    const conn = device.transport.connectionFlows()[0];
    assert.ok(conn);
    assert.equal((dev.seen[1] as Seen).flow.id, conn.id);
    await notifier.notify(res.toTag ?? '', { body: 'snmp-ssh', contentType: 'application/mgmt-protos-list' });
    assert.equal((dev.seen[2] as Seen).flow.id, conn.id);
    assert.equal(store.get(res.toTag ?? '')?.flow.transport, 'tcp');
  });

  void test('fetch (Expires: 0 outside a dialog): 200, one NOTIFY terminated, nothing stored', async () => {
    const res = await device.endpoint.request(subscribeReq(device, { expires: 0, body: 'snmp-ssh' }), udp);
    assert.equal(res.status, 200);
    await until(() => dev.seen.length === 1, 'fetch NOTIFY');
    const st = parseSubscriptionState((dev.seen[0] as Seen).req.get('subscription-state'));
    assert.ok(st.ok && st.value.state === 'terminated');
    assert.equal(store.rows.size, 0);
    assert.equal(notifier.size, 0);
  });

  void test('terminateAll(deactivated) sends a final NOTIFY to every subscription', async () => {
    for (let i = 0; i < 3; i++)
      await device.endpoint.request(subscribeReq(device, { expires: 600, body: 'p' }), udp);
    await until(() => dev.seen.length === 3, 'initial NOTIFYs');
    const r = await notifier.terminateAll('deactivated');
    assert.deepEqual(r, { notified: 3, failed: 0 });
    const finals = dev.seen.slice(3).map((s) => s.req.get('subscription-state'));
    assert.deepEqual(finals, Array(3).fill('terminated;reason=deactivated'));
    assert.equal(notifier.size, 0);
  });
});

void describe('Notifier restore', () => {
  void test('a new endpoint and notifier restored from the store still reach the device over UDP', async () => {
    let station = await startNode();
    const device = await startNode();
    const dev = rawDevice(device);
    const store = new MemorySubscriptionStore();
    const stationPort = station.port('udp');
    let notifier = new Notifier({
      log: silentLogger(),
      metrics: station.metrics,
      endpoint: station.endpoint,
      store,
    });
    notifier.packages.register(testPackage());
    await notifier.start();
    try {
      const udp: SendTarget = { transport: 'udp', address: '127.0.0.1', port: stationPort };
      const res = await device.endpoint.request(
        subscribeReq(device, { expires: 600, body: 'snmp-ssh' }),
        udp,
      );
      assert.equal(res.status, 200);
      await until(() => dev.seen.length === 1, 'initial NOTIFY');
      const id = res.toTag ?? '';
      // Station restart: everything in memory is lost; the listener comes back on the same port.
      notifier.stop();
      await station.stop();
      station = await startNode({ udp: stationPort });
      notifier = new Notifier({
        log: silentLogger(),
        metrics: station.metrics,
        endpoint: station.endpoint,
        store,
      });
      notifier.packages.register(testPackage());
      const summary = await notifier.start();
      assert.deepEqual(summary, { restored: 1, skipped: 0 });
      const sub = notifier.get(id);
      assert.ok(sub);
      assert.equal(sub.flow, undefined);
      const o = await notifier.notify(id, { contentType: 'application/mgmt-protos-list', body: 'snmp-ssh' });
      assert.deepEqual(o, { ok: true, status: 200 });
      const n = dev.seen[1] as Seen;
      assert.equal(n.req.body.toString(), 'snmp-ssh');
      assert.equal(n.flow.remote.port, stationPort, 'from the same station port');
      assert.ok(n.req.cseq().seq > (dev.seen[0] as Seen).req.cseq().seq, 'CSeq continues after restart');
      assert.equal(n.req.callId, (dev.seen[0] as Seen).req.callId);
      // The restored subscription is refreshable in its dialog.
      const first = subscribeReq(device, { expires: 600 });
      first.set('Call-ID', n.req.callId);
      first.set('From', n.req.get('to') ?? '');
      first.set('To', n.req.get('from') ?? '');
      first.set('CSeq', '400 SUBSCRIBE');
      const r2 = await device.endpoint.request(first, udp);
      assert.equal(r2.status, 200);
      assert.ok(sub.flow, 'the refresh flow is live again');
    } finally {
      notifier.stop();
      await station.stop();
      await device.stop();
    }
  });

  void test('CSeq reservation: one store write per block of NOTIFYs; after a restart CSeq still increases', async () => {
    let station = await startNode();
    const device = await startNode();
    const dev = rawDevice(device);
    const store = new MemorySubscriptionStore();
    const stationPort = station.port('udp');
    const make = (): Notifier => {
      const n = new Notifier({
        log: silentLogger(),
        metrics: station.metrics,
        endpoint: station.endpoint,
        store,
      });
      n.packages.register(testPackage());
      return n;
    };
    let notifier = make();
    await notifier.start();
    try {
      const udp: SendTarget = { transport: 'udp', address: '127.0.0.1', port: stationPort };
      const res = await device.endpoint.request(
        subscribeReq(device, { expires: 600, body: 'snmp-ssh' }),
        udp,
      );
      assert.equal(res.status, 200);
      await until(() => dev.seen.length === 1, 'initial NOTIFY');
      const id = res.toTag ?? '';
      for (let i = 0; i < 150; i++) {
        const o = await notifier.notify(id, {
          contentType: 'application/mgmt-protos-list',
          body: 'snmp-ssh',
        });
        assert.equal(o.ok, true);
      }
      const seqs = dev.seen.map((x) => x.req.cseq().seq);
      const last = Math.max(...seqs);
      assert.equal(last, 151);
      assert.equal(store.saves, 1);
      // 151 NOTIFYs crossed the first reservation once.
      assert.equal(store.updates, 1);
      assert.ok((store.get(id)?.localSeq ?? 0) >= last);
      // kill -9: no stop(), the store holds what was committed.
      await station.stop();
      station = await startNode({ udp: stationPort });
      notifier = make();
      assert.deepEqual(await notifier.start(), { restored: 1, skipped: 0 });
      const o = await notifier.notify(id, { contentType: 'application/mgmt-protos-list', body: 'snmp-ssh' });
      assert.deepEqual(o, { ok: true, status: 200 });
      const after = (dev.seen[dev.seen.length - 1] as Seen).req.cseq().seq;
      assert.ok(after > last, `CSeq ${after} above ${last} after restart`);
    } finally {
      notifier.stop();
      await station.stop();
      await device.stop();
    }
  });

  void test('TCP after a restart: the old connection is gone; a NOTIFY to the recorded source fails and ends the subscription', async () => {
    let station = await startNode();
    const device = await startNode();
    rawDevice(device);
    const store = new MemorySubscriptionStore();
    let notifier = new Notifier({
      log: silentLogger(),
      metrics: station.metrics,
      endpoint: station.endpoint,
      store,
    });
    notifier.packages.register(testPackage());
    try {
      const tcp: SendTarget = { transport: 'tcp', address: '127.0.0.1', port: station.port('tcp') };
      const res = await device.endpoint.request(subscribeReq(device, { expires: 600, body: 'p' }), tcp);
      assert.equal(res.status, 200);
      notifier.stop();
      await station.stop();
      station = await startNode();
      notifier = new Notifier({
        log: silentLogger(),
        metrics: station.metrics,
        endpoint: station.endpoint,
        store,
        flows: station.transport,
      });
      notifier.packages.register(testPackage());
      assert.equal((await notifier.start()).restored, 1);
      const o = await notifier.notify(res.toTag ?? '', {
        body: 'p',
        contentType: 'application/mgmt-protos-list',
      });
      assert.equal(o.ok, false);
      assert.equal(o.status, 503);
      assert.equal(notifier.size, 0);
      await until(() => store.rows.size === 0, 'row removed');
    } finally {
      notifier.stop();
      await station.stop();
      await device.stop();
    }
  });

  void test('restored subscriptions already past expiry end with a timeout NOTIFY; unknown packages are skipped', async () => {
    const station = await startNode();
    const device = await startNode();
    const dev = rawDevice(device);
    const store = new MemorySubscriptionStore();
    const base = {
      eventId: null,
      state: 'active' as const,
      localUri: '<sip:station@127.0.0.1>',
      remoteUri: '<sip:device@127.0.0.1>',
      localSeq: 5,
      remoteSeq: 1,
      remoteTarget: 'sip:device@127.0.0.1:9',
      routeSet: [],
      createdAt: Date.now() - 10_000,
      flow: {
        transport: 'udp' as const,
        localAddress: '127.0.0.1',
        localPort: station.port('udp'),
        remoteAddress: '127.0.0.1',
        remotePort: device.port('udp'),
        flowId: 'udp:gone',
        secure: false,
      },
      packageState: null,
    };
    await store.save({
      ...base,
      id: 'old',
      event: 'management-req',
      callId: 'c1',
      localTag: 'old',
      remoteTag: 'r1',
      expiresAt: Date.now() - 1000,
    });
    await store.save({
      ...base,
      id: 'other',
      event: 'dialog',
      callId: 'c2',
      localTag: 'other',
      remoteTag: 'r2',
      expiresAt: Date.now() + 60_000,
    });
    const notifier = new Notifier({
      log: silentLogger(),
      metrics: station.metrics,
      endpoint: station.endpoint,
      store,
    });
    notifier.packages.register(testPackage());
    try {
      assert.deepEqual(await notifier.start(), { restored: 1, skipped: 1 });
      await until(() => dev.seen.length === 1, 'timeout NOTIFY');
      const n = dev.seen[0] as Seen;
      assert.equal(n.req.get('subscription-state'), 'terminated;reason=timeout');
      assert.equal(n.req.cseq().seq, 6);
      assert.equal(n.req.get('call-id'), 'c1');
      await until(() => !store.rows.has('old'), 'expired row removed');
      assert.ok(store.rows.has('other'));
    } finally {
      notifier.stop();
      await station.stop();
      await device.stop();
    }
  });
});
