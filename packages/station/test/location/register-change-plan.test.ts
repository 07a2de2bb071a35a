import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContactMap } from '../../src/location/contact-map.js';
import { makeBindingRecord, type Binding } from '../../src/location/binding.js';
import {
  planGeneral,
  planRegisterChange,
  type RegisterChangePlan,
  type RegisterChanges,
  type RegisterPlanContext,
} from '../../src/location/register-change-plan.js';
import type { AorEntry } from '../../src/location/user-index-order.js';
import { seededRandom } from '@beckon/testkit';

const AOR = 'sip:alice@example.net';
const NOW = 1_800_000_000_000;

function binding(random: () => number): Binding {
  const host = ['10.0.0.1', '10.0.0.2', 'Example.COM'][Math.floor(random() * 3)] as string;
  return {
    aor: AOR,
    contact: `sip:alice@${host}`,
    callId: random() < 0.7 ? 'call-1' : 'call-2',
    cseq: 1 + Math.floor(random() * 4),
    expiresAt: NOW + Math.floor((random() - 0.2) * 4000),
    receivedAt: NOW - Math.floor(random() * 1000),
    ...(random() < 0.3 ? { instrument: '0004f2000001' } : {}),
  };
}

function context(maxContacts: number): RegisterPlanContext & { taken: number } {
  const ctx = {
    maxContacts,
    policy: 'evict-oldest' as const,
    taken: 0,
    userIndexForNewAor: () => 7,
    takeContactIndex: () => 100 + ctx.taken++,
  };
  return ctx;
}

/** The plan with `before` as a list of the records it holds (a map or a single record). */
function comparable(p: RegisterChangePlan): unknown {
  if (p.kind !== 'write') return p;
  const before = p.before instanceof Map ? [...p.before.values()] : p.before ? [p.before] : [];
  return { ...p, before: before.filter((b) => p.upserts.some((u) => u.contactKey === b.contactKey)) };
}

void test('the fast path plans exactly what the general algorithm plans', () => {
  const random = seededRandom(5);
  let simpleCases = 0;
  for (let i = 0; i < 20_000; i++) {
    let entry: AorEntry | undefined;
    const stored = Math.floor(random() * 3);
    for (let j = 0; j < stored; j++) {
      const r = makeBindingRecord(binding(random), `u:sip:alice@h${Math.floor(random() * 3)}`, 3, 10 + j);
      if (!entry)
        entry = {
          aor: AOR,
          userIndex: 3,
          bindings: new ContactMap(r.contactKey, r),
          list: undefined,
          dead: false,
        };
      else entry.bindings.set(r.contactKey, r);
    }
    const adds = Array.from({ length: random() < 0.8 ? 1 : 2 }, () => binding(random));
    const changes: RegisterChanges = {
      callId: 'call-1',
      cseq: 2,
      add: adds,
      addKeys: adds.map(() => `u:sip:alice@h${Math.floor(random() * 3)}`),
      ...(random() < 0.1 ? { remove: ['u:sip:alice@h1'] } : {}),
      ...(random() < 0.05 ? { removeAll: true } : {}),
    };
    const max = 1 + Math.floor(random() * 2);
    const a = context(max);
    const b = context(max);
    const fast = planRegisterChange(AOR, changes, entry, NOW, a);
    const general = planGeneral(AOR, changes, entry, NOW, b);
    assert.deepEqual(comparable(fast), comparable(general), `case ${i}`);
    assert.equal(a.taken, b.taken, `contact indexes taken, case ${i}`);
    if (
      changes.add?.length === 1 &&
      !changes.remove &&
      !changes.removeAll &&
      (entry?.bindings.size ?? 0) <= 1
    )
      simpleCases++;
  }
  assert.ok(simpleCases > 5_000, `the fast path's cases were drawn (${simpleCases})`);
});
