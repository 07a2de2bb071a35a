import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsmRemoteEngines } from '../../src/security/usm-remote-engines.js';
import { EngineClock } from '../../src/security/engine-clock.js';
import { registerSnmpEngineMib } from '../../src/security/snmp-engine-mib.js';
import { MibRegistry } from '../../src/mib/mib-registry.js';

const E1 = Buffer.from('80001f880501', 'hex');
const E2 = Buffer.from('80001f880502', 'hex');

void test('remote engine time: estimate advances with the local clock; RFC 3414 7b update rule', () => {
  let now = 0;
  const r = new UsmRemoteEngines({ nowMs: () => now });
  assert.deepEqual(r.current(E1), { boots: 0, time: 0 });
  assert.ok(r.synchronise(E1, 3, 1000));
  now += 10_500;
  assert.deepEqual(r.current(E1), { boots: 3, time: 1010 });
  // An older time from the same boot does not move the notion back; within 150 s it is accepted.
  assert.ok(r.synchronise(E1, 3, 900));
  assert.deepEqual(r.current(E1), { boots: 3, time: 1010 });
  // More than 150 s older: outside the window.
  assert.equal(r.synchronise(E1, 3, 850), false);
  // Lower boots: outside the window.
  assert.equal(r.synchronise(E1, 2, 5000), false);
  // Higher boots: accepted and adopted.
  assert.ok(r.synchronise(E1, 4, 7));
  assert.deepEqual(r.current(E1), { boots: 4, time: 7 });
  // Latched boots: never in the window.
  assert.equal(r.synchronise(E2, 2147483647, 1), false);
});

void test('unauthenticated discovery hints are replaced by the first authenticated values', () => {
  const r = new UsmRemoteEngines({ nowMs: () => 0 });
  r.hint(E1, 99, 5000);
  assert.deepEqual(r.current(E1), { boots: 99, time: 5000 });
  assert.equal(r.get(E1)?.authenticated, false);
  // A genuine message with lower boots than the (forged) hint is still accepted.
  assert.ok(r.synchronise(E1, 2, 10));
  assert.deepEqual(r.current(E1), { boots: 2, time: 10 });
  r.hint(E1, 99, 5000);
  assert.deepEqual(r.current(E1), { boots: 2, time: 10 }, 'hints never override authenticated values');
});

void test('discovery msgIDs are single use, expire, and are bounded', () => {
  let now = 0;
  const r = new UsmRemoteEngines({ nowMs: () => now, discoveryTtlMs: 1000, maxEngines: 2 });
  r.expectDiscovery(7);
  assert.ok(r.takeDiscovery(7));
  assert.equal(r.takeDiscovery(7), false);
  r.expectDiscovery(8);
  now += 1001;
  assert.equal(r.takeDiscovery(8), false, 'expired');
  for (let i = 0; i < 5000; i++) r.expectDiscovery(i);
  assert.ok(r.takeDiscovery(4999));
  r.ensure(E1);
  r.ensure(E2);
  r.ensure(Buffer.from('80001f880503', 'hex'));
  assert.equal(r.size, 2);
  assert.equal(r.has(E1), false, 'oldest forgotten');
});

void test('snmpEngine scalars read live from the clock', () => {
  let now = 0;
  const clock = new EngineClock({ engineBoots: 4, nowMs: () => now });
  const registry = new MibRegistry();
  const reg = registerSnmpEngineMib(registry, { engineId: E1, clock, maxMessageSize: 1500 });
  assert.ok(reg.ok);
  const ctx = { securityModel: 3, securityName: 'x', securityLevel: 'authNoPriv' as const, contextName: '' };
  now += 61_000;
  assert.deepEqual(registry.get([1, 3, 6, 1, 6, 3, 10, 2, 1, 1, 0], ctx).value, {
    type: 'OctetString',
    value: E1,
  });
  assert.deepEqual(registry.get([1, 3, 6, 1, 6, 3, 10, 2, 1, 2, 0], ctx).value, {
    type: 'Integer',
    value: 4,
  });
  assert.deepEqual(registry.get([1, 3, 6, 1, 6, 3, 10, 2, 1, 3, 0], ctx).value, {
    type: 'Integer',
    value: 61,
  });
  assert.deepEqual(registry.get([1, 3, 6, 1, 6, 3, 10, 2, 1, 4, 0], ctx).value, {
    type: 'Integer',
    value: 1500,
  });
  reg.unregister();
  assert.equal(registry.size, 0);
});
