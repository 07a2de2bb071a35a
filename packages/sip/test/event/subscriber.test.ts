import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry, silentLogger } from '@beckon/ops';
import { InMemoryCredentialStore } from '../../src/auth/credential-store.js';
import { DigestServer } from '../../src/auth/digest-server.js';
import {
  ClientSubscriptionState,
  type ClientSubscription,
  type ReceivedNotify,
  type StateChangeDetail,
  type SubscribeOptions,
} from '../../src/event/client-subscription.js';
import { Notifier } from '../../src/event/notifier.js';
import { Subscriber } from '../../src/event/subscriber.js';
import type { SendTarget } from '../../src/transport/transport-types.js';
import { counter, gauge, startNode, testPackage, until, type TestNode } from './event-fixtures.js';

void describe('Subscriber with Notifier', () => {
  let station: TestNode;
  let device: TestNode;
  let notifier: Notifier;
  let subscriber: Subscriber;
  let notifies: ReceivedNotify[];
  let states: { state: ClientSubscriptionState; detail: StateChangeDetail }[];
  let udp: SendTarget;

  function options(over: Partial<SubscribeOptions> = {}): SubscribeOptions {
    return {
      uri: `sip:MAC%3aFF00000036C5@127.0.0.1:${station.port('udp')}`,
      event: 'management-req',
      from: '<sip:MAC%3aFF00000036C5@example.com>',
      to: '<sip:MAC%3aFF00000036C5@example.com>',
      contact: `<sip:device@127.0.0.1:${device.port('udp')}>`,
      expires: 600,
      accept: ['application/mgmt-protos-list'],
      body: 'snmp-ssh',
      contentType: 'application/mgmt-protos-list',
      target: udp,
      onNotify: (n) => notifies.push(n),
      onStateChange: (state, _s, detail) => states.push({ state, detail }),
      ...over,
    };
  }

  function only(): string {
    const ids = [...notifier.subscriptions()].map((s) => s.id);
    assert.equal(ids.length, 1);
    return ids[0] as string;
  }

  beforeEach(async () => {
    station = await startNode();
    device = await startNode();
    notifier = new Notifier({ log: silentLogger(), metrics: station.metrics, endpoint: station.endpoint });
    notifier.packages.register(testPackage());
    notifier.packages.register(testPackage({ name: 'test-min', minExpires: 60 }));
    await notifier.start();
    subscriber = new Subscriber(
      { log: silentLogger(), metrics: device.metrics, endpoint: device.endpoint },
      { t1: 50, retryBaseMs: 50, retryMaxMs: 200 },
    );
    notifies = [];
    states = [];
    udp = { transport: 'udp', address: '127.0.0.1', port: station.port('udp') };
  });

  afterEach(async () => {
    await subscriber.stop();
    notifier.stop();
    await station.stop();
    await device.stop();
  });

  void test('subscribe: active after the immediate empty NOTIFY; a later NOTIFY body reaches the handler', async () => {
    const sub = subscriber.subscribe(options());
    await until(() => sub.state === ClientSubscriptionState.Active, 'active');
    assert.equal(notifies.length, 1);
    assert.equal(notifies[0]?.body.length, 0);
    assert.equal(sub.expires, 600);
    assert.equal(gauge(device.metrics, 'sip_client_subscriptions_active', 'management-req'), 1);
    const o = await notifier.notify(only(), {
      contentType: 'application/mgmt-protos-list',
      body: 'snmp-ssh',
    });
    assert.equal(o.ok, true);
    assert.equal(notifies.length, 2);
    assert.equal(notifies[1]?.contentType, 'application/mgmt-protos-list');
    assert.equal(notifies[1]?.body.toString(), 'snmp-ssh');
  });

  void test('refresh before expiry keeps the same dialog; unsubscribe ends it at the notifier', async () => {
    const sub = subscriber.subscribe(options({ expires: 2 }));
    await until(() => sub.state === ClientSubscriptionState.Active, 'active');
    const id = only();
    const firstExpiry = notifier.get(id)?.expiresAt ?? 0;
    // Refresh at max(0.9 * 2 s, 2 s - 60 s) = 1.8 s, then the refresh NOTIFY.
    await until(() => notifies.length >= 2, 'refresh NOTIFY', 5000);
    assert.equal(only(), id);
    assert.ok((notifier.get(id)?.expiresAt ?? 0) > firstExpiry);
    await sub.unsubscribe();
    assert.equal(sub.state, ClientSubscriptionState.Closed);
    await until(() => notifier.size === 0, 'notifier dropped it');
    // The final NOTIFY (terminated) still found the dialog and got a 200.
    await until(
      () => counter(station.metrics, 'sip_subscriptions_terminated', 'management-req', 'timeout') === 1,
      'final NOTIFY done',
    );
    assert.equal(counter(station.metrics, 'sip_notify_failed', 'management-req', '481'), 0);
    assert.equal(notifies.at(-1)?.subscriptionState.state, 'terminated');
  });

  void test('423: the SUBSCRIBE is retried with Min-Expires', async () => {
    const sub = subscriber.subscribe(options({ event: 'test-min', expires: 10 }));
    await until(() => sub.state === ClientSubscriptionState.Active, 'active');
    assert.equal(sub.expires, 60);
  });

  void test('terminated;reason=deactivated: a new subscription at once', async () => {
    const sub = subscriber.subscribe(options());
    await until(() => sub.state === ClientSubscriptionState.Active, 'active');
    const first = only();
    await notifier.terminate(first, 'deactivated');
    await until(() => notifier.size === 1 && only() !== first, 'resubscribed');
    await until(() => sub.state === ClientSubscriptionState.Active, 'active again');
    const t = states.find((s) => s.state === ClientSubscriptionState.Terminated);
    assert.equal(t?.detail.reason, 'deactivated');
    assert.equal(t?.detail.retryInMs, 0);
  });

  void test('probation waits at least retry-after; rejected does not resubscribe', async () => {
    const sub = subscriber.subscribe(options());
    await until(() => sub.state === ClientSubscriptionState.Active, 'active');
    await notifier.terminate(only(), 'probation', 1);
    const t = states.find((s) => s.state === ClientSubscriptionState.Terminated);
    assert.ok((t?.detail.retryInMs ?? 0) >= 1000);
    await until(() => sub.state === ClientSubscriptionState.Active, 'active after probation', 5000);
    await notifier.terminate(only(), 'rejected');
    await until(() => sub.state === ClientSubscriptionState.Closed, 'closed');
    assert.equal(notifier.size, 0);
  });

  void test('forking: a NOTIFY from another dialog for the same SUBSCRIBE gets 481', async () => {
    const sub = subscriber.subscribe(options());
    await until(() => sub.state === ClientSubscriptionState.Active, 'active');
    const d = sub.dialog;
    assert.ok(d);
    const forged = station.endpoint.createRequest('NOTIFY', `sip:device@127.0.0.1:${device.port('udp')}`, {
      from: '<sip:other@example.com>;tag=forked',
      to: `<sip:MAC%3aFF00000036C5@example.com>;tag=${d.id.localTag}`,
      callId: d.id.callId,
      cseq: 5,
      contact: '<sip:other@127.0.0.1>',
      headers: { Event: 'management-req', 'Subscription-State': 'active;expires=60' },
    });
    const res = await station.endpoint.request(forged, {
      transport: 'udp',
      address: '127.0.0.1',
      port: device.port('udp'),
    });
    assert.equal(res.status, 481);
    assert.equal(notifies.length, 1);
    // Wrong Event in the right dialog: 489.
    const wrong = station.endpoint.createRequest('NOTIFY', `sip:device@127.0.0.1:${device.port('udp')}`, {
      from: `<sip:x@example.com>;tag=${d.id.remoteTag}`,
      to: `<sip:y@example.com>;tag=${d.id.localTag}`,
      callId: d.id.callId,
      cseq: 50,
      headers: { Event: 'presence', 'Subscription-State': 'active' },
    });
    const r2 = await station.endpoint.request(wrong, {
      transport: 'udp',
      address: '127.0.0.1',
      port: device.port('udp'),
    });
    assert.equal(r2.status, 489);
  });

  void test('NOTIFY authenticity: the device challenges with digest and accepts only a verified retry', async () => {
    const creds = new InMemoryCredentialStore();
    creds.set('device', 'station', { kind: 'password', password: 'n0tify' });
    const ds = new DigestServer(
      { log: silentLogger(), metrics: new MetricsRegistry(), credentials: creds },
      { realm: 'device', algorithms: ['SHA-256'] },
    );
    let challenged = 0;
    const authorizeNotify: SubscribeOptions['authorizeNotify'] = async (ctx) => {
      const v = await ds.verify('NOTIFY', ctx.request.get('authorization'));
      if (v.ok) return { ok: true };
      challenged++;
      return {
        ok: false,
        status: 401,
        headers: ds.challenge().map((c) => ['WWW-Authenticate', c] as [string, string]),
      };
    };
    notifier.stop();
    let password = 'n0tify';
    notifier = new Notifier(
      { log: silentLogger(), metrics: station.metrics, endpoint: station.endpoint },
      { notifyCredentials: () => ({ username: 'station', password }) },
    );
    notifier.packages.register(testPackage());
    const sub = subscriber.subscribe(options({ authorizeNotify }));
    await until(() => sub.state === ClientSubscriptionState.Active, 'active');
    assert.equal(challenged, 1);
    assert.equal(notifies.length, 1);
    assert.ok(notifies[0]?.request.get('authorization'));
    const o = await notifier.notify(only(), {
      contentType: 'application/mgmt-protos-list',
      body: 'snmp-ssh',
    });
    assert.equal(o.ok, true);
    assert.equal(notifies.length, 2);
    // A notifier with the wrong secret is refused; its NOTIFY never reaches the package code.
    password = 'wrong';
    const bad = await notifier.notify(only(), { contentType: 'application/mgmt-protos-list', body: 'evil' });
    assert.deepEqual(bad, { ok: false, status: 401, reason: 'failed' });
    assert.equal(notifies.length, 2);
  });

  void test('over TCP: SUBSCRIBE and NOTIFYs share the one connection the device opened', async () => {
    const tcp: SendTarget = { transport: 'tcp', address: '127.0.0.1', port: station.port('tcp') };
    const sub = subscriber.subscribe(
      options({
        target: tcp,
        contact: '<sip:device@127.0.0.1:9;transport=tcp>',
        uri: `sip:mgmt@127.0.0.1:${tcp.port};transport=tcp`,
      }),
    );
    await until(() => sub.state === ClientSubscriptionState.Active, 'active');
    const conns = device.transport.connectionFlows();
    assert.equal(conns.length, 1);
    assert.equal(notifies[0]?.flow.id, conns[0]?.id);
    await notifier.notify(only(), { contentType: 'application/mgmt-protos-list', body: 'snmp-ssh' });
    assert.equal(notifies[1]?.flow.id, conns[0]?.id);
  });

  void test('stop() unsubscribes every subscription', async () => {
    const a = subscriber.subscribe(options());
    const b = subscriber.subscribe(options());
    await until(
      () => a.state === ClientSubscriptionState.Active && b.state === ClientSubscriptionState.Active,
      'both active',
    );
    assert.equal(notifier.size, 2);
    await subscriber.stop();
    await until(() => notifier.size === 0, 'notifier empty');
    const all: ClientSubscription[] = [a, b];
    assert.ok(all.every((s) => s.state === ClientSubscriptionState.Closed));
  });
});
