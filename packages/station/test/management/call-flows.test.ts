/**
 * Seed 000 §4.13: the two example call flows, message by message (Via omitted there; checked here only
 * as far as the dialog goes). Differences from the draft's text, on purpose: NOTIFYs carry
 * `Event: management-req` (the draft's `Event: reg` is a copy-paste slip: RFC 6665 §8.2.3 requires the
 * package of the subscription), a `Subscription-State` with `expires` on every NOTIFY (RFC 6665 §4.2.2),
 * and the non-empty mgmt-protos-list NOTIFY carries the call-home parameters (docs/mgmt-protos-list.md).
 */
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProtosNotify, protoParam } from '@beckon/mgmt';
import { ManagementRequestState } from '../../src/management/management-request.js';
import { ManagementProtocolRegistry } from '../../src/management/management-protocol-registry.js';
import { callHomeRaw, rawDevice, startStation, until, type SipNode, type TestStation } from './fixtures.js';

const DEVICE = 'sip:MAC%3aFF00000036C5@example.com';

let station: TestStation | undefined;
let device: (SipNode & { stop?: () => Promise<void> }) | undefined;

afterEach(async () => {
  await station?.stop();
  await device?.endpoint.stop();
  station = undefined;
  device = undefined;
});

function subscribe(dev: SipNode, st: TestStation, cseq: number, accept: string) {
  const req = dev.endpoint.createRequest('SUBSCRIBE', DEVICE, {
    from: `<${DEVICE}>;tag=4039c9`,
    to: `<${DEVICE}>`,
    callId: '02938403840@10.1.20.2',
    cseq,
    contact: `<sip:MAC%3aFF00000036C5@127.0.0.1:${dev.port('udp')}>`,
    headers: [
      ['Event', 'management-req'],
      ['Accept', accept],
      ['Content-Type', 'application/mgmt-protos-list'],
    ],
    body: 'snmp-ssh',
  });
  return dev.endpoint.request(req, { transport: 'udp', address: '127.0.0.1', port: st.port('udp') });
}

void describe('seed 000 §4.13 call flows', () => {
  void test('§4.13.1 SNMP over SSH: SUBSCRIBE, 200, empty NOTIFY, 200, NOTIFY (snmp-ssh), 200, call-home', async () => {
    station = await startStation();
    const dev = await rawDevice();
    device = dev;
    // (1) SUBSCRIBE -> (2) 200 OK
    const ok = await subscribe(dev, station, 298, 'application/mgmt-protos-list');
    assert.equal(ok.status, 200);
    assert.equal(ok.get('expires'), '3600');
    assert.equal(ok.get('call-id'), '02938403840@10.1.20.2');
    assert.equal(ok.get('cseq'), '298 SUBSCRIBE');
    assert.equal(ok.fromTag, '4039c9');
    const stationTag = ok.toTag;
    assert.ok(stationTag);
    // (3) NOTIFY, empty -> (4) 200 OK
    await until(() => dev.notifies.length === 1, 'empty NOTIFY');
    const n3 = (dev.notifies[0] as { req: import('@beckon/sip').SipRequest }).req;
    assert.equal(n3.method, 'NOTIFY');
    // The Contact of the SUBSCRIBE (the notifier re-serialises it: `%3a` and `%3A` are the same octet).
    assert.equal(n3.rawUri.toLowerCase(), `sip:mac%3aff00000036c5@127.0.0.1:${dev.port('udp')}`);
    assert.equal(n3.fromTag, stationTag);
    assert.equal(n3.toTag, '4039c9');
    assert.match(n3.get('from') ?? '', /^<sip:MAC%3aFF00000036C5@example\.com>;tag=/i);
    assert.match(n3.get('to') ?? '', /^<sip:MAC%3aFF00000036C5@example\.com>;tag=4039c9$/i);
    assert.equal(n3.get('call-id'), '02938403840@10.1.20.2');
    assert.equal(n3.get('event'), 'management-req');
    assert.match(n3.get('subscription-state') ?? '', /^active;expires=\d+$/);
    assert.equal(n3.body.length, 0);
    assert.equal(n3.get('content-type'), undefined);
    const seq3 = n3.tryCSeq();
    assert.ok(seq3.ok && seq3.value.method === 'NOTIFY');
    // Management request (operator) -> (5) NOTIFY with snmp-ssh -> (6) 200 OK
    const r = await station.service.request({ target: DEVICE, protocol: 'snmp-ssh', requestedBy: 'test' });
    assert.ok(r.ok);
    await until(() => dev.notifies.length === 2, 'non-empty NOTIFY');
    const n5 = (dev.notifies[1] as { req: import('@beckon/sip').SipRequest }).req;
    assert.equal(n5.get('call-id'), '02938403840@10.1.20.2');
    assert.equal(n5.toTag, '4039c9');
    assert.equal(n5.fromTag, stationTag);
    assert.equal(n5.get('event'), 'management-req');
    assert.equal(n5.get('content-type'), 'application/mgmt-protos-list');
    const seq5 = n5.tryCSeq();
    assert.ok(seq5.ok && seq3.ok && seq5.value.seq > seq3.value.seq);
    const body = decodeProtosNotify(n5.body);
    assert.ok(body.ok);
    assert.equal(body.value.token, 'snmp-ssh');
    assert.equal(protoParam(body.value, 'addr'), `127.0.0.1:${station.callHomePort}`);
    assert.equal(protoParam(body.value, 'via'), 'tcp');
    const reqId = protoParam(body.value, 'req');
    assert.equal(typeof reqId, 'string');
    const s = station;
    await until(
      () => (s.service.openRequests()[0]?.state ?? '') === ManagementRequestState.Notified,
      'notified',
    );
    // (7) the device connects to the station and identifies the request.
    const reply = await callHomeRaw(station.callHomePort, {
      requestId: reqId as string,
      protocol: 'snmp-ssh',
      device: 'ff00000036c5',
    });
    assert.deepEqual(reply, { status: 200, reason: 'OK' });
    await until(() => s.service.openRequests().length === 0, 'request done');
    assert.equal((await s.service.get(r.request.id))?.state, ManagementRequestState.Done);
  });

  void test('§4.13.2 vendor protocol: Accept implies VNDX; the NOTIFY uses application/vnd.vendx.notify', async () => {
    const protocols = ManagementProtocolRegistry.withDefaults();
    protocols.register({
      token: 'vndx-tcp',
      carrier: 'tcp',
      impliedBy: 'application/vnd.vendx.notify',
      notifyBody: (c) => ({
        contentType: 'application/vnd.vendx.notify',
        body:
          `REQUEST VNDX/1.0\r\nsession-id: ${c.requestId}\r\naddress: ${c.callHomeAddress}\r\n` +
          `time: ${Math.floor(c.now / 1000)}\r\n`,
      }),
    });
    station = await startStation({ protocols });
    const dev = await rawDevice();
    device = dev;
    const ok = await subscribe(
      dev,
      station,
      102,
      'application/mgmt-protos-list,application/vnd.vendx.notify',
    );
    assert.equal(ok.status, 200);
    assert.equal(ok.get('expires'), '3600');
    assert.equal(ok.get('cseq'), '102 SUBSCRIBE');
    await until(() => dev.notifies.length === 1, 'empty NOTIFY');
    const n3 = (dev.notifies[0] as { req: import('@beckon/sip').SipRequest }).req;
    assert.equal(n3.body.length, 0);
    assert.match(n3.get('subscription-state') ?? '', /^active/);
    const r = await station.service.request({ target: 'ff:00:00:00:36:c5', protocol: 'vndx-tcp' });
    assert.ok(r.ok);
    await until(() => dev.notifies.length === 2, 'VNDX NOTIFY');
    const n5 = (dev.notifies[1] as { req: import('@beckon/sip').SipRequest }).req;
    assert.equal(n5.get('content-type'), 'application/vnd.vendx.notify');
    const text = n5.body.toString();
    assert.match(text, /^REQUEST VNDX\/1\.0\r\nsession-id: [A-Za-z0-9_-]{22}\r\n/);
    const sessionId = /session-id: (\S+)/.exec(text)?.[1] as string;
    const reply = await callHomeRaw(station.callHomePort, {
      requestId: sessionId,
      protocol: 'vndx-tcp',
      device: 'FF00000036C5',
    });
    assert.equal(reply?.status, 200);
    const s = station;
    await until(() => s.service.openRequests().length === 0, 'request done');
    assert.equal((await s.service.get(r.request.id))?.state, ManagementRequestState.Done);
  });
});
