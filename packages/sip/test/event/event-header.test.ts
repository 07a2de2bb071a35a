import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatSubscriptionState,
  parseEventHeader,
  parseSubscriptionState,
} from '../../src/event/event-header.js';

void describe('Event header', () => {
  void test('package, id and other params', () => {
    const r = parseEventHeader('Management-Req ;id=42;foo');
    assert.ok(r.ok);
    assert.equal(r.value.event, 'management-req');
    assert.equal(r.value.id, '42');
    assert.equal(r.value.params.get('foo'), null);
  });
  void test('template types and bad input never throw', () => {
    const t = parseEventHeader('presence.winfo');
    assert.ok(t.ok && t.value.event === 'presence.winfo' && t.value.id === undefined);
    assert.equal(parseEventHeader(undefined).ok, false);
    assert.equal(parseEventHeader('').ok, false);
    assert.equal(parseEventHeader('x;=').ok, false);
    assert.equal(parseEventHeader('a b').ok, false);
  });
});

void describe('Subscription-State header', () => {
  void test('active with expires', () => {
    const r = parseSubscriptionState('active;expires=3599');
    assert.ok(r.ok);
    assert.equal(r.value.state, 'active');
    assert.equal(r.value.expires, 3599);
  });
  void test('terminated with reason and retry-after', () => {
    const r = parseSubscriptionState('terminated ; reason=probation ; retry-after=30');
    assert.ok(r.ok);
    assert.equal(r.value.state, 'terminated');
    assert.equal(r.value.reason, 'probation');
    assert.equal(r.value.retryAfter, 30);
  });
  void test('unknown substate is treated as pending; bad values are dropped', () => {
    const r = parseSubscriptionState('waiting;expires=abc');
    assert.ok(r.ok);
    assert.equal(r.value.state, 'pending');
    assert.equal(r.value.rawState, 'waiting');
    assert.equal(r.value.expires, undefined);
    assert.equal(parseSubscriptionState(undefined).ok, false);
    assert.equal(parseSubscriptionState(';x').ok, false);
  });
  void test('format round-trips', () => {
    const s = formatSubscriptionState('terminated', { reason: 'deactivated', retryAfter: 5 });
    assert.equal(s, 'terminated;reason=deactivated;retry-after=5');
    const r = parseSubscriptionState(s);
    assert.ok(r.ok && r.value.reason === 'deactivated' && r.value.retryAfter === 5);
    assert.equal(formatSubscriptionState('active', { expires: 10 }), 'active;expires=10');
  });
});
