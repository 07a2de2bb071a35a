import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planMigrations } from '../src/index.js';

const list = [
  { version: 1, name: 'one' },
  { version: 2, name: 'two' },
  { version: 5, name: 'five' },
];

void describe('planMigrations', () => {
  void it('plans everything on an empty database', () => {
    const p = planMigrations(list, []);
    assert.ok(p.ok);
    assert.deepEqual(
      p.pending.map((m) => m.version),
      [1, 2, 5],
    );
    assert.equal(p.current, 0);
  });
  void it('plans only what is missing', () => {
    const p = planMigrations(list, [
      { version: 1, name: 'one' },
      { version: 2, name: 'two' },
    ]);
    assert.ok(p.ok);
    assert.deepEqual(
      p.pending.map((m) => m.version),
      [5],
    );
    assert.equal(p.current, 2);
  });
  void it('refuses unordered or duplicate versions', () => {
    const p = planMigrations(
      [
        { version: 2, name: 'a' },
        { version: 1, name: 'b' },
      ],
      [],
    );
    assert.equal(p.ok, false);
    if (!p.ok) assert.equal(p.error.code, 'invalid-list');
    const d = planMigrations(
      [
        { version: 1, name: 'a' },
        { version: 1, name: 'b' },
      ],
      [],
    );
    assert.equal(d.ok, false);
  });
  void it('refuses a database from a newer build', () => {
    const p = planMigrations(list, [{ version: 9, name: 'future' }]);
    assert.equal(p.ok, false);
    if (!p.ok) assert.equal(p.error.code, 'unknown-applied');
  });
  void it('refuses a renamed migration', () => {
    const p = planMigrations(list, [{ version: 1, name: 'uno' }]);
    assert.equal(p.ok, false);
    if (!p.ok) assert.equal(p.error.code, 'name-mismatch');
  });
  void it('refuses a hole below the applied version', () => {
    const p = planMigrations(list, [
      { version: 1, name: 'one' },
      { version: 5, name: 'five' },
    ]);
    assert.equal(p.ok, false);
    if (!p.ok) assert.equal(p.error.code, 'out-of-order');
  });
});
