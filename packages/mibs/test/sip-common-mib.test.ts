import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compareOid, ErrorStatus, type Oid, type SnmpValue } from '@beckon/snmp';
import {
  APPL_ENTRY,
  APPLICATION_MIB,
  COLUMNS,
  SIP_COMMON_ENTRIES,
  SIP_COMMON_MIB,
  SIP_SERVER_MIB,
  SIP_UA_MIB,
  applOperStatusOf,
  stringIndex,
} from '../src/index.js';
import { buildSipRegistry, CTX, get, set, walk } from './helpers/sip-registry.js';

const E = SIP_COMMON_ENTRIES;
const int = (value: number): SnmpValue => ({ type: 'Integer', value });
const gauge = (value: number): SnmpValue => ({ type: 'Gauge32', value });
const octets = (b: number[]): SnmpValue => ({ type: 'OctetString', value: Buffer.from(b) });
const num = (v: SnmpValue): number => ('value' in v && typeof v.value === 'number' ? v.value : NaN);
const text = (v: SnmpValue): string => (v.type === 'OctetString' ? v.value.toString('utf8') : `<${v.type}>`);
/** Index of a status code row: applIndex, method (length-prefixed), code. */
const scIndex = (applIndex: number, method: string, code: number): Oid => [
  applIndex,
  ...stringIndex(method),
  code,
];
const col = (entry: Oid, c: number, index: Oid): Oid => [...entry, c, ...index];

void describe('SIP-COMMON-MIB and applTable over fake sources', () => {
  void test('walks are strictly increasing and GetNext from any served OID gives the successor', () => {
    const { registry } = buildSipRegistry(4, 3);
    const all = [APPLICATION_MIB, SIP_COMMON_MIB, SIP_UA_MIB, SIP_SERVER_MIB].flatMap((r) =>
      walk(registry, r),
    );
    assert.ok(all.length > 150, `${all.length} instances`);
    for (let i = 1; i < all.length; i++)
      assert.ok(compareOid(all[i - 1]!.oid, all[i]!.oid) < 0, `order at ${i}`);
    // GetNext from a prefix of an instance (a column OID) lands on its first instance
    const first = registry.next([...E.sipCommonMethodStatsEntry, 2], CTX);
    assert.deepEqual(first?.oid, [...E.sipCommonMethodStatsEntry, 2, 1, ...stringIndex('ACK')]);
    // GetNext from just before mib-2.149 enters the module at the first cfg column
    assert.deepEqual(registry.next(SIP_COMMON_MIB, CTX)?.oid, [...E.sipCommonCfgEntry, 1, 1]);
    // every Get of a walked instance returns the walked value
    for (const vb of all) assert.deepEqual(registry.get(vb.oid, CTX).value, vb.value);
  });

  void test('configuration objects read live from the source', () => {
    const t = buildSipRegistry();
    const c = COLUMNS.sipCommonCfgEntry;
    assert.equal(
      text(get(t.registry, col(E.sipCommonCfgEntry, c.sipCommonCfgProtocolVersion, [1]))),
      'SIP/2.0',
    );
    assert.equal(num(get(t.registry, col(E.sipCommonCfgEntry, c.sipCommonCfgServiceOperStatus, [1]))), 2);
    t.proxy.state.operStatus = 'congested';
    assert.equal(num(get(t.registry, col(E.sipCommonCfgEntry, c.sipCommonCfgServiceOperStatus, [1]))), 4);
    // SipTCEntityRole proxyServer(2) + registrarServer(4): 0b0010_1000
    assert.deepEqual(
      get(t.registry, col(E.sipCommonCfgEntry, c.sipCommonCfgEntityType, [1])),
      octets([0x28]),
    );
    assert.deepEqual(
      get(t.registry, col(E.sipCommonCfgEntry, c.sipCommonCfgEntityType, [2])),
      octets([0x40]),
    );
    // DEFVAL-like { coldStart, warmStart }: 0b1100_0000
    assert.deepEqual(
      get(t.registry, col(E.sipCommonCfgEntry, c.sipCommonCfgServiceNotifEnable, [1])),
      octets([0xc0]),
    );
    // ports sorted by port number whatever the source order
    const ports = walk(t.registry, [...E.sipCommonPortEntry, 2]).map((vb) => vb.oid.slice(-2));
    assert.deepEqual(ports, [
      [1, 5060],
      [1, 5061],
      [2, 5060],
      [2, 5061],
    ]);
    // udp(1) + tcp(2) = 0b0110_0000
    assert.deepEqual(get(t.registry, col(E.sipCommonPortEntry, 2, [1, 5060])), octets([0x60]));
    assert.equal(
      num(
        get(
          t.registry,
          col(E.sipCommonCfgTimerEntry, COLUMNS.sipCommonCfgTimerEntry.sipCommonCfgTimerT1, [1]),
        ),
      ),
      500,
    );
    assert.equal(text(get(t.registry, col(E.sipCommonMethodSupportedEntry, 2, [1, 1]))), 'INVITE');
  });

  void test('statistics are sums of the SIP core counters, read at request time', () => {
    const t = buildSipRegistry();
    const s = COLUMNS.sipCommonSummaryStatsEntry;
    const sum = (c: number): number => num(get(t.registry, col(E.sipCommonSummaryStatsEntry, c, [1])));
    assert.equal(sum(s.sipCommonSummaryInRequests), 55);
    assert.equal(sum(s.sipCommonSummaryOutRequests), 10);
    assert.equal(sum(s.sipCommonSummaryInResponses), 10);
    assert.equal(sum(s.sipCommonSummaryOutResponses), 49);
    assert.equal(sum(s.sipCommonSummaryTotalTransactions), 11);
    t.metrics.counter('sip_requests_in', '', ['method']).inc(['INVITE']);
    assert.equal(sum(s.sipCommonSummaryInRequests), 56);
    const m = COLUMNS.sipCommonMethodStatsEntry;
    assert.equal(
      num(
        get(
          t.registry,
          col(E.sipCommonMethodStatsEntry, m.sipCommonMethodStatsInbounds, [1, ...stringIndex('INVITE')]),
        ),
      ),
      11,
    );
    assert.equal(
      num(
        get(
          t.registry,
          col(E.sipCommonMethodStatsEntry, m.sipCommonMethodStatsOutbounds, [1, ...stringIndex('BYE')]),
        ),
      ),
      3,
    );
    // a method the entity does not support has no row
    assert.equal(
      get(t.registry, col(E.sipCommonMethodStatsEntry, 2, [1, ...stringIndex('PUBLISH')])).type,
      'NoSuchInstance',
    );
    assert.equal(num(get(t.registry, col(E.sipCommonTransCurrentEntry, 1, [1]))), 2);
    const o = COLUMNS.sipCommonOtherStatsEntry;
    assert.equal(
      num(get(t.registry, col(E.sipCommonOtherStatsEntry, o.sipCommonOtherStatsNumUnsupportedUris, [1]))),
      4,
    );
    assert.equal(
      num(get(t.registry, col(E.sipCommonOtherStatsEntry, o.sipCommonOtherStatsNumUnsupportedMethods, [1]))),
      3,
    );
    assert.equal(
      num(get(t.registry, col(E.sipCommonOtherStatsEntry, o.sipCommonOtherStatsOtherwiseDiscardedMsgs, [1]))),
      6,
    );
    // retry rows only for methods with retry stats
    const retries = walk(t.registry, [...E.sipCommonStatsRetryEntry, 2]).map((vb) =>
      vb.oid.slice(E.sipCommonStatsRetryEntry.length + 1),
    );
    assert.deepEqual(
      retries,
      [1, 2].flatMap((a) => [
        [a, ...stringIndex('INVITE')],
        [a, ...stringIndex('REGISTER')],
      ]),
    );
  });

  void test('applTable: names, §5.2 oper status mapping, last known value kept while unknown', () => {
    const t = buildSipRegistry();
    assert.equal(text(get(t.registry, [...APPL_ENTRY, 2, 1])), 'sip_proxy_registrar1');
    assert.equal(text(get(t.registry, [...APPL_ENTRY, 2, 2])), 'sip_ua1');
    // applUptime / applLastChange identical to sipCommonCfgServiceStartTime / LastChange
    assert.equal(
      num(get(t.registry, [...APPL_ENTRY, 5, 1])),
      num(get(t.registry, [...E.sipCommonCfgEntry, 3, 1])),
    );
    assert.equal(
      num(get(t.registry, [...APPL_ENTRY, 7, 1])),
      num(get(t.registry, [...E.sipCommonCfgEntry, 4, 1])),
    );
    assert.equal(num(get(t.registry, [...APPL_ENTRY, 6, 1])), 1);
    t.proxy.state.operStatus = 'quiescing';
    assert.equal(num(get(t.registry, [...APPL_ENTRY, 6, 1])), 6);
    t.proxy.state.operStatus = 'unknown';
    assert.equal(num(get(t.registry, [...APPL_ENTRY, 6, 1])), 6);
    t.proxy.state.operStatus = 'testing';
    assert.equal(num(get(t.registry, [...APPL_ENTRY, 6, 1])), 1);
    assert.equal(applOperStatusOf('congested'), 4);
    assert.equal(applOperStatusOf('restarting'), 5);
    assert.equal(applOperStatusOf('down'), 2);
  });

  void test('status code row: createAndGo, counters read from sip_responses_*, destroy', () => {
    const t = buildSipRegistry();
    const c = COLUMNS.sipCommonStatusCodeEntry;
    const idx = scIndex(1, 'INVITE', 200);
    assert.equal(
      get(t.registry, col(E.sipCommonStatusCodeEntry, c.sipCommonStatusCodeIns, idx)).type,
      'NoSuchInstance',
    );
    const r = set(t.registry, [col(E.sipCommonStatusCodeEntry, c.sipCommonStatusCodeRowStatus, idx), int(4)]);
    assert.equal(r.errorStatus, ErrorStatus.noError);
    assert.equal(
      num(get(t.registry, col(E.sipCommonStatusCodeEntry, c.sipCommonStatusCodeRowStatus, idx))),
      1,
    );
    // per-code counters of the SIP core (no per-method split available): 8 in, 30 out
    assert.deepEqual(get(t.registry, col(E.sipCommonStatusCodeEntry, c.sipCommonStatusCodeIns, idx)), {
      type: 'Counter32',
      value: 8,
    });
    assert.deepEqual(get(t.registry, col(E.sipCommonStatusCodeEntry, c.sipCommonStatusCodeOuts, idx)), {
      type: 'Counter32',
      value: 30,
    });
    t.metrics.counter('sip_responses_out', '', ['code']).inc(['200'], 2);
    assert.equal(num(get(t.registry, col(E.sipCommonStatusCodeEntry, c.sipCommonStatusCodeOuts, idx))), 32);
    assert.equal(
      num(get(t.registry, col(E.sipCommonStatusCodeEntry, c.sipCommonStatusCodeDisconTime, idx))),
      5000,
    );
    // AUGMENTS row with the DEFVALs
    const n = COLUMNS.sipCommonStatusCodeNotifEntry;
    assert.equal(
      num(get(t.registry, col(E.sipCommonStatusCodeNotifEntry, n.sipCommonStatusCodeNotifSend, idx))),
      2,
    );
    assert.equal(
      num(get(t.registry, col(E.sipCommonStatusCodeNotifEntry, n.sipCommonStatusCodeNotifEmitMode, idx))),
      2,
    );
    assert.equal(
      num(get(t.registry, col(E.sipCommonStatusCodeNotifEntry, n.sipCommonStatusCodeNotifThresh, idx))),
      500,
    );
    assert.equal(
      num(get(t.registry, col(E.sipCommonStatusCodeNotifEntry, n.sipCommonStatusCodeNotifInterval, idx))),
      60,
    );
    assert.equal(
      set(t.registry, [
        col(E.sipCommonStatusCodeNotifEntry, n.sipCommonStatusCodeNotifThresh, idx),
        gauge(10),
      ]).errorStatus,
      0,
    );
    assert.equal(t.common.statusCodes.find(1, 'INVITE', 200)?.thresh, 10);
    assert.equal(
      set(t.registry, [col(E.sipCommonStatusCodeEntry, c.sipCommonStatusCodeRowStatus, idx), int(6)])
        .errorStatus,
      0,
    );
    assert.equal(
      get(t.registry, col(E.sipCommonStatusCodeEntry, c.sipCommonStatusCodeIns, idx)).type,
      'NoSuchInstance',
    );
    assert.equal(t.common.statusCodes.size, 0);
    assert.deepEqual(t.statusChanges, [
      'created 1 INVITE 200',
      'updated 1 INVITE 200',
      'destroyed 1 INVITE 200',
    ]);
  });

  void test('createAndGo with notification columns in the same PDU, in either order', () => {
    const t = buildSipRegistry();
    const n = COLUMNS.sipCommonStatusCodeNotifEntry;
    const a = scIndex(1, 'REGISTER', 401);
    const b = scIndex(1, 'REGISTER', 403);
    assert.equal(
      set(
        t.registry,
        [col(E.sipCommonStatusCodeNotifEntry, n.sipCommonStatusCodeNotifSend, a), int(1)],
        [col(E.sipCommonStatusCodeEntry, 5, a), int(4)],
        [col(E.sipCommonStatusCodeEntry, 5, b), int(4)],
        [col(E.sipCommonStatusCodeNotifEntry, n.sipCommonStatusCodeNotifEmitMode, b), int(1)],
      ).errorStatus,
      0,
    );
    assert.equal(t.common.statusCodes.find(1, 'REGISTER', 401)?.notifSend, true);
    assert.equal(t.common.statusCodes.find(1, 'REGISTER', 403)?.emitMode, 1);
  });

  void test('SET errors carry the right status and index, and change nothing', () => {
    const t = buildSipRegistry();
    const c = COLUMNS.sipCommonStatusCodeEntry;
    const n = COLUMNS.sipCommonStatusCodeNotifEntry;
    const idx = scIndex(1, 'INVITE', 486);
    const rs = col(E.sipCommonStatusCodeEntry, c.sipCommonStatusCodeRowStatus, idx);
    // wrongType: RowStatus as an OCTET STRING, at varbind 2
    let r = set(t.registry, [col(E.sipCommonCfgEntry, 7, [1]), octets([0xe0])], [rs, octets([4])]);
    assert.deepEqual([r.errorStatus, r.errorIndex], [ErrorStatus.wrongType, 2]);
    assert.deepEqual(
      t.proxy.state.notifs,
      ['sipCommonServiceColdStart', 'sipCommonServiceWarmStart'],
      'nothing applied',
    );
    // notWritable: a read-only column (protocol version), at varbind 1
    r = set(t.registry, [col(E.sipCommonCfgEntry, 1, [1]), octets([0x41])]);
    assert.deepEqual([r.errorStatus, r.errorIndex], [ErrorStatus.notWritable, 1]);
    // notWritable: a counter column of a status code row
    r = set(
      t.registry,
      [rs, int(4)],
      [col(E.sipCommonStatusCodeEntry, c.sipCommonStatusCodeIns, idx), { type: 'Counter32', value: 1 }],
    );
    assert.deepEqual([r.errorStatus, r.errorIndex], [ErrorStatus.notWritable, 2]);
    assert.equal(t.common.statusCodes.size, 0);
    // wrongValue: createAndWait is not supported (compliance WRITE-SYNTAX { createAndGo, destroy })
    r = set(t.registry, [rs, int(5)]);
    assert.deepEqual([r.errorStatus, r.errorIndex], [ErrorStatus.wrongValue, 1]);
    // inconsistentValue: createAndGo of a row that exists, at varbind 3
    assert.equal(set(t.registry, [rs, int(4)]).errorStatus, 0);
    r = set(
      t.registry,
      [col(E.sipCommonStatusCodeNotifEntry, n.sipCommonStatusCodeNotifThresh, idx), gauge(5)],
      [col(E.sipCommonStatusCodeNotifEntry, n.sipCommonStatusCodeNotifInterval, idx), gauge(30)],
      [rs, int(4)],
    );
    assert.deepEqual([r.errorStatus, r.errorIndex], [ErrorStatus.inconsistentValue, 3]);
    assert.equal(t.common.statusCodes.find(1, 'INVITE', 486)?.thresh, 500, 'nothing applied');
    // inconsistentValue: active on a row that does not exist
    r = set(t.registry, [col(E.sipCommonStatusCodeEntry, 5, scIndex(1, 'BYE', 200)), int(1)]);
    assert.deepEqual([r.errorStatus, r.errorIndex], [ErrorStatus.inconsistentValue, 1]);
    // noCreation: bad index (code out of 100..999, unknown applIndex)
    assert.equal(
      set(t.registry, [col(E.sipCommonStatusCodeEntry, 5, scIndex(1, 'BYE', 99)), int(4)]).errorStatus,
      ErrorStatus.noCreation,
    );
    assert.equal(
      set(t.registry, [col(E.sipCommonStatusCodeEntry, 5, scIndex(9, 'BYE', 200)), int(4)]).errorStatus,
      ErrorStatus.noCreation,
    );
    // wrongValue: EmitMode triggered(3) is read-only; wrongType: Thresh as Integer
    r = set(t.registry, [
      col(E.sipCommonStatusCodeNotifEntry, n.sipCommonStatusCodeNotifEmitMode, idx),
      int(3),
    ]);
    assert.deepEqual([r.errorStatus, r.errorIndex], [ErrorStatus.wrongValue, 1]);
    r = set(t.registry, [
      col(E.sipCommonStatusCodeNotifEntry, n.sipCommonStatusCodeNotifThresh, idx),
      int(3),
    ]);
    assert.deepEqual([r.errorStatus, r.errorIndex], [ErrorStatus.wrongType, 1]);
    // notification bits beyond statusChanged(2): wrongValue; two octets: wrongLength
    assert.equal(
      set(t.registry, [col(E.sipCommonCfgEntry, 7, [1]), octets([0x10])]).errorStatus,
      ErrorStatus.wrongValue,
    );
    assert.equal(
      set(t.registry, [col(E.sipCommonCfgEntry, 7, [1]), octets([0x80, 0])]).errorStatus,
      ErrorStatus.wrongLength,
    );
    assert.equal(t.proxy.state.setCalls, 0);
  });

  void test('sipCommonCfgServiceNotifEnable SET goes through the source setter', () => {
    const t = buildSipRegistry();
    const r = set(t.registry, [col(E.sipCommonCfgEntry, 7, [1]), octets([0x20])]);
    assert.equal(r.errorStatus, 0);
    assert.deepEqual(t.proxy.state.notifs, ['sipCommonServiceStatusChanged']);
    assert.equal(t.proxy.state.setCalls, 1);
    assert.deepEqual(get(t.registry, col(E.sipCommonCfgEntry, 7, [1])), octets([0x20]));
  });
});
