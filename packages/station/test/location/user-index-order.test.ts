import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContactMap } from '../../src/location/contact-map.js';
import type { BindingRecord } from '../../src/location/binding.js';
import { UserIndexOrder, type AorEntry } from '../../src/location/user-index-order.js';
import { seededRandom } from '@beckon/testkit';

function entry(userIndex: number): AorEntry {
  return {
    aor: `sip:u${userIndex}@x`,
    userIndex,
    bindings: new ContactMap<BindingRecord>('k', {} as BindingRecord),
    list: undefined,
    dead: false,
  };
}

void test('get and next agree with a plain model through adds, removals, compactions and walks', () => {
  const random = seededRandom(7);
  const order = new UserIndexOrder();
  const model = new Map<number, AorEntry>();
  let nextIndex = 1;
  const modelNext = (after: number): number | undefined => {
    let best: number | undefined;
    for (const k of model.keys()) if (k > after && (best === undefined || k < best)) best = k;
    return best;
  };
  for (let step = 0; step < 20_000; step++) {
    const r = random();
    if (r < 0.35) {
      const e = entry(nextIndex++);
      order.add(e);
      model.set(e.userIndex, e);
    } else if (r < 0.45 && model.size > 0) {
      // re-create an AOR with its old index (the rare in-place case)
      const keys = [...model.keys()];
      const k = keys[Math.floor(random() * keys.length)]!;
      order.remove(model.get(k)!);
      const e = entry(k);
      order.add(e);
      model.set(k, e);
    } else if (r < 0.7 && model.size > 0) {
      const keys = [...model.keys()];
      const k = keys[Math.floor(random() * keys.length)]!;
      order.remove(model.get(k)!);
      model.delete(k);
    } else {
      // a short walk from a random point, as an SNMP manager does, with lookups in between
      let after = Math.floor(random() * nextIndex);
      for (let i = 0; i < 5; i++) {
        const got = order.next(after);
        assert.equal(got?.userIndex, modelNext(after), `next(${after}) at step ${step}`);
        if (!got) break;
        assert.equal(order.get(got.userIndex), model.get(got.userIndex));
        after = got.userIndex;
      }
      const probe = Math.floor(random() * nextIndex);
      assert.equal(order.get(probe), model.get(probe), `get(${probe}) at step ${step}`);
    }
    assert.equal(order.size, model.size);
  }
});
