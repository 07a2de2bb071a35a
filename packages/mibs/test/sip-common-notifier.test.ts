import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '@beckon/ops';
import type { Oid, VarBind } from '@beckon/snmp';
import {
  NotifierState,
  SIP_COMMON_NOTIFICATIONS as N,
  SIP_COMMON_NOTIF_OBJECTS,
  SipCommonNotifier,
} from '../src/index.js';
import { buildSipRegistry } from './helpers/sip-registry.js';

const headers = {
  to: 'To: <sip:bob@example.com>',
  from: '<sip:alice@example.com>;tag=1',
  callId: 'abc@h',
  cseq: 7,
};

function setup(clock?: () => number) {
  const t = buildSipRegistry();
  const sent: { trap: Oid; varbinds: readonly VarBind[] }[] = [];
  const notifier = new SipCommonNotifier(
    {
      sink: { notify: (trap, varbinds) => void sent.push({ trap, varbinds }) },
      sources: t.sources,
      statusCodes: t.common.statusCodes,
      log: silentLogger(),
    },
    clock ? { clock } : {},
  );
  return { t, sent, notifier };
}

const seq = (vbs: readonly VarBind[]): number => {
  const v = vbs.find(
    (vb) => vb.oid.join('.') === [...SIP_COMMON_NOTIF_OBJECTS.sipCommonNotifSequenceNumber, 0].join('.'),
  )?.value;
  return v && v.type === 'Gauge32' ? v.value : -1;
};

void describe('SipCommonNotifier', () => {
  void test('service notifications follow sipCommonCfgServiceNotifEnable; sequence numbers start at 1', () => {
    const { t, sent, notifier } = setup();
    assert.equal(notifier.serviceStarted(1, 'cold'), true);
    assert.equal(notifier.statusChanged(1), false, 'statusChanged disabled by default');
    t.proxy.state.notifs = ['sipCommonServiceStatusChanged'];
    assert.equal(notifier.serviceStarted(1, 'warm'), false);
    assert.equal(notifier.statusChanged(1), true);
    assert.equal(notifier.serviceStarted(9, 'cold'), false, 'unknown applIndex');
    assert.deepEqual(
      sent.map((s) => s.trap),
      [N.sipCommonServiceColdStart, N.sipCommonServiceStatusChanged],
    );
    assert.deepEqual(
      sent.map((s) => seq(s.varbinds)),
      [1, 2],
    );
    // the oper status varbind carries the live value
    t.proxy.state.operStatus = 'down';
    notifier.statusChanged(1);
    assert.deepEqual(sent.at(-1)?.varbinds.at(-1)?.value, { type: 'Integer', value: 3 });
    notifier.dispose();
  });

  void test('status code notification: NotifSend, oneShot becomes triggered, normal repeats', () => {
    const { t, sent, notifier } = setup();
    assert.equal(notifier.responseSeen(1, 'in', 'INVITE', 486, headers), false, 'no row');
    t.common.statusCodes.create(1, 'INVITE', 486);
    const row = t.common.statusCodes.find(1, 'INVITE', 486)!;
    assert.equal(notifier.responseSeen(1, 'in', 'INVITE', 486, headers), false, 'NotifSend false');
    row.notifSend = true;
    assert.equal(notifier.responseSeen(1, 'in', 'INVITE', 486, headers), true);
    assert.equal(row.emitMode, 3, 'oneShot -> triggered');
    assert.equal(notifier.responseSeen(1, 'in', 'INVITE', 486, headers), false);
    row.emitMode = 1;
    assert.equal(notifier.responseSeen(1, 'out', 'INVITE', 486, headers), true);
    assert.equal(notifier.responseSeen(1, 'out', 'INVITE', 486, headers), true);
    assert.equal(sent.length, 3);
    const to = sent[0]!.varbinds[2]!.value;
    const from = sent[0]!.varbinds[3]!.value;
    assert.equal(to.type === 'OctetString' && to.value.toString(), 'To: <sip:bob@example.com>');
    assert.equal(from.type === 'OctetString' && from.value.toString(), 'From: <sip:alice@example.com>;tag=1');
    notifier.dispose();
  });

  void test('threshold notifications: once per interval window, in and out separately', () => {
    let now = 0;
    const { t, sent, notifier } = setup(() => now);
    t.common.statusCodes.create(1, 'REGISTER', 401);
    const row = t.common.statusCodes.find(1, 'REGISTER', 401)!;
    row.thresh = 3;
    row.interval = 10;
    const out = t.metrics.counter('sip_responses_out', '', ['code']);
    assert.equal(notifier.pollThresholds(), 0, 'window starts');
    out.inc(['401'], 3);
    now = 1000;
    assert.equal(notifier.pollThresholds(), 0, 'not above the threshold');
    out.inc(['401'], 1);
    now = 2000;
    assert.equal(notifier.pollThresholds(), 1);
    assert.deepEqual(sent.at(-1)?.trap, N.sipCommonStatusCodeThreshExceededOutNotif);
    out.inc(['401'], 10);
    now = 3000;
    assert.equal(notifier.pollThresholds(), 0, 'already fired in this window');
    now = 12_000;
    assert.equal(notifier.pollThresholds(), 0, 'new window');
    out.inc(['401'], 4);
    now = 13_000;
    assert.equal(notifier.pollThresholds(), 1);
    notifier.dispose();
    assert.equal(notifier.pollThresholds(), 0);
  });

  void test('start/dispose: the timer is cleared, nothing is sent after dispose', () => {
    const { sent, notifier } = setup();
    notifier.start();
    assert.equal(notifier.currentState, NotifierState.Running);
    notifier.dispose();
    assert.equal(notifier.currentState, NotifierState.Disposed);
    assert.equal(notifier.serviceStarted(1, 'cold'), false);
    assert.equal(sent.length, 0);
  });

  void test('a failing sink is logged, not thrown', async () => {
    const t = buildSipRegistry();
    const n = new SipCommonNotifier({
      sink: { notify: () => Promise.reject(new Error('no route')) },
      sources: t.sources,
      statusCodes: t.common.statusCodes,
      log: silentLogger(),
    });
    assert.equal(n.serviceStarted(1, 'cold'), true);
    const throwing = new SipCommonNotifier({
      sink: {
        notify: () => {
          throw new Error('boom');
        },
      },
      sources: t.sources,
      statusCodes: t.common.statusCodes,
      log: silentLogger(),
    });
    assert.equal(throwing.serviceStarted(1, 'cold'), false);
    await new Promise((r) => setImmediate(r));
    n.dispose();
    throwing.dispose();
  });
});
