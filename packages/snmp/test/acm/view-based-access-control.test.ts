import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oid } from '../../src/ber/oid.js';
import { familyMatches, MibView, parseViewMask } from '../../src/acm/mib-view.js';
import {
  communityReadOnlyExample,
  mergeVacmConfigs,
  readOnlyGroupExample,
  readWriteGroupExample,
  type VacmConfig,
} from '../../src/acm/vacm-config.js';
import { validateVacmConfig, ViewBasedAccessControl } from '../../src/acm/view-based-access-control.js';

const SYS_DESCR = oid('1.3.6.1.2.1.1.1.0');
const USM_STATS = oid('1.3.6.1.6.3.15.1.1.4.0');
const USM = 3;
const V2C = 2;

void test('view families: mask wildcards, extension with 1s, longest match, lexicographic tie-break', () => {
  // ifEntry columns for ifIndex 7 only: 1.3.6.1.2.1.2.2.1.*.7 with mask ff:bf (bit 10 = wildcard column).
  const f = {
    subtree: oid('1.3.6.1.2.1.2.2.1.1.7'),
    mask: parseViewMask('ff:bf')!,
    type: 'included' as const,
  };
  assert.ok(familyMatches(f, oid('1.3.6.1.2.1.2.2.1.5.7')));
  assert.ok(familyMatches(f, oid('1.3.6.1.2.1.2.2.1.10.7.99')));
  assert.ok(!familyMatches(f, oid('1.3.6.1.2.1.2.2.1.5.8')));
  assert.ok(!familyMatches(f, oid('1.3.6.1.2.1.2.2.1')), 'shorter than the subtree');
  // Empty mask: exact subtree.
  assert.ok(
    familyMatches({ subtree: oid('1.3.6'), mask: Buffer.alloc(0), type: 'included' }, oid('1.3.6.1')),
  );
  assert.ok(
    !familyMatches({ subtree: oid('1.3.6'), mask: Buffer.alloc(0), type: 'included' }, oid('1.3.7.1')),
  );

  const v = new MibView('v', [
    { subtree: oid('1.3.6.1'), mask: Buffer.alloc(0), type: 'included' },
    { subtree: oid('1.3.6.1.6.3.15'), mask: Buffer.alloc(0), type: 'excluded' },
    { subtree: oid('1.3.6.1.6.3.15.1.1'), mask: Buffer.alloc(0), type: 'included' },
  ]);
  assert.ok(v.contains(SYS_DESCR));
  assert.ok(!v.contains(oid('1.3.6.1.6.3.15.1.2.2.1.3')), 'excluded by the longer family');
  assert.ok(v.contains(USM_STATS), 'included again by the longest family');
  assert.ok(!v.contains(oid('1.2.3')), 'no family matches: not in view');
  assert.ok(v.mayContainUnder(oid('1.3')));
  assert.ok(!v.mayContainUnder(oid('1.4')));

  // Same length, both match through wildcards: the lexicographically greatest subtree decides.
  const tie = new MibView('t', [
    { subtree: oid('1.3.6.1.2'), mask: parseViewMask('f0')!, type: 'included' }, // 1.3.6.1.*
    { subtree: oid('1.3.6.1.9'), mask: parseViewMask('f0')!, type: 'excluded' }, // 1.3.6.1.*
  ]);
  assert.ok(!tie.contains(oid('1.3.6.1.4.1')), '1.3.6.1.9 > 1.3.6.1.2: excluded wins');
  assert.equal(parseViewMask('zz'), undefined);
  assert.equal(parseViewMask('00'.repeat(17)), undefined);
  assert.deepEqual(parseViewMask('0xFF:A0'), Buffer.from('ffa0', 'hex'));
});

void test('RFC 3415 §3.2 error outcomes in order', () => {
  const vacm = new ViewBasedAccessControl({
    contexts: ['', 'bridge1'],
    groups: [
      { securityModel: 'usm', securityName: 'alice', groupName: 'ops' },
      { securityModel: 'usm', securityName: 'bob', groupName: 'nobody-home' },
      { securityModel: 'usm', securityName: 'carol', groupName: 'readers' },
    ],
    access: [
      {
        groupName: 'ops',
        securityModel: 'usm',
        securityLevel: 'authPriv',
        readView: 'all',
        writeView: 'mib2',
      },
      { groupName: 'readers', securityLevel: 'authNoPriv', readView: 'mib2' },
    ],
    views: [
      { viewName: 'all', subtree: '1' },
      { viewName: 'mib2', subtree: '1.3.6.1.2.1' },
    ],
  });
  const ask = (
    name: string,
    level: 'noAuthNoPriv' | 'authNoPriv' | 'authPriv',
    type: 'read' | 'write' | 'notify',
    ctx: string,
    o = SYS_DESCR,
  ) => vacm.isAccessAllowed(USM, name, level, type, ctx, o);
  assert.equal(ask('alice', 'authPriv', 'read', 'nosuch'), 'noSuchContext');
  assert.equal(ask('mallory', 'authPriv', 'read', ''), 'noGroupName');
  assert.equal(
    vacm.isAccessAllowed(V2C, 'alice', 'noAuthNoPriv', 'read', '', SYS_DESCR),
    'noGroupName',
    'group is per model',
  );
  assert.equal(ask('bob', 'authPriv', 'read', ''), 'noAccessEntry');
  assert.equal(ask('alice', 'authNoPriv', 'read', ''), 'noAccessEntry', 'level below the entry minimum');
  assert.equal(ask('alice', 'authPriv', 'read', 'bridge1'), 'noAccessEntry', 'exact context match only');
  assert.equal(ask('alice', 'authPriv', 'notify', ''), 'noSuchView', 'empty view name');
  assert.equal(ask('alice', 'authPriv', 'write', '', USM_STATS), 'notInView');
  assert.equal(ask('alice', 'authPriv', 'write', ''), 'accessAllowed');
  assert.equal(ask('alice', 'authPriv', 'read', '', USM_STATS), 'accessAllowed');
  assert.equal(ask('carol', 'authPriv', 'read', ''), 'accessAllowed', 'higher level than required is fine');
  assert.equal(ask('carol', 'authNoPriv', 'write', ''), 'noSuchView');
  // resolveView: the fast path for many varbinds
  const r = vacm.resolveView(USM, 'alice', 'authPriv', '', 'read');
  assert.ok(r.ok && r.view.name === 'all');
  assert.equal(vacm.groupOf(USM, 'carol'), 'readers');
});

void test('access entry selection rules 2a-2d', () => {
  const vacm = new ViewBasedAccessControl({
    contexts: ['', 'ctx-a', 'ctx-abc'],
    groups: [
      { securityModel: 'usm', securityName: 'u', groupName: 'g' },
      { securityModel: 'v2c', securityName: 'u', groupName: 'g' },
    ],
    access: [
      // any-model, prefix 'ctx': would match ctx-abc
      { groupName: 'g', contextPrefix: 'ctx', contextMatch: 'prefix', securityModel: 'any', readView: 'v1' },
      // model-specific, prefix 'ctx-a'
      {
        groupName: 'g',
        contextPrefix: 'ctx-a',
        contextMatch: 'prefix',
        securityModel: 'usm',
        readView: 'v2',
      },
      // model-specific, shorter prefix 'ctx', higher level
      {
        groupName: 'g',
        contextPrefix: 'ctx',
        contextMatch: 'prefix',
        securityModel: 'usm',
        securityLevel: 'authPriv',
        readView: 'v3',
      },
      // model-specific exact 'ctx-abc' at two levels
      {
        groupName: 'g',
        contextPrefix: 'ctx-abc',
        securityModel: 'usm',
        securityLevel: 'noAuthNoPriv',
        readView: 'v4',
      },
      {
        groupName: 'g',
        contextPrefix: 'ctx-abc',
        securityModel: 'usm',
        securityLevel: 'authNoPriv',
        readView: 'v5',
      },
    ],
    views: ['v1', 'v2', 'v3', 'v4', 'v5'].map((n) => ({ viewName: n, subtree: '1' })),
  });
  const view = (ctx: string, level: 'noAuthNoPriv' | 'authNoPriv' | 'authPriv', model = USM) => {
    const r = vacm.resolveView(model, 'u', level, ctx, 'read');
    return r.ok ? r.view.name : r.error;
  };
  // b) exact context match beats prefixes; d) highest level among those
  assert.equal(view('ctx-abc', 'authPriv'), 'v5');
  assert.equal(view('ctx-abc', 'noAuthNoPriv'), 'v4');
  // c) longest prefix ('ctx-a' over 'ctx') even though 'ctx' has a higher level
  assert.equal(view('ctx-a', 'authPriv'), 'v2');
  // a) model-specific entries beat 'any' for USM; for v2c only the 'any' entry remains
  assert.equal(view('ctx-abc', 'noAuthNoPriv', V2C), 'v1');
  assert.equal(view('other', 'noAuthNoPriv', V2C), 'noSuchContext');
  assert.equal(view('', 'authPriv'), 'noAccessEntry');
});

void test('ready examples: read-only and read-write groups, v2c community read-only', () => {
  const cfg = mergeVacmConfigs(
    readOnlyGroupExample(['viewer']),
    readWriteGroupExample(['admin']),
    communityReadOnlyExample(['public']),
  );
  assert.deepEqual(validateVacmConfig(cfg), []);
  const vacm = new ViewBasedAccessControl(cfg);
  assert.equal(vacm.isAccessAllowed(USM, 'viewer', 'authNoPriv', 'read', '', SYS_DESCR), 'accessAllowed');
  assert.equal(vacm.isAccessAllowed(USM, 'viewer', 'noAuthNoPriv', 'read', '', SYS_DESCR), 'noAccessEntry');
  assert.equal(vacm.isAccessAllowed(USM, 'viewer', 'authPriv', 'write', '', SYS_DESCR), 'noSuchView');
  assert.equal(vacm.isAccessAllowed(USM, 'admin', 'authPriv', 'write', '', SYS_DESCR), 'accessAllowed');
  assert.equal(vacm.isAccessAllowed(USM, 'admin', 'authNoPriv', 'write', '', SYS_DESCR), 'noAccessEntry');
  assert.equal(vacm.isAccessAllowed(USM, 'admin', 'authPriv', 'write', '', USM_STATS), 'notInView');
  assert.equal(vacm.isAccessAllowed(USM, 'admin', 'authPriv', 'read', '', USM_STATS), 'accessAllowed');
  assert.equal(vacm.isAccessAllowed(V2C, 'public', 'noAuthNoPriv', 'read', '', SYS_DESCR), 'accessAllowed');
  assert.equal(vacm.isAccessAllowed(1, 'public', 'noAuthNoPriv', 'read', '', SYS_DESCR), 'accessAllowed');
  assert.equal(vacm.isAccessAllowed(V2C, 'public', 'noAuthNoPriv', 'write', '', SYS_DESCR), 'noSuchView');
  assert.equal(vacm.isAccessAllowed(V2C, 'private', 'noAuthNoPriv', 'read', '', SYS_DESCR), 'noGroupName');
});

void test('configuration validation returns every problem; create() does not throw', () => {
  const bad: VacmConfig = {
    contexts: ['x'.repeat(33)],
    groups: [{ securityModel: 'any' as never, securityName: '', groupName: 'g' }],
    access: [
      { groupName: 'g', readView: 'missing', securityLevel: 'high' as never, contextMatch: 'fuzzy' as never },
    ],
    views: [{ viewName: 'v', subtree: '1..3', mask: 'xyz', type: 'maybe' as never }],
  };
  const errors = validateVacmConfig(bad);
  assert.equal(errors.length, 9, errors.join('\n'));
  const r = ViewBasedAccessControl.create(bad);
  assert.ok(!r.ok);
  assert.throws(() => new ViewBasedAccessControl(bad));
});
