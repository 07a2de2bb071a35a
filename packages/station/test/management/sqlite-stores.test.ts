import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SubscriptionRecord } from '@beckon/sip';
import { openManagementDatabase } from '../../src/management/management-migrations.js';
import { ManagementRequestState } from '../../src/management/management-request.js';
import { SqliteManagementStore } from '../../src/management/sqlite-management-store.js';
import { SqliteSubscriptionStore } from '../../src/management/sqlite-subscription-store.js';

function record(id: string): SubscriptionRecord {
  return {
    id,
    event: 'management-req',
    eventId: null,
    state: 'active',
    callId: 'c-' + id,
    localTag: id,
    remoteTag: 'r',
    localUri: '<sip:a@b>',
    remoteUri: '<sip:c@d>',
    localSeq: 0,
    remoteSeq: 1,
    remoteTarget: 'sip:c@127.0.0.1:5060',
    routeSet: [],
    expiresAt: Date.now() + 3600_000,
    createdAt: Date.now(),
    flow: {
      transport: 'udp',
      localAddress: '127.0.0.1',
      localPort: 5060,
      remoteAddress: '127.0.0.1',
      remotePort: 5070,
      flowId: 'udp:x',
      secure: false,
    },
    packageState: { keys: ['inst:x'], device: 'inst:x' },
  };
}

void test('SqliteSubscriptionStore: save, update, remove, reload after reopening the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'beckon-mgmt-'));
  try {
    const path = join(dir, 'management.sqlite');
    const o = openManagementDatabase(path);
    assert.ok(o.ok);
    const s = new SqliteSubscriptionStore({ db: o.db });
    await Promise.all([s.save(record('a')), s.save(record('b')), s.save(record('c'))]);
    await s.update({ ...record('b'), localSeq: 7 });
    await s.remove('c');
    // An update of a removed subscription does not bring it back.
    await s.update(record('c'));
    assert.equal(s.count(), 2);
    await s.close();
    o.db.close();
    const again = openManagementDatabase(path);
    assert.ok(again.ok);
    const s2 = new SqliteSubscriptionStore({ db: again.db });
    const rows = [...(await s2.loadAll())].sort((x, y) => x.id.localeCompare(y.id));
    assert.deepEqual(
      rows.map((r) => [r.id, r.localSeq]),
      [
        ['a', 0],
        ['b', 7],
      ],
    );
    assert.deepEqual(rows[0]?.packageState, { keys: ['inst:x'], device: 'inst:x' });
    // Migration 3 dropped the unused expiry index: a write touches the table's B-tree only.
    assert.equal(
      again.db.all<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'event_subscriptions'",
      ).length,
      0,
    );
    await s2.close();
    again.db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('SqliteManagementStore: requests, open set, last NOTIFY per device, audit rows', async () => {
  const o = openManagementDatabase(':memory:');
  assert.ok(o.ok);
  const st = new SqliteManagementStore({ db: o.db });
  const base = {
    target: 'ff00000036c5',
    preferred: 'snmp-ssh',
    strict: false,
    requestedBy: 'op',
    device: 'inst:ff00000036c5',
    protocol: 'snmp-ssh',
    groupId: 'g',
    subscriptionId: 's',
    createdAt: 1,
    updatedAt: 2,
    deadlineAt: 3,
    detail: null,
  };
  await st.saveRequest(
    { ...base, id: 'r1', state: ManagementRequestState.Notified, notifiedAt: 100 },
    { at: 1, actor: 'op', subject: 'mgmt-request:r1', action: 'created' },
  );
  await st.saveRequest({ ...base, id: 'r2', state: ManagementRequestState.Done, notifiedAt: 200 });
  assert.deepEqual(
    st.loadOpenRequests().map((r) => r.id),
    ['r1'],
  );
  assert.equal(st.lastNotified().get('inst:ff00000036c5'), 200);
  assert.equal(st.getRequest('r2')?.state, 'done');
  assert.deepEqual(
    st.auditOf('mgmt-request:r1').map((a) => a.action),
    ['created'],
  );
  await st.close();
  o.db.close();
});
