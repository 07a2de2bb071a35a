import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatOid } from '@beckon/snmp';
import {
  OidNameTable,
  parseTaskCreate,
  resultVarbind,
  setVarbinds,
  MemoryTaskStore,
  SqliteTaskStore,
  TaskState,
  openTaskDatabase,
  TASK_SQLITE_MIGRATIONS,
  type TaskRecord,
} from '../../src/tasks/index.js';

const names = new OidNameTable();

void test('names resolve from @beckon/mibs and SNMPv2-MIB, with instance suffixes, and back', () => {
  const r = names.resolve('sipUACfgServerAddress.1.1');
  assert.ok(r.ok);
  assert.equal(formatOid(r.oid), '1.3.6.1.2.1.150.1.1.1.1.3.1.1');
  const d = names.resolve('sysDescr.0');
  assert.ok(d.ok && formatOid(d.oid) === '1.3.6.1.2.1.1.1.0');
  const t = names.resolve('sipUACfgServerTable');
  assert.ok(t.ok && formatOid(t.oid) === '1.3.6.1.2.1.150.1.1.1');
  const n = names.resolve('.1.3.6.1.2.1.149.1.1.1.1.5.1');
  assert.ok(n.ok && n.object?.name === 'sipCommonCfgOrganization');
  assert.equal(names.name([1, 3, 6, 1, 2, 1, 149, 1, 1, 1, 1, 5, 1]), 'sipCommonCfgOrganization.1');
  assert.equal(names.name([1, 3, 6, 1, 4, 1, 99]), '1.3.6.1.4.1.99');
  assert.equal(names.resolve('SYSNAME.0').ok, true, 'case-insensitive');
  const bad = names.resolve('sysNope.0');
  assert.equal(bad.ok, false);
  assert.equal(names.resolve('sysDescr.x').ok, false);
});

void test('SET values typed by the MIB; InetAddress adds its type column; explicit letters', () => {
  const a = setVarbinds(names, [{ oid: 'sipUACfgServerAddress.1.1', value: 'sip.example.com' }]);
  assert.ok(a.ok);
  assert.deepEqual(
    a.value.map((v) => [names.name(v.oid), v.value]),
    [
      ['sipUACfgServerAddressType.1.1', { type: 'Integer', value: 16 }],
      ['sipUACfgServerAddress.1.1', { type: 'OctetString', value: Buffer.from('sip.example.com') }],
    ],
  );
  const six = setVarbinds(names, [{ oid: 'sipUACfgServerAddress.1.1', value: '2001:db8::1' }]);
  assert.ok(six.ok && six.value[1]?.value.type === 'OctetString' && six.value[1].value.value.length === 16);
  const c = setVarbinds(names, [{ oid: 'sysContact.0', value: 'ops@example.com' }]);
  assert.ok(c.ok && c.value[0]?.value.type === 'OctetString');
  const x = setVarbinds(names, [{ oid: '1.3.6.1.4.1.9.9', value: '42', type: 'u' }]);
  assert.ok(x.ok && x.value[0]?.value.type === 'Gauge32');
  assert.equal(setVarbinds(names, [{ oid: '1.3.6.1.4.1.9.9', value: '42' }]).ok, false, 'no type known');
  assert.equal(setVarbinds(names, [{ oid: 'sysContact.0', value: 'x'.repeat(256) }]).ok, false);
  assert.equal(setVarbinds(names, [{ oid: 'sysServices.0', value: 'abc' }]).ok, false);
});

void test('result varbinds: InetAddress decoded, binary strings in hex, exceptions null', () => {
  const r = names.resolve('sipUACfgServerAddress.1.1');
  assert.ok(r.ok);
  assert.deepEqual(
    resultVarbind(names, { oid: r.oid, value: { type: 'OctetString', value: Buffer.from([127, 0, 0, 2]) } }),
    {
      oid: formatOid(r.oid),
      name: 'sipUACfgServerAddress.1.1',
      type: 'OctetString',
      value: '127.0.0.2',
      hex: '7f000002',
    },
  );
  const bin = resultVarbind(names, {
    oid: [1, 3, 6, 1, 6, 3, 10, 2, 1, 1, 0],
    value: { type: 'OctetString', value: Buffer.from([0x80, 0, 1]) },
  });
  assert.equal(bin.name, 'snmpEngineID.0');
  assert.equal(bin.value, '800001');
  assert.equal(resultVarbind(names, { oid: [1, 3], value: { type: 'NoSuchObject' } }).value, null);
  assert.equal(
    resultVarbind(names, { oid: [1, 3], value: { type: 'Counter64', value: 2n ** 40n } }).value,
    '1099511627776',
  );
});

void test('CLI argument parsing for task create', () => {
  const a = parseTaskCreate([
    '--device',
    'A,B',
    '--get',
    'sysDescr.0',
    'sysName.0',
    '--set',
    'sipUACfgServerAddress.1.1=127.0.0.2',
    'sysLocation.0:s=lab 2',
    '--walk',
    'system',
    '--recipe',
    'sip-ua-config',
    '--timeout',
    '2.5',
  ]);
  assert.ok(typeof a !== 'string', String(a));
  assert.deepEqual(a.devices, ['A', 'B']);
  assert.equal(a.timeoutMs, 2500);
  assert.deepEqual(a.ops, [
    { op: 'get', oids: ['sysDescr.0', 'sysName.0'] },
    { op: 'walk', root: 'system' },
    { op: 'recipe', name: 'sip-ua-config' },
    {
      op: 'set',
      varbinds: [
        { oid: 'sipUACfgServerAddress.1.1', value: '127.0.0.2' },
        { oid: 'sysLocation.0', value: 'lab 2', type: 's' },
      ],
    },
  ]);
  assert.match(String(parseTaskCreate(['--device', 'A'])), /nothing to do/);
  assert.match(String(parseTaskCreate(['--device', 'A', '--set', 'x:q=1'])), /unknown value type q/);
  assert.match(String(parseTaskCreate(['--device', 'A', '--get', 'x', '--timeout', 'soon'])), /seconds/);
});

function record(id: string, device: string, at: number, state = TaskState.Queued): TaskRecord {
  return {
    id,
    device,
    ops: [{ op: 'get', oids: ['sysDescr.0'] }],
    state,
    attempts: 1,
    requestId: `r-${id}`,
    protocol: 'snmp-tls',
    requestedBy: 'test',
    bulkId: null,
    createdAt: at,
    updatedAt: at,
    startedAt: null,
    finishedAt: null,
    results:
      state === TaskState.Done
        ? [
            {
              op: 'get sysDescr.0',
              ok: true,
              varbinds: [{ oid: '1.3.6.1.2.1.1.1.0', name: 'sysDescr.0', type: 'OctetString', value: 'x' }],
            },
          ]
        : null,
    fault: null,
    authenticatedAs: null,
  };
}

void test('task stores (SQLite with migrations, memory): save, get, list by device/state, open', () => {
  const db = openTaskDatabase(':memory:');
  assert.ok(db.ok);
  for (const store of [new SqliteTaskStore(db.db), new MemoryTaskStore()]) {
    store.save(record('a', 'D1', 1));
    store.save(record('b', 'D2', 2, TaskState.Done));
    store.save(record('c', 'D1', 3, TaskState.Running));
    assert.deepEqual(store.get('b')?.results?.[0]?.varbinds[0]?.value, 'x');
    assert.deepEqual(
      store.list({ device: 'D1' }).map((t) => t.id),
      ['c', 'a'],
    );
    assert.deepEqual(
      store.list({ state: TaskState.Done }).map((t) => t.id),
      ['b'],
    );
    assert.deepEqual(
      store
        .open()
        .map((t) => t.id)
        .sort(),
      ['a', 'c'],
    );
    assert.equal(store.get('zz'), undefined);
  }
  // migrating again is a no-op
  const again = db.db.migrate(TASK_SQLITE_MIGRATIONS);
  assert.ok(again.ok && again.applied.length === 0);
  db.db.close();
});
