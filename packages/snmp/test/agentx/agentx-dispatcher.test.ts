import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AgentxDispatcher,
  AgentxError,
  AgentxPduType,
  AgentxSetPhase,
  MibRegistry,
  oid,
  type MibHandler,
  type SnmpValue,
} from '../../src/index.js';
import { AX_COUNT, AX_ENTRY, makeAgentxTestMib } from './agentx-test-mib.js';

/** A scalar-like handler whose commit/undo outcomes are scripted; records every call. */
function scripted(root: number[], log: string[], commitOk: boolean, undoOk = true): MibHandler {
  return {
    get: () => ({ type: 'Integer', value: 0 }),
    isObject: () => true,
    next: () => undefined,
    testSet: (o, v: SnmpValue) => {
      log.push(`test ${root.at(-1)}`);
      if (v.type !== 'Integer') return { ok: false, status: 'wrongType' };
      return {
        ok: true,
        action: {
          commit: () => (log.push(`commit ${root.at(-1)}`), commitOk),
          undo: () => (log.push(`undo ${root.at(-1)}`), undoOk),
          cleanup: () => void log.push(`cleanup ${root.at(-1)}`),
        },
      };
    },
  };
}

void test('SET phases: commitFailed with its index, UndoSet reverts earlier commits, CleanupSet releases', () => {
  const log: string[] = [];
  const reg = new MibRegistry();
  reg.register(oid('1.3.6.1.4.1.99999.8.1'), scripted([1], log, true));
  reg.register(oid('1.3.6.1.4.1.99999.8.2'), scripted([2], log, false));
  const d = new AgentxDispatcher({ registry: reg });
  const vbs = [
    { oid: oid('1.3.6.1.4.1.99999.8.1.0'), value: { type: 'Integer' as const, value: 1 } },
    { oid: oid('1.3.6.1.4.1.99999.8.2.0'), value: { type: 'Integer' as const, value: 2 } },
  ];
  const t = d.handle({ type: AgentxPduType.TestSet, varbinds: vbs }, 5, 0);
  assert.deepEqual([t?.error, t?.index], [0, 0]);
  assert.equal(d.pendingSet, AgentxSetPhase.Tested);
  const c = d.handle({ type: AgentxPduType.CommitSet }, 5, 0);
  assert.deepEqual([c?.error, c?.index], [14, 2]); // commitFailed at varbind 2
  const u = d.handle({ type: AgentxPduType.UndoSet }, 5, 0);
  assert.deepEqual([u?.error, u?.index], [0, 0]);
  assert.equal(d.handle({ type: AgentxPduType.CleanupSet }, 5, 0), undefined);
  assert.equal(d.pendingSet, undefined);
  assert.deepEqual(log, ['test 1', 'test 2', 'commit 1', 'commit 2', 'undo 1', 'cleanup 1', 'cleanup 2']);
});

void test('SET phases: an undo that fails answers undoFailed', () => {
  const log: string[] = [];
  const reg = new MibRegistry();
  reg.register(oid('1.3.6.1.4.1.99999.8.1'), scripted([1], log, true, false));
  const d = new AgentxDispatcher({ registry: reg });
  d.handle(
    {
      type: AgentxPduType.TestSet,
      varbinds: [{ oid: oid('1.3.6.1.4.1.99999.8.1.0'), value: { type: 'Integer', value: 1 } }],
    },
    9,
    0,
  );
  assert.equal(d.handle({ type: AgentxPduType.CommitSet }, 9, 0)?.error, 0);
  const u = d.handle({ type: AgentxPduType.UndoSet }, 9, 0);
  assert.deepEqual([u?.error, u?.index], [15, 1]);
  // a new TestSet while one is pending releases the old one first (one transaction per session)
  d.handle(
    {
      type: AgentxPduType.TestSet,
      varbinds: [{ oid: oid('1.3.6.1.4.1.99999.8.1.0'), value: { type: 'Integer', value: 2 } }],
    },
    10,
    0,
  );
  assert.deepEqual(log.slice(-2), ['cleanup 1', 'test 1']);
  assert.equal(d.handle({ type: AgentxPduType.CommitSet }, 9, 0)?.error, AgentxError.processingError);
});

void test('contexts: a session for context "ctx" refuses the default context and serves its own', () => {
  const { registry } = makeAgentxTestMib(3);
  const d = new AgentxDispatcher({ registry, context: 'ctx' });
  const range = [{ start: [...AX_COUNT, 0], include: false, end: [] }];
  assert.equal(
    d.handle({ type: AgentxPduType.Get, ranges: range }, 0, 0)?.error,
    AgentxError.unsupportedContext,
  );
  const ok = d.handle({ type: AgentxPduType.Get, context: Buffer.from('ctx'), ranges: range }, 0, 0);
  assert.deepEqual(ok?.varbinds[0]?.value, { type: 'Gauge32', value: 3 });
  // set phases without a context field are not refused
  assert.equal(d.handle({ type: AgentxPduType.CommitSet }, 1, 0)?.error, AgentxError.processingError);
});

void test('GetBulk output is bounded', () => {
  const { registry } = makeAgentxTestMib(1000);
  const d = new AgentxDispatcher({ registry, maxBulkVarbinds: 100 });
  const r = d.handle(
    {
      type: AgentxPduType.GetBulk,
      nonRepeaters: 0,
      maxRepetitions: 65535,
      ranges: [
        { start: [...AX_ENTRY, 1], include: false, end: [] },
        { start: [...AX_ENTRY, 2], include: false, end: [] },
      ],
    },
    0,
    0,
  );
  assert.equal(r?.varbinds.length, 100);
});
