import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '@beckon/ops';
import { formatOid, type Oid, type VarBind } from '@beckon/snmp';
import {
  ALL_ENTRIES,
  APPLICATION_MIB,
  COLUMNS,
  SIP_COMMON_MIB,
  SIP_COMMON_NOTIF_OBJECTS,
  SIP_COMMON_NOTIFICATIONS,
  SIP_SERVER_MIB,
  SIP_TC_MIB,
  SIP_UA_MIB,
  SipCommonNotifier,
} from '../src/index.js';
import { MibTree, sharedMibDir } from './helpers/mib-files.js';
import { buildSipRegistry, walk } from './helpers/sip-registry.js';

const dir = sharedMibDir();
const skip = dir ? false : 'shared MIB folder ../shared/mibs (from the repository root) not found';

void describe('OIDs against the MIB modules in ../shared/mibs', { skip }, () => {
  const tree = dir ? MibTree.load(dir) : new MibTree();

  void test('module identities', () => {
    assert.deepEqual(tree.oid('sipTC'), SIP_TC_MIB);
    assert.deepEqual(tree.oid('sipCommonMIB'), SIP_COMMON_MIB);
    assert.deepEqual(tree.oid('sipUAMIB'), SIP_UA_MIB);
    assert.deepEqual(tree.oid('sipServerMIB'), SIP_SERVER_MIB);
    assert.deepEqual(tree.oid('application'), APPLICATION_MIB);
  });

  void test('every Entry and column descriptor has the OID of the MIB', () => {
    let checked = 0;
    for (const [entry, cols] of Object.entries(COLUMNS)) {
      assert.deepEqual(ALL_ENTRIES[entry as keyof typeof COLUMNS], tree.oid(entry), entry);
      for (const [name, col] of Object.entries(cols)) {
        assert.deepEqual([...ALL_ENTRIES[entry as keyof typeof COLUMNS], col], tree.oid(name), name);
        checked++;
      }
    }
    assert.ok(checked > 100, `${checked} columns`);
  });

  void test('notification types and accessible-for-notify objects', () => {
    for (const [name, oid] of Object.entries(SIP_COMMON_NOTIFICATIONS)) {
      assert.deepEqual(oid, tree.oid(name), name);
      assert.equal(tree.byName.get(name)?.kind, 'NOTIFICATION-TYPE');
    }
    for (const [name, oid] of Object.entries(SIP_COMMON_NOTIF_OBJECTS)) {
      assert.deepEqual(oid, tree.oid(name), name);
      assert.equal(tree.byName.get(name)?.access, 'accessible-for-notify');
    }
  });

  const full = buildSipRegistry(3, 2);
  // a status code row is created by an operator; create one so that the walk shows its objects
  full.common.statusCodes.create(1, 'INVITE', 486);
  const seen = new Map<string, VarBind[]>();
  for (const root of [APPLICATION_MIB, SIP_COMMON_MIB, SIP_UA_MIB, SIP_SERVER_MIB])
    for (const vb of walk(full.registry, root)) {
      const obj = tree.objectOf(vb.oid);
      const key = obj?.name ?? `?${formatOid(vb.oid)}`;
      seen.set(key, [...(seen.get(key) ?? []), vb]);
    }

  void test('every instance served is a readable OBJECT-TYPE of the MIB', () => {
    for (const [name, vbs] of seen) {
      const obj = tree.byName.get(name);
      assert.ok(obj, `unknown OID ${name}`);
      assert.ok(
        ['read-only', 'read-write', 'read-create'].includes(obj.access ?? ''),
        `${name} is ${obj.access} but has ${vbs.length} instances`,
      );
    }
  });

  const mandatory: [string, boolean][] = [
    ['sipCommonCompliance', true],
    ['sipServerProxyServerCompliance', false],
    ['sipServerRegistrarServerCompliance', true],
    ['sipUACompliance', false],
    ['applRFC2788Compliance', false],
  ];
  for (const [compliance, withOptional] of mandatory)
    void test(`objects of ${compliance}${withOptional ? ' (with its optional groups)' : ''} are all served`, () => {
      const objs = tree.complianceObjects(compliance, withOptional);
      assert.ok(objs.length > 0, compliance);
      const missing = objs.filter(
        (o) => tree.byName.get(o)?.access !== 'accessible-for-notify' && !seen.has(o),
      );
      assert.deepEqual(missing, [], `${compliance} missing ${missing.join(', ')}`);
    });

  void test('notifications carry the OBJECTS of their NOTIFICATION-TYPE, in order', () => {
    const sent: { trap: Oid; varbinds: readonly VarBind[] }[] = [];
    const n = new SipCommonNotifier({
      sink: { notify: (trap, varbinds) => sent.push({ trap, varbinds }) },
      sources: full.sources,
      statusCodes: full.common.statusCodes,
      log: silentLogger(),
    });
    full.proxy.state.notifs = [
      'sipCommonServiceColdStart',
      'sipCommonServiceWarmStart',
      'sipCommonServiceStatusChanged',
    ];
    const row = full.common.statusCodes.find(1, 'INVITE', 486)!;
    row.notifSend = true;
    row.thresh = 0;
    assert.ok(n.serviceStarted(1, 'cold'));
    assert.ok(n.serviceStarted(1, 'warm'));
    assert.ok(n.statusChanged(1));
    assert.ok(
      n.responseSeen(1, 'in', 'INVITE', 486, { to: '<sip:a@x>', from: '<sip:b@x>', callId: 'c1', cseq: 1 }),
    );
    let t = 0;
    const clocked = new SipCommonNotifier(
      {
        sink: { notify: (trap, varbinds) => sent.push({ trap, varbinds }) },
        sources: full.sources,
        statusCodes: full.common.statusCodes,
        log: silentLogger(),
      },
      { clock: () => t },
    );
    clocked.pollThresholds();
    full.metrics.counter('sip_responses_in', '', ['code']).inc(['486'], 5);
    full.metrics.counter('sip_responses_out', '', ['code']).inc(['486'], 5);
    t = 1000;
    assert.equal(clocked.pollThresholds(), 2);
    n.dispose();
    clocked.dispose();
    assert.equal(sent.length, 6);
    for (const s of sent) {
      const name = Object.entries(SIP_COMMON_NOTIFICATIONS).find(
        ([, o]) => formatOid(o) === formatOid(s.trap),
      )?.[0];
      assert.ok(name);
      const expected = tree.byName.get(name)?.members ?? [];
      const got = s.varbinds.map((vb) => tree.objectOf(vb.oid)?.name);
      assert.deepEqual(got, expected, name);
    }
  });
});
