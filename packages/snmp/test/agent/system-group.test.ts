import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsRegistry } from '@beckon/ops';
import {
  ErrorStatus,
  MibRegistry,
  SnmpStats,
  SystemGroup,
  oid,
  registerSnmpGroup,
  runSetTransaction,
  type RequestContext,
} from '../../src/index.js';

const ctx: RequestContext = {
  securityModel: 2,
  securityName: 'private',
  securityLevel: 'noAuthNoPriv',
  contextName: '',
};

void test('system group: live sysUpTime, writable DisplayStrings, sysORTable', () => {
  let now = 1000;
  const sys = new SystemGroup({ descr: 'd', objectId: oid('1.3.6.1.4.1.99999.1'), clock: () => now });
  const r = new MibRegistry();
  sys.register(r);
  now += 12_345;
  assert.deepEqual(r.get(oid('1.3.6.1.2.1.1.3.0'), ctx).value, { type: 'TimeTicks', value: 1234 });
  const idx = sys.addObjectResource(oid('1.3.6.1.6.3.1'), 'SNMPv2-MIB');
  assert.equal(idx, 1);
  assert.deepEqual(r.get(oid('1.3.6.1.2.1.1.9.1.3.1'), ctx).value, {
    type: 'OctetString',
    value: Buffer.from('SNMPv2-MIB'),
  });
  assert.deepEqual(r.get(oid('1.3.6.1.2.1.1.8.0'), ctx).value, { type: 'TimeTicks', value: 1234 });
  const str = (s: string | Buffer) => ({
    type: 'OctetString' as const,
    value: Buffer.isBuffer(s) ? s : Buffer.from(s),
  });
  let o = runSetTransaction(r, [{ oid: oid('1.3.6.1.2.1.1.5.0'), value: str('edge-7') }], ctx);
  assert.equal(o.errorStatus, 0);
  assert.equal(sys.name, 'edge-7');
  o = runSetTransaction(r, [{ oid: oid('1.3.6.1.2.1.1.4.0'), value: str(Buffer.alloc(256, 0x41)) }], ctx);
  assert.deepEqual([o.errorStatus, o.errorIndex], [ErrorStatus.wrongLength, 1]);
  o = runSetTransaction(r, [{ oid: oid('1.3.6.1.2.1.1.3.0'), value: { type: 'TimeTicks', value: 1 } }], ctx);
  assert.equal(o.errorStatus, ErrorStatus.notWritable);
  sys.removeObjectResource(1);
  assert.equal(r.get(oid('1.3.6.1.2.1.1.9.1.3.1'), ctx).value.type, 'NoSuchInstance');
});

void test('snmp group reads the MetricsRegistry counters; snmpEnableAuthenTraps is writable', () => {
  const metrics = new MetricsRegistry();
  const stats = new SnmpStats(metrics);
  const r = new MibRegistry();
  const state = { enableAuthenTraps: 2 as 1 | 2 };
  registerSnmpGroup(r, stats, state);
  stats.inc('snmpInPkts', 5);
  metrics.counter('snmp_engine_stats_total', '', ['counter']).inc(['snmpInPkts'], 2);
  assert.deepEqual(r.get(oid('1.3.6.1.2.1.11.1.0'), ctx).value, { type: 'Counter32', value: 7 });
  stats.inc('snmpUnknownSecurityModels');
  assert.deepEqual(r.get(oid('1.3.6.1.6.3.11.2.1.1.0'), ctx).value, { type: 'Counter32', value: 1 });
  // Counter32 wraps
  stats.inc('snmpOutPkts', 2 ** 32 + 3);
  assert.deepEqual(r.get(oid('1.3.6.1.2.1.11.2.0'), ctx).value, { type: 'Counter32', value: 3 });
  let o = runSetTransaction(
    r,
    [{ oid: oid('1.3.6.1.2.1.11.30.0'), value: { type: 'Integer', value: 1 } }],
    ctx,
  );
  assert.equal(o.errorStatus, 0);
  assert.equal(state.enableAuthenTraps, 1);
  o = runSetTransaction(r, [{ oid: oid('1.3.6.1.2.1.11.30.0'), value: { type: 'Integer', value: 3 } }], ctx);
  assert.equal(o.errorStatus, ErrorStatus.wrongValue);
  o = runSetTransaction(r, [{ oid: oid('1.3.6.1.2.1.11.1.0'), value: { type: 'Counter32', value: 0 } }], ctx);
  assert.equal(o.errorStatus, ErrorStatus.notWritable);
});
