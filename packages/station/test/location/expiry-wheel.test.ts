import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExpiryWheel } from '../../src/location/expiry-wheel.js';
import { seededRandom } from '@beckon/testkit';

interface Item {
  readonly id: number;
  readonly due: number;
}

void test('fires each item once, never early and at most a tick late; cancel finds items without an index', () => {
  const random = seededRandom(11);
  const tick = 100;
  let clock = 1_000_000;
  const fired: Item[] = [];
  const wheel = new ExpiryWheel<Item>(
    { tickMs: tick, now: () => clock, dueAt: (i) => i.due },
    (items, now) => {
      for (const i of items) {
        assert.ok(i.due <= now, `item ${i.id} due ${i.due} fired early at ${now}`);
        fired.push(i);
      }
    },
  );
  // The model: the bucket each scheduled item will fire in.
  const model = new Map<Item, number>();
  let last = Math.floor(clock / tick);
  let nextId = 1;
  for (let step = 0; step < 30_000; step++) {
    const r = random();
    if (r < 0.45) {
      // due in the past (already due), soon, or later
      const due = clock + Math.floor((random() - 0.2) * 20 * tick);
      const item = { id: nextId++, due };
      wheel.schedule(item);
      model.set(item, Math.max(Math.ceil(due / tick), last + 1));
      if (random() < 0.1) wheel.schedule(item); // scheduling twice is a no-op
    } else if (r < 0.65 && model.size > 0) {
      const items = [...model.keys()];
      const item = items[Math.floor(random() * items.length)]!;
      wheel.cancel(item);
      wheel.cancel(item); // and cancelling twice too
      model.delete(item);
    } else if (r < 0.7 && fired.length > 0) {
      wheel.cancel(fired[Math.floor(random() * fired.length)]!); // fired already: nothing happens
    } else {
      clock += Math.floor(random() * (random() < 0.02 ? 50 : 1.5) * tick);
      const current = Math.floor(clock / tick);
      fired.length = 0;
      wheel.advance(clock);
      if (current > last) {
        const want = [...model].filter(([, b]) => b <= current).map(([i]) => i.id);
        assert.deepEqual(
          fired.map((i) => i.id).sort((a, b) => a - b),
          want.sort((a, b) => a - b),
          `advance to ${clock} at step ${step}`,
        );
        for (const i of fired) model.delete(i);
        last = current;
      } else assert.equal(fired.length, 0);
    }
    assert.equal(wheel.size, model.size, `size at step ${step}`);
  }
});
