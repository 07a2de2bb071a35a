import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Dialog, DialogState, dialogKeyOfRequest } from '../../src/dialog/dialog.js';
import { formatUri } from '../../src/grammar/uri.js';
import { createResponse } from '../../src/message/create-response.js';
import { parseMessage } from '../../src/message/parse-message.js';
import type { SipRequest } from '../../src/message/sip-request.js';
import type { SipResponse } from '../../src/message/sip-response.js';

function parse<T extends SipRequest | SipResponse>(text: string | Buffer): T {
  const p = parseMessage(typeof text === 'string' ? Buffer.from(text.replace(/\n/g, '\r\n')) : text);
  assert.ok(p.ok, p.ok ? '' : p.error.reason);
  return p.message as T;
}

const SUBSCRIBE = parse<SipRequest>(`SUBSCRIBE sip:beckon@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKd1
Max-Forwards: 70
Record-Route: <sip:p1.example;lr>, <sip:p2.example;lr>
From: "Dev" <sip:dev@example.com>;tag=remote1
To: <sip:beckon@example.com>
Call-ID: dlg-1@test
CSeq: 10 SUBSCRIBE
Contact: <sip:dev@10.0.0.5:5060>
Event: ua-profile
Content-Length: 0

`);

void describe('Dialog (RFC 3261 §12)', () => {
  void test('UAS dialog from a request (§12.1.1): IDs, remote seq, empty local seq, route set in order', () => {
    const r = Dialog.fromUas(SUBSCRIBE, 'local1');
    assert.ok(r.ok);
    const d = r.dialog;
    assert.deepEqual(d.id, { callId: 'dlg-1@test', localTag: 'local1', remoteTag: 'remote1' });
    assert.equal(d.state, DialogState.Confirmed);
    assert.equal(d.remoteSeq, 10);
    assert.equal(d.localSeq, undefined);
    assert.deepEqual(d.routeSet, ['<sip:p1.example;lr>', '<sip:p2.example;lr>']);
    assert.equal(formatUri(d.remoteTarget), 'sip:dev@10.0.0.5:5060');
  });

  void test('in-dialog request (§12.2.1.1) with a loose route set: Request-URI = remote target, Route = route set', () => {
    const r = Dialog.fromUas(SUBSCRIBE, 'local1');
    assert.ok(r.ok);
    const notify = r.dialog.createRequest('NOTIFY');
    const again = r.dialog.createRequest('NOTIFY');
    assert.equal(notify.rawUri, 'sip:dev@10.0.0.5:5060');
    assert.deepEqual(notify.getAll('route'), ['<sip:p1.example;lr>', '<sip:p2.example;lr>']);
    assert.equal(notify.fromTag, 'local1');
    assert.equal(notify.toTag, 'remote1');
    assert.equal(notify.to().displayName, 'Dev');
    assert.equal(notify.callId, 'dlg-1@test');
    assert.equal(notify.cseq().seq, 1);
    assert.equal(again.cseq().seq, 2, 'CSeq increases by one');
    assert.equal(formatUri(r.dialog.nextHop()), 'sip:p1.example;lr');
    // The built request parses back once the core has added its Via.
    notify.prepend('Via', 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKn1');
    assert.equal(parse<SipRequest>(notify.serialize()).method, 'NOTIFY');
  });

  void test('strict first route: Request-URI = first route, remote target appended to Route', () => {
    const strict = SUBSCRIBE.clone();
    strict.set('Record-Route', '<sip:strict.example;maddr=10.1.1.1>, <sip:p2.example;lr>');
    const r = Dialog.fromUas(strict, 'l');
    assert.ok(r.ok);
    const req = r.dialog.createRequest('NOTIFY');
    assert.equal(req.rawUri, 'sip:strict.example;maddr=10.1.1.1');
    assert.deepEqual(req.getAll('route'), ['<sip:p2.example;lr>', '<sip:dev@10.0.0.5:5060>']);
  });

  void test('UAC dialog from a 2xx (§12.1.2): route set reversed, local seq from the request, tags', () => {
    const res = createResponse(SUBSCRIBE, 200, undefined, {
      toTag: 'uas-tag',
      headers: [
        ['Record-Route', '<sip:p1.example;lr>, <sip:p2.example;lr>'],
        ['Contact', '<sip:beckon@127.0.0.1:5070>'],
      ],
    });
    const r = Dialog.fromUac(SUBSCRIBE, parse<SipResponse>(res.serialize()));
    assert.ok(r.ok);
    assert.deepEqual(r.dialog.id, { callId: 'dlg-1@test', localTag: 'remote1', remoteTag: 'uas-tag' });
    assert.equal(r.dialog.localSeq, 10);
    assert.equal(r.dialog.remoteSeq, undefined);
    assert.deepEqual(r.dialog.routeSet, ['<sip:p2.example;lr>', '<sip:p1.example;lr>']);
    assert.equal(r.dialog.createRequest('SUBSCRIBE').cseq().seq, 11);
    assert.equal(r.dialog.createRequest('ACK', { cseq: 10 }).cseq().seq, 10);
  });

  void test('early dialog from a 1xx with a tag is confirmed by the 2xx; no To tag: no dialog', () => {
    const r180 = parse<SipResponse>(
      createResponse(SUBSCRIBE, 180, undefined, {
        toTag: 'x',
        headers: [['Contact', '<sip:a@1.2.3.4>']],
      }).serialize(),
    );
    const r = Dialog.fromUac(SUBSCRIBE, r180);
    assert.ok(r.ok);
    assert.equal(r.dialog.state, DialogState.Early);
    const ok = parse<SipResponse>(
      createResponse(SUBSCRIBE, 200, undefined, {
        toTag: 'x',
        headers: [['Contact', '<sip:a@5.6.7.8>']],
      }).serialize(),
    );
    r.dialog.receiveResponse(ok, true);
    assert.equal(r.dialog.state, DialogState.Confirmed);
    assert.equal(formatUri(r.dialog.remoteTarget), 'sip:a@5.6.7.8', 'target refresh');
    const noTag = parse<SipResponse>(createResponse(SUBSCRIBE, 200).serialize());
    assert.equal(Dialog.fromUac(SUBSCRIBE, noTag).ok, false);
  });

  void test('incoming in-dialog requests (§12.2.2): lower CSeq is rejected with 500; key from To/From tags', () => {
    const r = Dialog.fromUas(SUBSCRIBE, 'local1');
    assert.ok(r.ok);
    const next = SUBSCRIBE.clone();
    next.set('To', '<sip:beckon@example.com>;tag=local1');
    next.set('CSeq', '11 SUBSCRIBE');
    assert.equal(dialogKeyOfRequest(next), r.dialog.key);
    assert.deepEqual(r.dialog.receiveRequest(next), { ok: true });
    assert.equal(r.dialog.remoteSeq, 11);
    const old = next.clone();
    old.set('CSeq', '9 SUBSCRIBE');
    assert.deepEqual(r.dialog.receiveRequest(old), { ok: false, status: 500, reason: 'CSeq out of order' });
    r.dialog.terminate();
    assert.equal(r.dialog.state, DialogState.Terminated);
  });
});
